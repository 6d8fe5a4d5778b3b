using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS006;

public class REFS006Diagnostics
{
    [Theory]
    [InlineData("void M(Node node) { {|REFS006:node.DangerousSetRefCount(1)|}; }")]
    [InlineData("void M(Node node) { var f = {|REFS006:typeof(RefObject).GetField(\"_refCount\", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)|}; }")]
    [InlineData("void M(Node? node) { node?{|REFS006:.DangerousSetRefCount(1)|}; }")]
    [InlineData("const string Count = \"RefCount\"; object? M(Type type) => {|REFS006:type.GetProperty(Count)|};")]
    [InlineData("static object? M() => {|REFS006:typeof(Node).GetField(nameof(RefObject.RefCount))|};")]
    public Task DirectCountWrites(string member) =>
        RuleTest.For<REFS006DirectRefCountManipulation>().WithSource(RuleTestTypes.Source + "class C { " + member + " }").RunAsync();

    [Fact]
    public Task AnUnqualifiedCallInADerivedType() =>
        RuleTest.For<REFS006DirectRefCountManipulation>().WithSource(RuleTestTypes.Source + "class Counted : RefObject { void Reset() { {|REFS006:DangerousSetRefCount(1)|}; } }").RunAsync();
}

public class REFS006Valid
{
    [Theory]
    [InlineData("long M(Node node) => node.RefCount;")]
    [InlineData("object? M() => typeof(Node).GetField(\"Next\");")]
    [InlineData("class Other { public void DangerousSetRefCount(long value) { } } void M(Other other) => other.DangerousSetRefCount(1);")]
    public Task ReadingTheCountIsFine(string member) =>
        RuleTest.For<REFS006DirectRefCountManipulation>().WithSource(RuleTestTypes.Source + "class C { " + member + " }").RunAsync();
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS006;

public class REFS006Diagnostics
{
    [Theory]
    [InlineData("void M(Node node) { {|REFS006:node.DangerousSetRefCount(1)|}; }")]
    [InlineData("void M(Node node) { var f = {|REFS006:typeof(RefObject).GetField(\"_refCount\", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)|}; }")]
    public Task DirectCountWrites(string member) =>
        Verify<REFS006DirectRefCountManipulation>.Diagnostics(RuleTestTypes.Source + "class C { " + member + " }");
}

public class REFS006Valid
{
    [Theory]
    [InlineData("long M(Node node) => node.RefCount;")]
    [InlineData("object? M() => typeof(Node).GetField(\"Next\");")]
    public Task ReadingTheCountIsFine(string member) =>
        Verify<REFS006DirectRefCountManipulation>.Valid(RuleTestTypes.Source + "class C { " + member + " }");
}

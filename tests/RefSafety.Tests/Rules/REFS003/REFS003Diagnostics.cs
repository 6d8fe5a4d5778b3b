using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS003;

public class REFS003Diagnostics
{
    [Theory]
    [InlineData("void M() { var node = new Node(); node.DecRef(); {|REFS003:node|}.Touch(); }")]
    [InlineData("void M() { var node = new Node(); node.Dispose(); Api.Inspect({|REFS003:node|}); }")]
    [InlineData("Node M() { var node = new Node(); node.DecRef(); return {|REFS003:node|}; }")]
    [InlineData("void M(Holder holder) { var node = new Node(); node.DecRef(); holder.Child = {|REFS003:node|}; }")]
    [InlineData("void M() { var node = new Node(); Api.Consume(node); {|REFS003:node|}.Touch(); }")]
    [InlineData("void M() { var node = new Node(); node.DecRef(); {|REFS003:node.IncRef()|}; }")]
    [InlineData("void M(bool flag) { var node = new Node(); node.DecRef(); if (flag) { {|REFS003:node|}.Touch(); } }")]
    public Task UsesAnObjectAfterItsLastReferenceWasReleased(string member) =>
        RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + "class C { " + member + " }").RunAsync();

    [Fact]
    public Task OneDiagnosticPerMistake() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M()
    {
        var node = new Node();
        node.DecRef();
        {|REFS003:node|}.Touch();
        node.Touch();
        node.Touch();
    }
}")
        .RunAsync();

    [Fact]
    public Task AFieldUsedAfterItsReferenceWasReleased() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class Owner : RefObject
{
    private Node? _current;

    public void M()
    {
        if (_current is null)
        {
            return;
        }

        _current.DecRef();
        {|REFS003:_current|}.Touch();
    }
}")
        .RunAsync();

    [Fact]
    public Task TheMessageNamesTheReleaseAndTheUseLines() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M()
    {
        var node = new Node();
        node.DecRef();
        {|REFS003:node|}.Touch();
    }

    void N()
    {
        var node = new Node();
        node.DecRef();
        {|REFS003:node.IncRef()|};
        node.DecRef();
    }
}")
        .ExpectArguments("node", "at line 27; it is used at line 28")
        .ExpectArguments("node", "at line 34; it is IncRef'd at line 35")
        .RunAsync();
}

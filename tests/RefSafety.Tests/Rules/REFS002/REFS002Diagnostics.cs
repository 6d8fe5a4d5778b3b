using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS002;

public class REFS002Diagnostics
{
    [Theory]
    [InlineData("void M(Node borrowed) { {|REFS002:borrowed.DecRef()|}; }")]
    [InlineData("void M(Holder holder) { var child = holder.Child!; {|REFS002:child.Dispose()|}; }")]
    [InlineData("void M() { var node = new Node(); node.DecRef(); {|REFS002:node.DecRef()|}; }")]
    [InlineData("void M(Holder holder) { var node = new Node(); holder.Child = node; {|REFS002:node.DecRef()|}; }")]
    [InlineData("void M() { var node = new Node(); Api.Consume(node); {|REFS002:node.DecRef()|}; }")]
    [InlineData("void M(Holder holder) { var peeked = Api.Peek(holder); {|REFS002:peeked.DecRef()|}; }")]
    [InlineData("void M(bool flag) { var node = new Node(); if (flag) { node.DecRef(); } else { node.Dispose(); } {|REFS002:node.DecRef()|}; }")]
    public Task ReleasesAReferenceTheMethodDoesNotOwn(string member) =>
        RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + "class C { " + member + " }").RunAsync();

    [Fact]
    public Task MessageSaysHowTheCountGoesTooLow() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M(Node borrowed)
    {
        {|REFS002:borrowed.DecRef()|};
    }
}")
        .ExpectArguments("borrowed", "when it is released without being owned at line 26")
        .RunAsync();

    [Fact]
    public Task OneMistakeGivesOneDiagnostic() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void Twice()
    {
        var node = new Node();
        node.DecRef();
        {|REFS002:node.DecRef()|};
        node.DecRef();
    }

    void Borrowed(Node borrowed)
    {
        {|REFS002:borrowed.DecRef()|};
        borrowed.Touch();
    }
}")
        .RunAsync();

    [Fact]
    public Task ReleasedAgainInTheNextIteration() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M(Func<bool> more)
    {
        var node = new Node();
        do
        {
            node.Touch();
            {|REFS002:node.DecRef()|};
        }
        while (more());
    }
}")
        .RunAsync();

    [Fact]
    public Task AnOutArgumentIsBorrowedUnlessMarked() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M(RefDictionary<string, Node> nodes)
    {
        if (nodes.TryGetValue(""key"", out var node))
        {
            {|REFS002:node.DecRef()|};
        }
    }
}")
        .RunAsync();

    [Fact]
    public Task AReleaseOnTheSideOfAFlagThatTookNoReference() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M(bool own, Node node)
    {
        if (own)
        {
            node.IncRef();
        }

        Api.Inspect(node);
        {|REFS002:node.DecRef()|};
    }
}")
        .RunAsync();

    [Fact]
    public Task ReleasingAnObjectMatchedByAPattern() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M(object o)
    {
        if (o is Node { Next: null } n)
        {
            {|REFS002:n.DecRef()|};
        }
    }

    void N()
    {
        RefObject made = new Node();
        if (made is Node n)
        {
            n.DecRef();
        }
    }
}")
        .RunAsync();
}

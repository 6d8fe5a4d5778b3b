using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS005;

public class REFS005Diagnostics
{
    [Fact]
    public Task BorrowedMethodReturnsAnOwnedReference() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    [return: BorrowedReference]
    Node M()
    {
        var node = new Node();
        return {|REFS005:node|};
    }
}")
        .RunAsync();

    [Fact]
    public Task BorrowedMethodReturnsANewObject() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    [return: BorrowedReference]
    Node M() => {|REFS005:new Node()|};
}")
        .RunAsync();

    [Fact]
    public Task StolenParameterNotConsumedOnOnePath() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M([StealsReference] Node node, bool keep, Holder holder)
    {
        if (keep)
        {
            holder.Child = node;
            return;
        }

        node.Touch();
    {|REFS005:}|}
}")
        .RunAsync();

    [Fact]
    public Task AConstructorThatReturnsWithoutTakingItsArgument() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class Adopter : RefObject
{
    private Node? _node;

    public Adopter([StealsReference] Node node, bool keep)
    {
        if (!keep)
        {
            {|REFS005:return;|}
        }

        _node = node;
    }

    protected override void OnFinalize() => RefField.Clear(ref _node);
}")
        .RunAsync();
}

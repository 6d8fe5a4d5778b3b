using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS005;

public class REFS005Diagnostics
{
    [Fact]
    public Task BorrowedMethodReturnsAnOwnedReference() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class C
{
    [return: BorrowedReference]
    Node M()
    {
        var node = new Node();
        return {|REFS005:node|};
    }
}");

    [Fact]
    public Task BorrowedMethodReturnsANewObject() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class C
{
    [return: BorrowedReference]
    Node M() => {|REFS005:new Node()|};
}");

    [Fact]
    public Task StolenParameterNotConsumedOnOnePath() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
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
}");
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS004;

public class REFS004Diagnostics
{
    [Theory]
    [InlineData("[return: NewReference] Node M(Node borrowed) { return {|REFS004:borrowed|}; }")]
    [InlineData("[return: NewReference] Node M(RefList<Node> list) => {|REFS004:list[0]|};")]
    [InlineData("void M(Holder holder, Node borrowed) { holder.Child = {|REFS004:borrowed|}; }")]
    [InlineData("void M(Node borrowed) { Api.Consume({|REFS004:borrowed|}); }")]
    [InlineData("void M(Holder holder, RefList<Node> list) { holder.Child = {|REFS004:list[0]|}; }")]
    [InlineData("void M(Holder holder) { holder.Child = {|REFS004:Api.Peek(holder)|}; }")]
    public Task HandsOnABorrowedReferenceAsOwned(string member) =>
        RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + "class C { " + member + " }").RunAsync();

    [Fact]
    public Task ABorrowedReferenceStoredInAnAutoProperty() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class Box : RefObject
{
    public Node? Content { get; set; }
}

class C
{
    void M(Box box, Node borrowed) => box.Content = {|REFS004:borrowed|};
}")
        .RunAsync();

    [Fact]
    public Task ABorrowedReferenceHandedOutThroughANewReferenceOutParameter() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    static bool TryPeek(Holder holder, [NewReference] out Node? child)
    {
        child = holder.Child;
        {|REFS004:return child is not null;|}
    }

    static bool TryTake(Holder holder, Node borrowed, [NewReference] out Node taken)
    {
        taken = borrowed;
        if (holder.Child is null)
        {
            taken.IncRef();
            return true;
        }

        {|REFS004:return false;|}
    }
}")
        .RunAsync();
}

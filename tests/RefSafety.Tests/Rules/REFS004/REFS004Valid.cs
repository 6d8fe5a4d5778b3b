using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS004;

public class REFS004Valid
{
    [Theory]
    [InlineData("[return: NewReference] Node M(Node borrowed) { borrowed.IncRef(); return borrowed; }")]
    [InlineData("[return: NewReference] Node M() => new Node();")]
    [InlineData("void M(Holder holder, Node borrowed) { RefField.Set(ref holder.Child, borrowed); }")]
    [InlineData("void M(Holder holder, Node borrowed) { borrowed.IncRef(); holder.Child = borrowed; }")]
    [InlineData("void M(Node borrowed) { borrowed.IncRef(); Api.Consume(borrowed); }")]
    [InlineData("[return: BorrowedReference] Node M(Holder holder) => holder.Child!;")]
    [InlineData("void M(RefList<Node> list, Node borrowed) { list.Add(borrowed); }")]
    public Task IncRefsBeforeHandingOn(string member) =>
        RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + "class C { " + member + " }").RunAsync();
}

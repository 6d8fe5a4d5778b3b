using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS005;

public class REFS005Valid
{
    [Theory]
    [InlineData("void M([StealsReference] Node node) { node.DecRef(); }")]
    [InlineData("void M([StealsReference] Node node, Holder holder) { RefField.Move(ref holder.Child, node); }")]
    [InlineData("void M([StealsReference] Node node) { Api.Consume(node); }")]
    [InlineData("[return: NewReference] Node M([StealsReference] Node node) => node;")]
    [InlineData("[return: BorrowedReference] Node? M(Holder holder) { var child = holder.Child; return child; }")]
    public Task HonoursItsContract(string member) =>
        RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + "class C { " + member + " }").RunAsync();
}

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
    [InlineData("void M(ref Node? slot, [StealsReference] Node node) { slot = node; }")]
    [InlineData("[return: NewReference] Node M([StealsReference] Node node) => node;")]
    [InlineData("[return: BorrowedReference] Node? M(Holder holder) { var child = holder.Child; return child; }")]
    public Task HonoursItsContract(string member) =>
        RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + "class C { " + member + " }").RunAsync();

    [Fact]
    public Task AConstructorThatThrowsNeedNotTakeItsArgument() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Adopter : RefObject
{
    private Node? _node;

    // Whether a throwing constructor took its argument is the library's convention; only its normal ends are judged.
    public Adopter([StealsReference] Node node, bool valid)
    {
        if (!valid)
        {
            throw new System.ArgumentException(""not valid"", nameof(valid));
        }

        _node = node;
    }

    protected override void OnFinalize() => RefField.Clear(ref _node);
}").RunAsync();
}

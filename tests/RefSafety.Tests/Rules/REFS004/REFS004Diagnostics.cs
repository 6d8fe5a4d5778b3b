using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS004;

public class REFS004Diagnostics
{
    [Theory]
    [InlineData("[return: NewReference] Node M(Node borrowed) { return {|REFS004:borrowed|}; }")]
    [InlineData("[return: NewReference] Node M(Holder holder) => {|REFS004:holder.Child|}!;")]
    [InlineData("void M(Holder holder, Node borrowed) { holder.Child = {|REFS004:borrowed|}; }")]
    [InlineData("void M(Node borrowed) { Api.Consume({|REFS004:borrowed|}); }")]
    [InlineData("void M(Holder holder, Holder other) { other.Child = {|REFS004:holder.Child|}; }")]
    public Task HandsOnABorrowedReferenceAsOwned(string member) =>
        Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + "class C { " + member + " }");
}

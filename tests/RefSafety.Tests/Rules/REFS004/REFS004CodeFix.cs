using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Balance;
using Xunit;

namespace RefSafety.Tests.Rules.REFS004;

public class REFS004CodeFix
{
    [Fact]
    public Task IncRefBeforeEscaping() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void Store(Holder holder, Node borrowed)
    {
        holder.Child = {|REFS004:borrowed|};
    }

    [return: NewReference]
    Node Share(Node borrowed)
    {
        return {|REFS004:borrowed|};
    }

    void Give(Node borrowed)
    {
        Api.Consume({|REFS004:borrowed|});
    }
}")
        .WithFix<REFS004IncRefBeforeEscapingFix>("IncRef before escaping")
        .ExpectFixed(RuleTestTypes.Source + @"
class C
{
    void Store(Holder holder, Node borrowed)
    {
        borrowed.IncRef();
        holder.Child = borrowed;
    }

    [return: NewReference]
    Node Share(Node borrowed)
    {
        borrowed.IncRef();
        return borrowed;
    }

    void Give(Node borrowed)
    {
        borrowed.IncRef();
        Api.Consume(borrowed);
    }
}")
        .RunAsync();
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Balance;
using Xunit;

namespace RefSafety.Tests.Rules.REFS003;

public class REFS003CodeFix
{
    [Fact]
    public Task MoveTheReleaseAfterTheLastUse() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    int M()
    {
        var node = new Node();
        node.Touch();
        node.DecRef();
        {|REFS003:node|}.Touch();
        Api.Inspect(node);
        int unrelated = 1;
        return unrelated;
    }
}")
        .WithFix<REFS003MoveReleaseAfterLastUseFix>("Move the release after the last use")
        .ExpectFixed(RuleTestTypes.Source + @"
class C
{
    int M()
    {
        var node = new Node();
        node.Touch();
        node.Touch();
        Api.Inspect(node);
        node.DecRef();
        int unrelated = 1;
        return unrelated;
    }
}")
        .RunAsync();
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Balance;
using Xunit;

namespace RefSafety.Tests.Rules.REFS003;

public class REFS003CodeFix
{
    [Fact]
    public Task MoveTheReleaseAfterTheLastUse() => Verify<OwnershipAnalyzer>.CodeFix<REFS003MoveReleaseAfterLastUseFix>(RuleTestTypes.Source + @"
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
}", RuleTestTypes.Source + @"
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
}", "Move the release after the last use");
}

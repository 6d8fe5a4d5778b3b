using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.Prefilter;

/// <summary>
/// Bodies in which no operation has a counted type still reach the ownership dataflow when a contract can make it
/// report: OwnershipAnalyzer skips the others before building a graph, and must not skip these.
/// </summary>
public class OwnershipPrefilterTests
{
    [Fact]
    public Task StolenParameterOfAnEmptyMethod() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class C
{
    void M([StealsReference] Node node)
    {
    {|REFS005:}|}
}");

    [Fact]
    public Task StolenParameterOfAnEmptyLocalFunction() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class C
{
    int M()
    {
        Local(null!);
        return 0;

        static void Local([StealsReference] Node node)
        {
        {|REFS005:}|}
    }
}");

    [Fact]
    public Task StolenParameterOfAnEmptyLambda() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class C
{
    Action<Node> M() => ([StealsReference] Node node) => { {|REFS005:}|};
}");

    [Fact]
    public Task NewReferenceContractOnAnUncountedResult() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class C
{
    [return: NewReference]
    object M(object value) => {|REFS004:value|};
}");

    [Fact]
    public Task StealingParameterOfAnUncountedType() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class C
{
    static void Keep([StealsReference] object value) { }

    object[] Items { get; } = new object[1];

    void M() => Keep({|REFS004:Items|});
}");

    [Fact]
    public Task UncountedBodiesAreValid() => Verify<OwnershipAnalyzer>.Valid(RuleTestTypes.Source + @"
class C
{
    int Count;

    int M(int n, Func<int, int> f)
    {
        for (int i = 0; i < n; i++) { Count += f(i); }
        Func<int, int> g = x => x * Count;
        return g(Count);
    }
}");
}

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
    public Task StolenParameterOfAnEmptyMethod() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M([StealsReference] Node node)
    {
    {|REFS005:}|}
}")
        .RunAsync();

    [Fact]
    public Task StolenParameterOfAnEmptyLocalFunction() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
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
}")
        .RunAsync();

    [Fact]
    public Task StolenParameterOfAnEmptyLambda() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    Action<Node> M() => ([StealsReference] Node node) => { {|REFS005:}|};
}")
        .RunAsync();

    [Fact]
    public Task NewReferenceContractOnAnUncountedResult() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    [return: NewReference]
    object M(object value) => {|REFS004:value|};
}")
        .RunAsync();

    [Fact]
    public Task StealingParameterOfAnUncountedType() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    static void Keep([StealsReference] object value) { }

    object[] Items { get; } = new object[1];

    void M() => Keep({|REFS004:Items|});
}")
        .RunAsync();

    [Fact]
    public Task UncountedBodiesAreValid() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    int Count;

    int M(int n, Func<int, int> f)
    {
        for (int i = 0; i < n; i++) { Count += f(i); }
        Func<int, int> g = x => x * Count;
        return g(Count);
    }
}")
        .RunAsync();
}

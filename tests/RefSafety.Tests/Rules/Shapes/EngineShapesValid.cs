using System.Linq;
using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.Shapes;

/// <summary>Correct code the engine's own modelling must keep silent on (issue 8: exact counts, flags, captures).</summary>
public class EngineShapesValid
{
    [Fact]
    public Task TwoIncRefsAndThreeReleasesBalance() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void M()
    {
        var node = new Node();
        node.IncRef();
        node.IncRef();
        node.DecRef();
        node.DecRef();
        node.DecRef();
    }
}").RunAsync();

    [Fact]
    public Task SixIncRefsAndSevenReleasesBalance() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void M()
    {
        var node = new Node();
        for (int i = 0; i < 0; i++) { }
        node.IncRef(); node.IncRef(); node.IncRef(); node.IncRef(); node.IncRef(); node.IncRef();
        node.DecRef(); node.DecRef(); node.DecRef(); node.DecRef(); node.DecRef(); node.DecRef(); node.DecRef();
    }
}").RunAsync();

    [Fact]
    public Task TenIndependentFlagsEachGuardingItsOwnPair()
    {
        string pairs = string.Concat(Enumerable.Range(0, 10).Select(i => $@"
        Node? n{i} = null;
        if (f{i}) n{i} = new Node();
        Api.Inspect(holder.Child!);
        if (f{i}) n{i}!.DecRef();"));
        string parameters = string.Join(", ", Enumerable.Range(0, 10).Select(i => $"bool f{i}"));
        return RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void M(Holder holder, " + parameters + @")
    {" + pairs + @"
    }
}").RunAsync();
    }

    [Fact]
    public Task AReleaseThreeLambdasDownIsACapture() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void M()
    {
        var node = new Node();
        Action outer = () =>
        {
            Action middle = () =>
            {
                Action inner = () => node.DecRef();
                inner();
            };
            middle();
        };
        outer();
    }
}").RunAsync();
}

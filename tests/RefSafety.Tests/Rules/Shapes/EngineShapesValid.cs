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
    public Task TenIndependentFlagsEachGuardingItsOwnPair() => RuleTest.For<OwnershipAnalyzer>().WithSource(TenFlagPairs(wrongPair: null)).RunAsync();

    /// <summary>
    /// A method with ten bool parameters, each guarding its own create/release pair; the pair <paramref name="wrongPair"/>
    /// (if any) releases under the negated flag, so it leaks where its flag is true. The method's closing brace is on line 66.
    /// </summary>
    internal static string TenFlagPairs(int? wrongPair)
    {
        string pairs = string.Concat(Enumerable.Range(0, 10).Select(i => $@"
        Node? n{i} = null;
        if (f{i}) n{i} = new Node();
        Api.Inspect(holder.Child!);
        if ({(i == wrongPair ? "!" : string.Empty)}f{i}) n{i}?.DecRef();"));
        string parameters = string.Join(", ", Enumerable.Range(0, 10).Select(i => $"bool f{i}"));
        return RuleTestTypes.Source + @"
class C
{
    void M(Holder holder, " + parameters + @")
    {" + pairs + @"
    " + (wrongPair is null ? "}" : "{|REFS001:}|}") + @"
}";
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

    [Fact]
    public Task AHandleIncrementedThroughAPathAndStolenThroughIt() => RuleTest.For<OwnershipAnalyzer>().WithoutRefHeap().WithEditorConfig(@"root = true

[*.cs]
refsafety.increment_methods = Binding.Runtime.XIncref
refsafety.decrement_methods = Binding.Runtime.XDecref
refsafety.stealing_parameters = Binding.Runtime.Restore(0), Binding.Runtime.Restore(1)
").WithSource(@"
using System;

namespace Binding
{
    public static class Runtime
    {
        public static void XIncref(IntPtr op) { }
        public static void XDecref(IntPtr op) { }
        public static void Restore(IntPtr type, IntPtr value) { }
    }

    public sealed class PendingError
    {
        public IntPtr Type;
        public IntPtr Value { get; set; }
    }

    static class C
    {
        static void Raise(PendingError error)
        {
            Runtime.XIncref(error.Type);
            Runtime.XIncref(error.Value);
            Runtime.Restore(error.Type, error.Value);
        }
    }
}").RunAsync();

    [Fact]
    public Task AStealingCallTakesItsArgumentEvenWhenItThrows() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    bool Hand()
    {
        var node = new Node();
        try
        {
            Api.Consume(node);
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}").RunAsync();
}

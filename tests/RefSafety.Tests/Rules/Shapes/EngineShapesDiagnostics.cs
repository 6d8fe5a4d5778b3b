using System.Linq;
using System.Threading.Tasks;
using RefSafety.Analyzers.Engine;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.Shapes;

/// <summary>Bugs the engine's own modelling must still find (issue 8: exact counts, flags, one finding per path, scale).</summary>
public class EngineShapesDiagnostics
{
    [Fact]
    public Task TwoIncRefsAndFourReleasesIsOneTooMany() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
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
        {|REFS002:node.DecRef()|};
    }
}").ExpectArguments("node", "when it is released again at line 32").RunAsync();

    [Fact]
    public Task TwoIncRefsAndTwoReleasesStillLeakOne() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void M()
    {
        var node = new Node();
        node.IncRef();
        node.IncRef();
        node.DecRef();
        node.DecRef();
    {|REFS001:}|}
}").RunAsync();

    [Fact]
    public Task AmongTenIndependentFlagsTheOnePairThatLeaksIsFoundAndNamed() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(EngineShapesValid.TenFlagPairs(wrongPair: 7))
        .ExpectArguments("n7", "on the path through line 66 where 'f7' is true")
        .RunAsync();

    [Fact]
    public Task AUseAfterReleaseDoesNotHideALeakMergingFromAnotherPath() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void M(bool early)
    {
        var node = new Node();
        if (early) goto done;
        node.DecRef();
        {|REFS003:node|}.Touch();
    done:
        Api.Inspect(Holder.Cache!);
    {|REFS001:}|}
}").RunAsync();

    [Fact]
    public Task TwoThousandLocalsStillFindTheOneLeak()
    {
        string locals = string.Concat(Enumerable.Range(0, 2000).Select(i => $"\n        var n{i} = new Node(); n{i}.Touch();" + (i == 1999 ? string.Empty : $" n{i}.DecRef();")));
        return RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void M()
    {" + locals + @"
    {|REFS001:}|}
}").RunAsync();
    }

    [Fact]
    public Task DeeplyNestedTryCatchFinallyWithEarlyReturnsFindTheLeakAtTheEnd()
    {
        // Each early return releases; a caught exception from any level reaches the end owning it. (Valued returns: a
        // valueless `return;` leaving a try is told from the try's end only by the source around it.)
        // As deep as a body may nest and still be analysed; 1,000 levels are timed in
        // benchmarks/AnalyzerSpeed/deep-nesting.sh (a test asserts behaviour only).
        return RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    int M(int stop)
    {
" + NestedTryCatchFinally(FlowGraph.MaxProtectedNesting) + @"
        {|REFS001:return -1;|}
    }
}").RunAsync();
    }

    [Fact]
    public Task ABodyNestedPastTheLimitIsNotAnalysed() =>
        // The same leak one level deeper: Roslyn's graph builder is superlinear in this nesting, so such a body is
        // refused before its graph is built, and nothing is reported there (docs/ownership.md, "Known limits").
        RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    int M(int stop)
    {
" + NestedTryCatchFinally(FlowGraph.MaxProtectedNesting + 1) + @"
        return -1;
    }
}").RunAsync();

    [Theory]
    [InlineData(1, true)] // one lock and a leak: its compiler-made `lockTaken` flag has no name, and the message crashed (AD0001)
    [InlineData(64, true)]
    [InlineData(65, false)]
    public Task TheLimitHoldsForTheShortestProtectedStatements(int depth, bool analysed) =>
        // `lock(o)` written without spaces is the fewest characters a level can take: a short body is never refused
        // unwalked (FlowGraph.IsTooDeepForAGraph skips the walk only for bodies too short to nest past the limit).
        RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    int M(object o)
    {
        var lost = new Node();
        " + string.Concat(System.Linq.Enumerable.Repeat("lock(o)", depth)) + @"{ lost.Touch(); }
        " + (analysed ? "{|REFS001:return 0;|}" : "return 0;") + @"
    }
}").RunAsync();

    /// <summary><paramref name="depth"/> nested try/catch/finally, each releasing on an early return; a caught exception from any level reaches the end owning the node.</summary>
    private static string NestedTryCatchFinally(int depth)
    {
        var body = new System.Text.StringBuilder("var lost = new Node(); lost.Touch();\n");
        for (int i = 0; i < depth; i++)
        {
            body.Append("try { if (stop == " + i + ") { lost.DecRef(); return " + i + "; }\n");
        }

        for (int i = 0; i < depth; i++)
        {
            body.Append("} catch (InvalidOperationException) { } finally { Api.Inspect(Holder.Cache!); }\n");
        }

        return body.ToString();
    }

    [Fact]
    public Task AnAccessPathReleasedTwiceAfterOneIncrement() => RuleTest.For<OwnershipAnalyzer>().WithoutRefHeap().WithEditorConfig(@"root = true

[*.cs]
refsafety.increment_methods = Binding.Runtime.XIncref
refsafety.decrement_methods = Binding.Runtime.XDecref
").WithSource(@"
using System;

namespace Binding
{
    public static class Runtime
    {
        public static void XIncref(IntPtr op) { }
        public static void XDecref(IntPtr op) { }
    }

    public sealed class PendingError
    {
        public IntPtr Type;
    }

    static class C
    {
        static void Clear(PendingError error)
        {
            Runtime.XIncref(error.Type);
            Runtime.XDecref(error.Type);
            {|REFS002:Runtime.XDecref(error.Type)|};
        }
    }
}").RunAsync();

    [Fact]
    public Task ACallThatThrowsBeforeTheReleaseLeaksIntoASwallowingCatch() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void M(Holder holder)
    {
        try
        {
            var node = new Node();
            Api.Inspect(holder.Child!);
            node.DecRef();
        }
        catch (InvalidOperationException)
        {
        }
    {|REFS001:}|}
}").RunAsync();
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Lifecycle;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Samples;

/// <summary>
/// samples/Lifecycle, run through its entry point: each slide shows what it claims. The pictures are rendered with
/// the real Graphviz (installed by .ci/run), and a missing Graphviz gets its line.
/// </summary>
public class LifecycleSampleTests : IClassFixture<LifecycleSampleTests.TalkOutput>
{
    private readonly SampleRun _talk;

    public LifecycleSampleTests(TalkOutput talk) => _talk = talk.Run;

    [Fact]
    public void TheSlidesComeInOrderAndNothingIsLeftAtTheEnd()
    {
        string[] headers = _talk.Lines.Where(l => l.StartsWith("== ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(Enumerable.Range(1, 9).Select(n => $"== {n}."), headers.Select(h => h[..(h.IndexOf('.') + 1)]));
        Assert.Equal("tracked objects at the end: 0", _talk.Lines.Last(l => l.Length > 0));
    }

    [Fact]
    public void CountsMoveWithEachReferenceAndTheLastReleaseFinalizes()
    {
        Assert.Equal(
            new[] { "1", "2", "3", "2", "1" },
            _talk.Between("== 1. Counting references: ob_refcnt ==", "  Node('A') finalized").Select(l => l[(l.LastIndexOf(" = ", StringComparison.Ordinal) + 3)..]));
    }

    [Fact]
    public void TheDirtyHackFreesTheObjectAndTheNextNodeTakesItsAddress()
    {
        Assert.Equal(
            new[] { "  Node('A') finalized" },
            _talk.Between("a.DangerousSetRefCount(0)   (ctypes.c_long.from_address(id(a)).value = 0)", "a.IsAlive = False, though b still points at it"));
        Assert.StartsWith("b.IncRef() -> ReleasedObjectException: IncRef on <Node ", _talk.LineStartingWith("b.IncRef() -> "));
        string freedAddress = Regex.Match(_talk.LineStartingWith("a = Node('A'); b = a"), "Gc.Id\\(a\\) = (0x[0-9a-f]+)").Groups[1].Value;
        Assert.EndsWith($"Gc.Id(c) = {freedAddress}", _talk.LineStartingWith("c = Node('C')"));
        Assert.StartsWith("Gc.Id(c) == Gc.Id(a): True", _talk.LineStartingWith("Gc.Id(c) == Gc.Id(a)"));
    }

    [Fact]
    public void RebindingALabelReleasesWhatItHeld()
    {
        Assert.Equal("  Node('ABC') finalized", _talk.Lines[_talk.IndexOf("n1 = Node('JKL')       RefField.Move(ref n1, new Node(\"JKL\")): store, release the old value") + 1]);
        Assert.Equal("  Node('DEF') finalized", _talk.Lines[_talk.IndexOf("n2 = n1                RefField.Set(ref n2, n1): keep the new value, release the old one") + 1]);
        Assert.Equal("  Node('JKL') finalized", _talk.Lines[_talk.IndexOf("n1 and n2 are JKL and JKL: RefCount = 2") + 1]);
    }

    [Fact]
    public void ACycleSurvivesCountingAndTheGenerationsCollectIt()
    {
        _talk.IndexOf("Gc.GetThreshold() = (700, 10, 10)");
        _talk.IndexOf("x and y released       counts 1 and 1: counting cannot free a cycle");
        Assert.Equal(
            new[] { "  Node('X') finalized", "  Node('Y') finalized" },
            _talk.Between("x and y released       counts 1 and 1: counting cannot free a cycle", "Gc.Collect(0) = 2 unreachable objects freed"));
        _talk.IndexOf("a survivor of a generation 0 collection is in generation 1: True");
        _talk.IndexOf("and after a generation 1 collection, in generation 2: True");
        Match automatic = Regex.Match(_talk.LineStartingWith("25 self-referencing lists"), "threshold 10: (\\d+) automatic collections freed (\\d+)$");
        Assert.True(automatic.Success && int.Parse(automatic.Groups[1].Value, CultureInfo.InvariantCulture) >= 2, automatic.Value);
        Assert.InRange(int.Parse(automatic.Groups[2].Value, CultureInfo.InvariantCulture), 1, 25);
    }

    [Fact]
    public void TheGcModuleFindsReferrersAndReferentsAndDebugLeakSavesTheGarbage()
    {
        _talk.IndexOf("Gc.GetReferrers(q) = [Node('P')]");
        _talk.IndexOf("Gc.GetReferents(p) = [Node('Q')]");
        IReadOnlyList<string> debugOutput = _talk.Between("Gc.SetDebug(GcDebugFlags.Leak); Gc.Collect():", "Gc.Collect() = 2; Gc.Garbage = [Node('P'), Node('Q')] (DEBUG_SAVEALL keeps them)");
        Assert.Equal(2, debugOutput.Count(l => l.StartsWith("gc: collectable <Node ", StringComparison.Ordinal)));
        Assert.Equal(new[] { "Gc.Collect() = 2" }, _talk.Between("Gc.Garbage.Clear(); Gc.Collect():", ""));
    }

    [Fact]
    public void ObjgraphWritesTheGraphsAsDotAndSvg()
    {
        _talk.IndexOf("ShowRefs([root]) -> lifecycle-refs.dot, lifecycle-refs.svg");
        _talk.IndexOf("ShowBackrefs([right]) -> lifecycle-backrefs.dot, lifecycle-backrefs.svg");
        Assert.Contains("Node('root')", _talk.ReadFile("lifecycle-refs.dot"));
        Assert.Contains("[label=\"Next\"]", _talk.ReadFile("lifecycle-refs.dot"));
        Assert.Contains(">Node(&#39;left&#39;)</text>", _talk.ReadFile("lifecycle-refs.svg"));
        Assert.Contains(">RefList&lt;Node&gt;</text>", _talk.ReadFile("lifecycle-backrefs.svg"));
    }

    [Fact]
    public void WithoutGraphvizTheDotFilesAreWrittenAndTheMissingProgramIsNamed()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-graphviz-here", "dot");
        using SampleRun run = SampleRun.Of(Talk.Run, new GraphvizRenderer(missing));

        run.IndexOf($"ShowRefs([root]) -> lifecycle-refs.dot; no SVG: Graphviz's '{missing}' program was not found (sudo apt-get install graphviz)");
        Assert.Equal(new[] { "lifecycle-backrefs.dot", "lifecycle-refs.dot" }, Directory.GetFiles(run.OutputDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LegacyModeKeepsAFinalizableCycleInGarbageAndPep442FinalizesIt()
    {
        Assert.Empty(_talk.Between("Legacy: a cycle of two nodes with finalizers, Gc.Collect():", "Legacy: Gc.Collect() = 2, Gc.Garbage holds 2"));
        Assert.Equal(
            new[] { "  Node('X') finalized", "  Node('Y') finalized" },
            _talk.Between("Legacy: breaking the cycle by hand and clearing Gc.Garbage:", "Legacy: nodes left: 0"));
        Assert.Equal(
            new[] { "  Node('X') finalized", "  Node('Y') finalized" },
            _talk.Between("Pep442: a cycle of two nodes with finalizers, Gc.Collect():", "Pep442: Gc.Collect() = 2, Gc.Garbage holds 0"));
        _talk.IndexOf("Pep442: nodes left: 0");
    }

    [Fact]
    public void SmallIntsAndInternedStringsAreSharedImmortalObjects()
    {
        _talk.IndexOf($"RefInt.FromInt64(5) twice: same object True, immortal True, RefCount {RefObject.ImmortalRefCount}");
        _talk.IndexOf("RefInt.FromInt64(1000) twice: same object False, RefCount 1 (outside -5..256)");
        _talk.IndexOf("RefString.Intern(\"refsafety\") twice: same object True, immortal True");
        _talk.IndexOf("RefString.FromString(\"refsafety\") twice: same object False");
    }

    [Fact]
    public void FreeingHalfTheObjectsFragmentsTheArenasAndFreeingAllReclaimsThem()
    {
        (int Arenas, long InUse, int Fragmentation) full = Figures(_talk.LineStartingWith("20,000 records"));
        (int Arenas, long InUse, int Fragmentation) half = Figures(_talk.LineStartingWith("every other one freed"));
        (int Arenas, long InUse, int Fragmentation) none = Figures(_talk.LineStartingWith("all freed"));
        Assert.True(full.Arenas > 1 && half.Arenas == full.Arenas && none.Arenas < full.Arenas, $"arenas {full.Arenas}, {half.Arenas}, {none.Arenas}");
        Assert.True(half.InUse < full.InUse && none.InUse < half.InUse, $"bytes in use {full.InUse}, {half.InUse}, {none.InUse}");
        Assert.True(half.Fragmentation >= 40 && half.Fragmentation > full.Fragmentation, $"fragmentation {full.Fragmentation}%, {half.Fragmentation}%");
    }

    private static (int Arenas, long InUse, int Fragmentation) Figures(string line)
    {
        Match m = Regex.Match(line, "arenas +(\\d+), +([\\d,]+) of +[\\d,]+ bytes in use, fragmentation +(\\d+) %$");
        Assert.True(m.Success, line);
        return (
            int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups[2].Value, NumberStyles.AllowThousands, CultureInfo.InvariantCulture),
            int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>One run of the talk, shared by the tests that read it.</summary>
    public sealed class TalkOutput : IDisposable
    {
        public SampleRun Run { get; } = SampleRun.Of(Talk.Run);

        public void Dispose() => Run.Dispose();
    }
}

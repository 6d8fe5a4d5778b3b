using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Inspection;

public class AllocationTracingTests
{
    [Fact]
    public void TracingIsOffByDefaultAndRecordsNothing()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        using var node = new Node();

        Assert.False(inspector.IsTracing);
        Assert.Null(inspector.GetAllocationSite(node));
        Assert.Null(heap.Heap.AllocationTracer);
    }

    [Fact]
    public void TheSiteIsTheLineOfTheNew()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        inspector.StartTracing();

        (Node node, int line) = At(new Node("traced"));
        (RefList<Node> list, int listLine) = At(new RefList<Node>());

        AllocationSite site = inspector.GetAllocationSite(node)!;
        Assert.Equal(new AllocationSite(ThisFile(), line, "AllocationTracingTests.TheSiteIsTheLineOfTheNew"), site);
        Assert.Equal($"AllocationTracingTests.cs:{line}", site.ToString());
        Assert.Equal(listLine, inspector.GetAllocationSite(list)!.Line);
        node.DecRef();
        list.DecRef();
    }

    [Fact]
    public void AnObjectAllocatedByAnotherObjectsConstructorIsSitedThere()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        inspector.StartTracing();

        (SelfFilling filling, int line) = At(new SelfFilling());

        Assert.Equal(line, inspector.GetAllocationSite(filling)!.Line);
        Assert.Equal(filling.EntriesLine, inspector.GetAllocationSite(filling.Entries!)!.Line);
        filling.DecRef();
    }

    [Fact]
    public void StopTracingForgetsTheSitesAndStopsRecording()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        inspector.StartTracing();
        using var traced = new Node();
        inspector.StartTracing();
        Assert.NotNull(inspector.GetAllocationSite(traced));

        inspector.StopTracing();
        using var untraced = new Node();

        Assert.False(inspector.IsTracing);
        Assert.Null(inspector.GetAllocationSite(traced));
        Assert.Null(inspector.GetAllocationSite(untraced));
    }

    [Fact]
    public void SnapshotsCompareByTypeAndBySite()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        inspector.StartTracing();
        var cache = new Cache { Entries = new RefList<Node>() };
        HeapSnapshot before = inspector.TakeSnapshot();

        int line = AddEntries(cache, 3);
        HeapSnapshot after = inspector.TakeSnapshot();

        // Unchanged groups follow the grown one, the larger first: a RefList<Node> has three fields, a Cache one.
        Assert.Equal(
            new[]
            {
                new HeapStatisticDiff("Node", 3, 3, 3 * SizeOf<Node>(), 3 * SizeOf<Node>()),
                new HeapStatisticDiff("RefList<Node>", 1, 0, SizeOf<RefList<Node>>(), 0),
                new HeapStatisticDiff("Cache", 1, 0, SizeOf<Cache>(), 0),
            },
            after.CompareTo(before, SnapshotGrouping.Type));
        HeapStatisticDiff bySite = after.CompareTo(before, SnapshotGrouping.Site)[0];
        Assert.Equal(new HeapStatisticDiff($"AllocationTracingTests.cs:{line}", 3, 3, 3 * SizeOf<Node>(), 3 * SizeOf<Node>()), bySite);
        Assert.Equal(48, SizeOf<Node>());
        Assert.Equal(new[] { ("Node", 3, 3) }, after.GrowthSince(before));
        cache.DecRef();
    }

    [Fact]
    public void StatisticsAreTheTopGroupsLargestFirst()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        using var early = new Node("allocated before tracing");
        inspector.StartTracing();
        var cache = new Cache { Entries = new RefList<Node>() };
        int fiveLine = 0, threeLine = 0;
        for (int i = 0; i < 5; i++)
        {
            (Node entry, fiveLine) = At(new Node());
            cache.Entries.Add(entry);
            entry.DecRef();
        }

        for (int i = 0; i < 3; i++)
        {
            (Node entry, threeLine) = At(new Node());
            cache.Entries.Add(entry);
            entry.DecRef();
        }

        HeapSnapshot snapshot = inspector.TakeSnapshot();

        Assert.Equal(
            new[] { new HeapStatistic("Node", 9, 9 * SizeOf<Node>()), new HeapStatistic("RefList<Node>", 1, SizeOf<RefList<Node>>()) },
            snapshot.Statistics(SnapshotGrouping.Type, limit: 2));
        Assert.Equal(
            new[]
            {
                new HeapStatistic($"AllocationTracingTests.cs:{fiveLine}", 5, 5 * SizeOf<Node>()),
                new HeapStatistic($"AllocationTracingTests.cs:{threeLine}", 3, 3 * SizeOf<Node>()),
            },
            snapshot.Statistics(SnapshotGrouping.Site, limit: 2));
        Assert.Contains(new HeapStatistic(HeapSnapshot.UnknownSite, 1, SizeOf<Node>()), snapshot.Statistics(SnapshotGrouping.Site));
        Assert.Throws<ArgumentOutOfRangeException>(() => snapshot.Statistics(SnapshotGrouping.Type, limit: 0));
        cache.DecRef();
    }

    [Fact]
    public void WhileTracingUntrackedObjectsAreCountedToo()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        using var untracedLeaf = RefString.FromString("before");
        Assert.False(inspector.TakeSnapshot().Counts.ContainsKey("RefString"));

        inspector.StartTracing();
        using var tracedLeaf = RefString.FromString("after");
        HeapSnapshot snapshot = inspector.TakeSnapshot();

        Assert.False(Gc.IsTracked(tracedLeaf));
        Assert.Equal(1, snapshot.Counts["RefString"]);
        Assert.Equal(2, snapshot.LiveObjects);
        Assert.True(snapshot.IsTraced);
    }

    [Fact]
    public void ReleasedObjectsLeaveTheSnapshot()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        inspector.StartTracing();
        var leaf = RefString.FromString("short-lived");
        leaf.DecRef();

        Assert.Empty(inspector.TakeSnapshot().Counts);
    }

    [Fact]
    public void GroupingBySiteNeedsASnapshotTakenWhileTracing()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        HeapSnapshot untraced = inspector.TakeSnapshot();
        inspector.StartTracing();
        HeapSnapshot traced = inspector.TakeSnapshot();

        var error = Assert.Throws<InvalidOperationException>(() => untraced.Statistics(SnapshotGrouping.Site));
        Assert.Contains("StartTracing()", error.Message);
        Assert.Throws<InvalidOperationException>(() => traced.CompareTo(untraced, SnapshotGrouping.Site));
        Assert.Empty(traced.CompareTo(untraced, SnapshotGrouping.Type));
        Assert.Throws<ArgumentNullException>(() => traced.CompareTo(null!, SnapshotGrouping.Type));
    }

    [Fact]
    public void TracingIsPerHeap()
    {
        using var heap = new TestHeap();
        new HeapInspector().StartTracing();
        var other = new Heap();
        using var elsewhere = new Node(other);

        Assert.Null(new HeapInspector(other).GetAllocationSite(elsewhere));
        Assert.False(new HeapInspector(other).IsTracing);
    }

    private static (T Value, int Line) At<T>(T value, [CallerLineNumber] int line = 0) => (value, line);

    private static string ThisFile([CallerFilePath] string path = "") => path;

    // The allocator model's size of one object of the type: 32 + 8 per field (docs/runtime.md).
    private static long SizeOf<T>() => TypeLayout.Of(typeof(T)).ObjectSize;

    // All the entries come from one 'new': that line is their site.
    private static int AddEntries(Cache cache, int count)
    {
        int line = 0;
        for (int i = 0; i < count; i++)
        {
            (Node entry, line) = At(new Node());
            cache.Entries!.Add(entry);
            entry.DecRef();
        }

        return line;
    }

    private sealed class SelfFilling : RefObject
    {
        public readonly RefList<Node>? Entries;

        public readonly int EntriesLine;

        public SelfFilling() => (Entries, EntriesLine) = At(new RefList<Node>());
    }
}

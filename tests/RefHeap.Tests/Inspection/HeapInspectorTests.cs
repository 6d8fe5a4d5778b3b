using System.Linq;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Inspection;

public class HeapInspectorTests
{
    private sealed class Cache : RefObject
    {
        public RefList<Node>? Entries;
    }

    [Fact]
    public void MostCommonTypesCountsTrackedObjectsByType()
    {
        using var heap = new TestHeap();
        var nodes = Enumerable.Range(0, 3).Select(_ => new Node()).ToList();
        var cache = new Cache();

        var common = new HeapInspector().MostCommonTypes(2);

        Assert.Equal(new[] { ("Node", 3), ("Cache", 1) }, common);
        nodes.ForEach(n => n.DecRef());
        cache.DecRef();
    }

    [Fact]
    public void GrowthSinceReportsOnlyTypesThatGrew()
    {
        using var heap = new TestHeap();
        var inspector = new HeapInspector();
        var before = inspector.TakeSnapshot();
        var cache = new Cache { Entries = new RefList<Node>() };
        for (int i = 0; i < 4; i++)
        {
            using var node = new Node();
            cache.Entries.Add(node);
        }

        var growth = inspector.TakeSnapshot().GrowthSince(before);

        Assert.Equal(new[] { ("Node", 4, 4), ("Cache", 1, 1), ("RefList`1", 1, 1) }, growth);
        cache.DecRef();
        Assert.Empty(inspector.TakeSnapshot().GrowthSince(before));
    }

    [Fact]
    public void FindBackrefChainWalksFromTheRootDownToTheLeak()
    {
        using var heap = new TestHeap();
        var root = new Node("root");
        var middle = new Node("middle");
        var leaked = new Node("leaked");
        root.Next = middle;
        middle.Next = leaked;

        var chain = new HeapInspector().FindBackrefChain(leaked, o => o is Node { Name: "root" });

        Assert.Equal(new RefObject[] { root, middle, leaked }, chain);
        Assert.Empty(new HeapInspector().FindBackrefChain(leaked, o => o is Cache));
        root.DecRef();
    }

    [Fact]
    public void GetLeakingObjectsFindsObjectsNoTrackedObjectHolds()
    {
        using var heap = new TestHeap();
        var holder = new Node("holder");
        holder.Next = new Node("held");

        var leaking = new HeapInspector().GetLeakingObjects();

        Assert.Equal(new RefObject[] { holder }, leaking);
        holder.DecRef();
    }

    [Fact]
    public void ToDotLabelsEdgesWithFieldNamesAndNodesWithCounts()
    {
        using var heap = new TestHeap();
        var a = new Node("a");
        var b = new Node("b");
        a.Next = b;
        b.IncRef();
        b.Next = a;
        a.IncRef();

        string dot = new HeapInspector().ToDot(new[] { a });

        Assert.StartsWith("digraph ObjectGraph {", dot);
        Assert.Contains("o0 [label=\"Node\\nrefcount 2\", fillcolor=yellow];", dot);
        Assert.Contains("o0 -> o1 [label=\"Next\"];", dot);
        Assert.Contains("o1 -> o0 [label=\"Next\"];", dot);
        a.DecRef();
        b.DecRef();
        Assert.Equal(2, Gc.Collect());
    }
}

using System;
using System.Linq;
using System.Text.RegularExpressions;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Inspection;

public class ObjectGraphTests
{
    [Fact]
    public void ShowRefsLabelsEdgesWithFieldNamesAndNodesWithCountsAndGenerations()
    {
        using var heap = new TestHeap();
        var a = new Node("a");
        var b = new Node("b");
        a.Next = b;
        b.IncRef();
        b.Next = a;
        a.IncRef();

        string dot = new HeapInspector().ShowRefs(new[] { a }).Source;

        Assert.StartsWith("digraph ObjectGraph {", dot);
        Assert.Contains("o0 [label=\"Node\\nrefcount 2, gen 0\", fillcolor=yellow];", dot);
        Assert.Contains("o1 [label=\"Node\\nrefcount 2, gen 0\"];", dot);
        Assert.Contains("o0 -> o1 [label=\"Next\"];", dot);
        Assert.Contains("o1 -> o0 [label=\"Next\"];", dot);
        a.DecRef();
        b.DecRef();
        Assert.Equal(2, Gc.Collect());
    }

    [Fact]
    public void NodesShowTheGenerationTheCollectorMovedThemTo()
    {
        using var heap = new TestHeap();
        var old = new Node("old");
        Gc.Collect(0);
        var young = new Node("young") { Next = old };
        old.IncRef();

        string dot = new HeapInspector().ShowRefs(new[] { young }).Source;

        Assert.Contains("o0 [label=\"Node\\nrefcount 1, gen 0\"", dot);
        Assert.Contains("o1 [label=\"Node\\nrefcount 2, gen 1\"];", dot);
        young.DecRef();
        old.DecRef();
    }

    [Fact]
    public void UntrackedImmortalAndFrozenObjectsSayWhatTheyAre()
    {
        using var heap = new TestHeap();
        var frozen = new Node("frozen");
        Gc.Freeze();
        var pair = new Pair { First = RefString.FromString("text"), Second = RefInt.FromInt64(7), Third = frozen };
        frozen.IncRef();

        string dot = new HeapInspector().ShowRefs(new RefObject[] { pair }).Source;

        Assert.Contains("[label=\"RefString\\ntext\\nrefcount 1, untracked\"];", dot);
        Assert.Contains("[label=\"RefInt\\n7\\nimmortal\"];", dot);
        Assert.Contains("[label=\"Node\\nrefcount 2, frozen\"];", dot);
        Gc.Unfreeze();
        pair.DecRef();
        frozen.DecRef();
    }

    [Fact]
    public void LabelsComeFromTheUserFunctionThenFromAToStringOverride()
    {
        using var heap = new TestHeap();
        var named = new Named("ABC") { Next = new Node("inner") };

        var inspector = new HeapInspector();
        string byToString = inspector.ShowRefs(new[] { named }).Source;
        string byFunction = inspector.ShowRefs(new[] { named }, label: o => o is Node { Name: { } name } ? $"Node('{name}')" : null).Source;

        Assert.Contains("o0 [label=\"ObjectGraphTests.Named\\nNamed('ABC')\\nrefcount 1, gen 0\", fillcolor=yellow];", byToString);
        Assert.Contains("o1 [label=\"Node\\nrefcount 1, gen 0\"];", byToString);
        Assert.Contains("o0 [label=\"ObjectGraphTests.Named\\nNode('ABC')\\nrefcount 1, gen 0\", fillcolor=yellow];", byFunction);
        Assert.Contains("o1 [label=\"Node\\nNode('inner')\\nrefcount 1, gen 0\"];", byFunction);
        named.DecRef();
    }

    [Fact]
    public void LongAndQuotedLabelsAreShortenedAndEscaped()
    {
        using var heap = new TestHeap();
        using var node = new Node();

        string dot = new HeapInspector().ShowRefs(new[] { node }, label: _ => "say \"hi\"\n" + new string('x', 60)).Source;

        Assert.Contains("[label=\"Node\\nsay \\\"hi\\\"\\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…\\nrefcount 1, gen 0\"", dot);
    }

    [Fact]
    public void FinalizerObjectsAreMarked()
    {
        using var heap = new TestHeap();
        using var finalizable = new Finalizable();

        string dot = new HeapInspector().ShowRefs(new[] { finalizable }).Source;

        Assert.Contains("o0 [label=\"ObjectGraphTests.Finalizable\\nrefcount 1, gen 0\\nhas OnFinalize\", fillcolor=yellow, color=red, penwidth=2];", dot);
    }

    [Fact]
    public void WeakReferencesAreDashedEdgesAndStrongOnesAreNot()
    {
        using var heap = new TestHeap();
        using var parent = new Node("parent");
        var watcher = new Watcher { Watched = new WeakRef<Node>(parent), Own = new Node("own") };

        var inspector = new HeapInspector();
        string refs = inspector.ShowRefs(new[] { watcher }).Source;
        string backrefs = inspector.ShowBackrefs(new[] { parent }).Source;

        Assert.Contains("o0 -> o1 [label=\"Own\"];", refs);
        Assert.Contains("o0 -> o2 [label=\"Watched\", style=dashed];", refs);
        Assert.Contains("o1 -> o0 [label=\"Watched\", style=dashed];", backrefs);
        watcher.DecRef();
    }

    [Fact]
    public void AutoPropertiesAreShownByTheirPropertyName()
    {
        using var heap = new TestHeap();
        var holder = new PropertyHolder { Child = new Node() };

        string dot = new HeapInspector().ShowRefs(new[] { holder }).Source;

        Assert.Contains("o0 -> o1 [label=\"Child\"];", dot);
        holder.DecRef();
    }

    [Fact]
    public void DepthLimitsHowFarTheGraphGoes()
    {
        using var heap = new TestHeap();
        Node head = Chain(5);

        var inspector = new HeapInspector();

        Assert.Equal(3, NodeCount(inspector.ShowRefs(new[] { head }, maxDepth: 2)));
        Assert.Equal(1, NodeCount(inspector.ShowRefs(new[] { head }, maxDepth: 0)));
        Assert.Equal(5, NodeCount(inspector.ShowRefs(new[] { head }, maxDepth: 10)));
        head.DecRef();
    }

    [Fact]
    public void TooManyReferencesEndInAnNMoreNode()
    {
        using var heap = new TestHeap();
        var list = new RefList<Node>();
        for (int i = 0; i < 15; i++)
        {
            using var node = new Node();
            list.Add(node);
        }

        var inspector = new HeapInspector();
        string refs = inspector.ShowRefs(new[] { list }, tooMany: 10).Source;
        string backrefs = inspector.ShowBackrefs(new[] { list[0] }, tooMany: 10).Source;

        Assert.Equal(11, NodeCount(refs));
        Assert.Contains("o0 -> o10 [label=\"[9]\"];", refs);
        Assert.Contains("more0 [label=\"5 more references\", shape=plaintext, style=\"\"];", refs);
        Assert.Contains("o0 -> more0 [style=dotted];", refs);
        Assert.Contains("o1 -> o0 [label=\"[0]\"];", backrefs);
        Assert.DoesNotContain("more", backrefs);
        Assert.Contains("more0 [label=\"1 more reference\"", inspector.ShowRefs(new[] { list }, tooMany: 14).Source);
        list.DecRef();
    }

    [Fact]
    public void TooManyReferrersEndInAnNMoreNodePointingAtTheTarget()
    {
        using var heap = new TestHeap();
        using var shared = new Node("shared");
        var holders = Enumerable.Range(0, 12).Select(_ => new Node { Next = shared }).ToList();
        holders.ForEach(_ => shared.IncRef());

        string dot = new HeapInspector().ShowBackrefs(new[] { shared }, tooMany: 10).Source;

        Assert.Equal(11, NodeCount(dot));
        Assert.Contains("more0 [label=\"2 more referrers\", shape=plaintext, style=\"\"];", dot);
        Assert.Contains("more0 -> o0 [style=dotted];", dot);
        holders.ForEach(h => h.DecRef());
    }

    [Fact]
    public void ShowBackrefsDrawsWhoHoldsTheTargetUpToTheDepth()
    {
        using var heap = new TestHeap();
        var shared = new Node("shared");
        var first = new Node("first") { Next = shared };
        var second = new Node("second") { Next = shared };
        shared.IncRef();
        var top = new Node("top") { Next = first };

        var inspector = new HeapInspector();
        string near = inspector.ShowBackrefs(new[] { shared }, maxDepth: 1, label: o => ((Node)o).Name).Source;
        string far = inspector.ShowBackrefs(new[] { shared }, label: o => ((Node)o).Name).Source;

        Assert.Contains("o0 [label=\"Node\\nshared\\nrefcount 2, gen 0\", fillcolor=yellow];", near);
        Assert.Contains("o1 -> o0 [label=\"Next\"];", near);
        Assert.Contains("o2 -> o0 [label=\"Next\"];", near);
        Assert.DoesNotContain("top", near);
        Assert.Contains("top", far);
        Assert.Equal(4, NodeCount(far));
        top.DecRef();
        second.DecRef();
    }

    [Fact]
    public void ShowChainDrawsTheBackrefChainRootFirst()
    {
        using var heap = new TestHeap();
        var cache = new Cache { Entries = new RefList<Node>() };
        using (var entry = new Node("entry"))
        {
            cache.Entries.Add(entry);
        }

        var inspector = new HeapInspector();
        var chain = inspector.FindBackrefChain(cache.Entries[0]);
        string dot = inspector.ShowChain(chain).Source;

        Assert.Contains("o0 [label=\"Cache\\nrefcount 1, gen 0\"];", dot);
        Assert.Contains("o1 [label=\"RefList<Node>\\nrefcount 1, gen 0\"];", dot);
        Assert.Contains("o2 [label=\"Node\\nrefcount 1, gen 0\", fillcolor=yellow];", dot);
        Assert.Contains("o0 -> o1 [label=\"Entries\"];", dot);
        Assert.Contains("o1 -> o2 [label=\"[0]\"];", dot);
        Assert.Equal(2, Regex.Matches(dot, "->").Count);
        cache.DecRef();
    }

    [Fact]
    public void ShowChainRefusesAChainThatIsNotOne()
    {
        using var heap = new TestHeap();
        using var a = new Node("a");
        using var b = new Node("b");
        var inspector = new HeapInspector();

        var unlinked = Assert.Throws<ArgumentException>(() => inspector.ShowChain(new RefObject[] { a, b }));
        Assert.Equal("chain[0] (Node) holds no reference to chain[1] (Node). (Parameter 'chain')", unlinked.Message);
        Assert.Throws<ArgumentException>(() => inspector.ShowChain(Array.Empty<RefObject>()));
        Assert.Throws<ArgumentException>(() => inspector.ShowChain(new RefObject[] { a, null! }));
    }

    [Fact]
    public void BadGraphArgumentsAreRefused()
    {
        using var heap = new TestHeap();
        using var node = new Node();
        var inspector = new HeapInspector();

        Assert.Throws<ArgumentNullException>(() => inspector.ShowRefs(null!));
        Assert.Throws<ArgumentException>(() => inspector.ShowRefs(new RefObject[] { null! }));
        Assert.Throws<ArgumentOutOfRangeException>(() => inspector.ShowRefs(new[] { node }, maxDepth: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => inspector.ShowBackrefs(new[] { node }, tooMany: 0));
    }

    [Fact]
    public void AReleasedObjectIsDrawnGreyWithoutReferences()
    {
        using var heap = new TestHeap();
        var node = new Node("gone") { Next = new Node() };
        node.DecRef();

        string dot = new HeapInspector().ShowRefs(new[] { node }, label: _ => null).Source;

        Assert.Contains("o0 [label=\"Node\\nreleased\", fillcolor=yellow];", dot);
        Assert.DoesNotContain("->", dot);
    }

    private static int NodeCount(DotGraph graph) => NodeCount(graph.Source);

    private static int NodeCount(string dot) => Regex.Matches(dot, @"^  o\d+ \[", RegexOptions.Multiline).Count;

    private static Node Chain(int length)
    {
        var head = new Node("0");
        Node tail = head;
        for (int i = 1; i < length; i++)
        {
            var next = new Node(i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            tail.Next = next;
            tail = next;
        }

        return head;
    }

    private sealed class Named : Node
    {
        public Named(string name)
            : base(name)
        {
        }

        public override string ToString() => $"Named('{Name}')";
    }

    private sealed class Finalizable : RefObject
    {
        // A strong field, so the collector tracks the object and the label shows a generation.
        public Node? Next = null;

        protected override void OnFinalize()
        {
        }
    }

    private sealed class Pair : RefObject
    {
        public RefObject? First;
        public RefObject? Second;
        public RefObject? Third;
    }

    private sealed class PropertyHolder : RefObject
    {
        public Node? Child { get; set; }
    }
}

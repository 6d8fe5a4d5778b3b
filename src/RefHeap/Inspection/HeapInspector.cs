using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text;

namespace RefHeap;

/// <summary>
/// Leak-hunting tools in the manner of objgraph: what types fill the heap, what grew since last time, who holds an
/// object, and a Graphviz drawing of who holds what. They see the objects the collector tracks (like objgraph,
/// which reads <c>gc.get_objects()</c>) on one heap, and return borrowed references.
/// </summary>
/// <remarks>The usual hunt: <see cref="MostCommonTypes"/>, then <see cref="TakeSnapshot"/> before and after the
/// suspect operation and <see cref="HeapSnapshot.GrowthSince"/>, then <see cref="ByType"/> and
/// <see cref="FindBackrefChain"/> from one leaked object, drawn with <see cref="ToDot"/>.</remarks>
public sealed class HeapInspector
{
    private readonly Heap _heap;

    /// <summary>Inspects <paramref name="heap"/> (the calling thread's current heap when null).</summary>
    public HeapInspector(Heap? heap = null)
    {
        _heap = heap ?? Heap.Current;
        _heap.CheckThread("HeapInspector");
    }

    /// <summary><c>objgraph.typestats</c>: the number of tracked objects per type name.</summary>
    public IReadOnlyDictionary<string, int> TypeStats() =>
        Objects().GroupBy(o => o.GetType().Name).ToDictionary(g => g.Key, g => g.Count());

    /// <summary><c>objgraph.most_common_types</c>: the <paramref name="limit"/> most frequent types, most frequent first.</summary>
    public IReadOnlyList<(string Type, int Count)> MostCommonTypes(int limit = 10)
    {
        if (limit <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be positive");
        }

        return TypeStats().OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(limit).Select(kv => (kv.Key, kv.Value)).ToList();
    }

    /// <summary>Records the current per-type counts, to compare with a later snapshot (<c>objgraph.growth</c>, <c>tracemalloc</c> snapshots).</summary>
    public HeapSnapshot TakeSnapshot() => new(TypeStats(), _heap.LiveObjectCount);

    /// <summary><c>objgraph.by_type</c>: the tracked objects whose type name is <paramref name="typeName"/>.</summary>
    public IReadOnlyList<RefObject> ByType(string typeName) =>
        Objects().Where(o => o.GetType().Name == typeName).ToList();

    /// <summary>
    /// <c>objgraph.get_leaking_objects</c>: tracked objects that no tracked object refers to, yet are alive. They are
    /// held by code outside the heap (locals, statics) or leaked by an unbalanced IncRef.
    /// </summary>
    public IReadOnlyList<RefObject> GetLeakingObjects()
    {
        var referenced = new HashSet<RefObject>(ReferenceEqualityComparer.Instance);
        var collector = new EdgeCollector();
        foreach (RefObject obj in Objects())
        {
            collector.Edges.Clear();
            obj.Traverse(collector);
            referenced.UnionWith(collector.Edges);
        }

        return Objects().Where(o => !referenced.Contains(o)).ToList();
    }

    /// <summary>
    /// <c>objgraph.find_backref_chain</c>: the shortest chain of referrers from an object satisfying
    /// <paramref name="isRoot"/> down to <paramref name="target"/> (root first, target last), or an empty list if
    /// no such root holds it. Breadth-first over a referrer index built once, so it never recurses.
    /// </summary>
    public IReadOnlyList<RefObject> FindBackrefChain(RefObject target, Func<RefObject, bool> isRoot, int maxDepth = 20)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(isRoot);
        Dictionary<RefObject, List<RefObject>> referrers = ReferrerIndex();
        var parentOf = new Dictionary<RefObject, RefObject?>(ReferenceEqualityComparer.Instance) { [target] = null };
        var frontier = new Queue<(RefObject Node, int Depth)>();
        frontier.Enqueue((target, 0));
        while (frontier.Count > 0)
        {
            (RefObject node, int depth) = frontier.Dequeue();
            if (isRoot(node))
            {
                var chain = new List<RefObject>();
                for (RefObject? step = node; step is not null; step = parentOf[step])
                {
                    chain.Add(step);
                }

                return chain;
            }

            if (depth == maxDepth || !referrers.TryGetValue(node, out List<RefObject>? holders))
            {
                continue;
            }

            foreach (RefObject holder in holders)
            {
                if (parentOf.TryAdd(holder, node))
                {
                    frontier.Enqueue((holder, depth + 1));
                }
            }
        }

        return Array.Empty<RefObject>();
    }

    /// <summary>
    /// <c>objgraph.show_refs</c>: a Graphviz DOT graph of what <paramref name="roots"/> hold, breadth-first to
    /// <paramref name="maxDepth"/>, at most <paramref name="tooMany"/> references followed per object. Nodes show the
    /// type, the reference count and a finalizer marker; edges are labelled with the field (or container index).
    /// </summary>
    public string ToDot(IEnumerable<RefObject> roots, int maxDepth = 3, int tooMany = 10)
    {
        ArgumentNullException.ThrowIfNull(roots);
        var ids = new Dictionary<RefObject, int>(ReferenceEqualityComparer.Instance);
        var text = new StringBuilder("digraph ObjectGraph {\n  node[shape=box, style=filled, fillcolor=white];\n");
        var queue = new Queue<(RefObject Node, int Depth)>();
        foreach (RefObject root in roots)
        {
            if (ids.TryAdd(root, ids.Count))
            {
                queue.Enqueue((root, 0));
                AppendNode(text, root, ids[root], isRoot: true);
            }
        }

        while (queue.Count > 0)
        {
            (RefObject node, int depth) = queue.Dequeue();
            if (depth == maxDepth || !node.IsAlive)
            {
                continue;
            }

            foreach ((string label, RefObject referent) in LabelledReferents(node).Take(tooMany))
            {
                if (ids.TryAdd(referent, ids.Count))
                {
                    AppendNode(text, referent, ids[referent], isRoot: false);
                    queue.Enqueue((referent, depth + 1));
                }

                text.Append(CultureInfo.InvariantCulture, $"  o{ids[node]} -> o{ids[referent]} [label=\"{Escape(label)}\"];\n");
            }
        }

        return text.Append("}\n").ToString();
    }

    private IEnumerable<RefObject> Objects() => _heap.Collector.GetObjects(null);

    private Dictionary<RefObject, List<RefObject>> ReferrerIndex()
    {
        var index = new Dictionary<RefObject, List<RefObject>>(ReferenceEqualityComparer.Instance);
        var collector = new EdgeCollector();
        foreach (RefObject obj in Objects())
        {
            collector.Edges.Clear();
            obj.Traverse(collector);
            foreach (RefObject referent in collector.Edges)
            {
                if (!index.TryGetValue(referent, out List<RefObject>? holders))
                {
                    index[referent] = holders = new List<RefObject>();
                }

                holders.Add(obj);
            }
        }

        return index;
    }

    // Field names for objects traversed through their layout; positions for containers that traverse themselves.
    private IEnumerable<(string Label, RefObject Referent)> LabelledReferents(RefObject obj)
    {
        TypeLayout layout = _heap.LayoutOf(obj);
        if (!layout.HasCustomTraverse)
        {
            foreach (FieldInfo field in layout.StrongFields)
            {
                if (field.GetValue(obj) is RefObject referent)
                {
                    yield return (field.Name, referent);
                }
            }

            yield break;
        }

        var collector = new EdgeCollector();
        obj.Traverse(collector);
        for (int i = 0; i < collector.Edges.Count; i++)
        {
            yield return ($"[{i}]", collector.Edges[i]);
        }
    }

    private static void AppendNode(StringBuilder text, RefObject obj, int id, bool isRoot)
    {
        string finalizer = (obj._flags & ObjectFlags.HasFinalizer) != 0 ? "\\nhas OnFinalize" : string.Empty;
        string count = obj.IsImmortal ? "immortal" : obj.IsAlive ? $"refcount {obj.RefCount}" : "released";
        string fill = isRoot ? ", fillcolor=yellow" : string.Empty;
        text.Append(CultureInfo.InvariantCulture, $"  o{id} [label=\"{Escape(obj.GetType().Name)}\\n{count}{finalizer}\"{fill}];\n");
    }

    private static string Escape(string text) => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private sealed class EdgeCollector : ReferenceVisitor
    {
        public List<RefObject> Edges { get; } = new();

        public override void Visit(RefObject? referent)
        {
            if (referent is not null)
            {
                Edges.Add(referent);
            }
        }
    }
}

/// <summary>Per-type counts of a heap at one moment (see <see cref="HeapInspector.TakeSnapshot"/>).</summary>
public sealed class HeapSnapshot
{
    internal HeapSnapshot(IReadOnlyDictionary<string, int> counts, long liveObjects)
    {
        Counts = counts;
        LiveObjects = liveObjects;
    }

    /// <summary>Tracked objects per type name.</summary>
    public IReadOnlyDictionary<string, int> Counts { get; }

    /// <summary>All live objects of the heap, tracked or not.</summary>
    public long LiveObjects { get; }

    /// <summary><c>objgraph.growth</c>: the types whose count grew since <paramref name="earlier"/>, largest growth first.</summary>
    public IReadOnlyList<(string Type, int Count, int Delta)> GrowthSince(HeapSnapshot earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        return Counts
            .Select(kv => (Type: kv.Key, Count: kv.Value, Delta: kv.Value - earlier.Counts.GetValueOrDefault(kv.Key)))
            .Where(g => g.Delta > 0)
            .OrderByDescending(g => g.Delta).ThenBy(g => g.Type, StringComparer.Ordinal)
            .ToList();
    }
}

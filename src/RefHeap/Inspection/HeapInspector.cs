using System;
using System.Collections.Generic;
using System.Linq;

namespace RefHeap;

/// <summary>
/// Leak-hunting tools in the manner of objgraph and tracemalloc: what types fill the heap, what grew since last time
/// and where it was allocated, who holds an object, and Graphviz drawings of who holds what. They see the objects
/// the collector tracks (like objgraph, which reads <c>gc.get_objects()</c>) on one heap; while allocation tracing
/// is on, snapshots also count every object allocated since. They return borrowed references.
/// </summary>
/// <remarks>The usual hunt (docs/inspection.md): <see cref="TakeSnapshot"/> before and after the suspect operation
/// and <see cref="HeapSnapshot.CompareTo"/> (what grew, and where it was allocated), then <see cref="ByType(string)"/>
/// and <see cref="FindBackrefChain"/> from one leaked object, drawn with <see cref="ShowChain"/> or
/// <see cref="ShowBackrefs"/>.</remarks>
public sealed class HeapInspector
{
    private readonly Heap _heap;

    /// <summary>Inspects <paramref name="heap"/> (the calling thread's current heap when null).</summary>
    /// <exception cref="HeapThreadException">The heap belongs to another thread.</exception>
    public HeapInspector(Heap? heap = null)
    {
        _heap = heap ?? Heap.Current;
        _heap.CheckThread("HeapInspector");
    }

    /// <summary><c>objgraph.typestats</c>: the number of tracked objects per readable type name (<see cref="TypeNames"/>).</summary>
    public IReadOnlyDictionary<string, int> TypeStats() =>
        Objects().GroupBy(o => TypeNames.Of(o.GetType())).ToDictionary(g => g.Key, g => g.Count());

    /// <summary><c>objgraph.most_common_types</c>: the <paramref name="limit"/> most frequent types, most frequent first.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    public IReadOnlyList<(string Type, int Count)> MostCommonTypes(int limit = 10)
    {
        if (limit <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be positive");
        }

        return TypeStats().OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(limit).Select(kv => (kv.Key, kv.Value)).ToList();
    }

    /// <summary><c>objgraph.by_type</c>: the tracked objects whose readable type name is <paramref name="typeName"/> (<c>"RefList&lt;Node&gt;"</c>).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="typeName"/> is null.</exception>
    public IReadOnlyList<RefObject> ByType(string typeName)
    {
        ArgumentNullException.ThrowIfNull(typeName);
        return Objects().Where(o => TypeNames.Of(o.GetType()) == typeName).ToList();
    }

    /// <summary>The tracked objects of exactly type <paramref name="type"/> (not of derived types).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="type"/> is null.</exception>
    public IReadOnlyList<RefObject> ByType(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Objects().Where(o => o.GetType() == type).ToList();
    }

    /// <summary>
    /// <c>objgraph.get_leaking_objects</c>: tracked objects that no tracked object refers to, yet are alive. They are
    /// held by code outside the heap (locals, statics) or leaked by an unbalanced IncRef.
    /// </summary>
    public IReadOnlyList<RefObject> GetLeakingObjects()
    {
        Dictionary<RefObject, List<ObjectReference>> referrers = ReferrerIndex();
        return Objects().Where(o => !HasStrongReferrer(referrers, o)).ToList();
    }

    /// <summary>
    /// <c>objgraph.find_backref_chain</c>: the shortest chain of strong references from an object satisfying
    /// <paramref name="isRoot"/> down to <paramref name="target"/> (root first, target last), or an empty list if no
    /// such root holds it within <paramref name="maxDepth"/> steps. The default root is an object no tracked object
    /// refers to (see <see cref="GetLeakingObjects"/>): the chain then starts where code outside the heap holds on.
    /// Breadth-first over a referrer index built once, so it never recurses.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="target"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDepth"/> is negative.</exception>
    public IReadOnlyList<RefObject> FindBackrefChain(RefObject target, Func<RefObject, bool>? isRoot = null, int maxDepth = 20)
    {
        ArgumentNullException.ThrowIfNull(target);
        CheckDepth(maxDepth);
        Dictionary<RefObject, List<ObjectReference>> referrers = ReferrerIndex();
        isRoot ??= o => !HasStrongReferrer(referrers, o);
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

            if (depth == maxDepth || !referrers.TryGetValue(node, out List<ObjectReference>? holders))
            {
                continue;
            }

            foreach (ObjectReference reference in holders)
            {
                if (!reference.IsWeak && parentOf.TryAdd(reference.Holder, node))
                {
                    frontier.Enqueue((reference.Holder, depth + 1));
                }
            }
        }

        return Array.Empty<RefObject>();
    }

    /// <summary>
    /// <c>objgraph.show_refs</c>: a graph of what <paramref name="roots"/> hold, breadth-first to
    /// <paramref name="maxDepth"/> references away, with at most <paramref name="tooMany"/> references drawn per
    /// object and an "N more references" node for the rest. Edges carry the field name (or a container's position);
    /// weak references are dashed. Node labels come from <paramref name="label"/> when it returns text, else from
    /// the type's <c>ToString</c> override; each node also shows its type, reference count, generation and finalizer.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="roots"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="roots"/> contains null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDepth"/> is negative or <paramref name="tooMany"/> not positive.</exception>
    public DotGraph ShowRefs(IEnumerable<RefObject> roots, int maxDepth = 3, int tooMany = 10, Func<RefObject, string?>? label = null) =>
        Explore(roots, maxDepth, tooMany, label, backwards: false, node => ObjectGraphWriter.ReferencesFrom(node).ToList());

    /// <summary>
    /// <c>objgraph.show_backrefs</c>: a graph of who holds <paramref name="targets"/>, breadth-first through the
    /// referrers (tracked objects, weak referrers dashed); otherwise as <see cref="ShowRefs"/>.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="targets"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="targets"/> contains null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxDepth"/> is negative or <paramref name="tooMany"/> not positive.</exception>
    public DotGraph ShowBackrefs(IEnumerable<RefObject> targets, int maxDepth = 3, int tooMany = 10, Func<RefObject, string?>? label = null)
    {
        Dictionary<RefObject, List<ObjectReference>> referrers = ReferrerIndex();
        return Explore(targets, maxDepth, tooMany, label, backwards: true,
            node => referrers.TryGetValue(node, out List<ObjectReference>? holders) ? holders : Array.Empty<ObjectReference>());
    }

    /// <summary>
    /// <c>objgraph.show_chain</c>: draws a chain such as <see cref="FindBackrefChain"/> returns, each object with an
    /// edge (labelled with the field) to the next; the last object, the one hunted, is highlighted.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="chain"/> is null.</exception>
    /// <exception cref="ArgumentException">The chain is empty, contains null, or an object does not refer to the next.</exception>
    public DotGraph ShowChain(IReadOnlyList<RefObject> chain, Func<RefObject, string?>? label = null)
    {
        ArgumentNullException.ThrowIfNull(chain);
        if (chain.Count == 0)
        {
            throw new ArgumentException("The chain is empty (FindBackrefChain returns an empty chain when no root holds the object).", nameof(chain));
        }

        var writer = new ObjectGraphWriter(_heap, Generations(), label);
        for (int i = 0; i < chain.Count; i++)
        {
            RefObject obj = chain[i] ?? throw new ArgumentException($"chain[{i}] is null.", nameof(chain));
            writer.AddNode(obj, highlighted: i == chain.Count - 1);
            if (i == 0)
            {
                continue;
            }

            List<ObjectReference> links = ObjectGraphWriter.ReferencesFrom(chain[i - 1]).Where(r => ReferenceEquals(r.Target, obj)).ToList();
            if (links.Count == 0)
            {
                throw new ArgumentException($"chain[{i - 1}] ({TypeNames.Of(chain[i - 1].GetType())}) holds no reference to chain[{i}] ({TypeNames.Of(obj.GetType())}).", nameof(chain));
            }

            links.ForEach(writer.AddEdge);
        }

        return writer.Finish();
    }

    /// <summary>
    /// <c>tracemalloc.start()</c>: from now on every object allocated on the heap records the source line of its
    /// <c>new</c>, from a stack trace (microseconds per allocation; nothing at all while tracing is off).
    /// Calling it while tracing changes nothing.
    /// </summary>
    public void StartTracing() => _heap.AllocationTracer ??= new AllocationTracer();

    /// <summary><c>tracemalloc.stop()</c>: stops recording and forgets the sites recorded so far.</summary>
    public void StopTracing() => _heap.AllocationTracer = null;

    /// <summary><c>tracemalloc.is_tracing()</c>.</summary>
    public bool IsTracing => _heap.AllocationTracer is not null;

    /// <summary><c>tracemalloc.get_object_traceback</c>: where <paramref name="obj"/> was allocated, or null if it was allocated while tracing was off.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="obj"/> is null.</exception>
    public AllocationSite? GetAllocationSite(RefObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return _heap.AllocationTracer?.SiteOf(obj);
    }

    /// <summary>
    /// Records the live objects (count and size) per type and, while tracing, per allocation site: <c>tracemalloc.take_snapshot()</c>
    /// and the counts behind <c>objgraph.growth</c>. It counts the tracked objects, plus, while tracing, the objects
    /// allocated since tracing started that the collector does not track.
    /// </summary>
    public HeapSnapshot TakeSnapshot()
    {
        AllocationTracer? tracer = _heap.AllocationTracer;
        IEnumerable<RefObject> seen = tracer is null ? Objects() : Objects().Concat(tracer.LiveObjects(_heap));
        var counted = new HashSet<RefObject>(ReferenceEqualityComparer.Instance);
        var groups = new Dictionary<(string Type, AllocationSite? Site), HeapStatistic>();
        foreach (RefObject obj in seen)
        {
            if (counted.Add(obj))
            {
                var key = (TypeNames.Of(obj.GetType()), tracer?.SiteOf(obj));
                HeapStatistic group = groups.GetValueOrDefault(key);
                groups[key] = new HeapStatistic(key.Item1, group.Count + 1, group.Size + TypeLayout.Of(obj.GetType()).ObjectSize);
            }
        }

        return new HeapSnapshot(groups, _heap.LiveObjectCount, traced: tracer is not null);
    }

    private IEnumerable<RefObject> Objects() => _heap.Collector.GetObjects(null);

    private DotGraph Explore(IEnumerable<RefObject> start, int maxDepth, int tooMany, Func<RefObject, string?>? label, bool backwards,
        Func<RefObject, IReadOnlyList<ObjectReference>> referencesOf)
    {
        ArgumentNullException.ThrowIfNull(start);
        CheckDepth(maxDepth);
        if (tooMany <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(tooMany), tooMany, "tooMany must be positive");
        }

        var writer = new ObjectGraphWriter(_heap, Generations(), label);
        var queue = new Queue<(RefObject Node, int Depth)>();
        foreach (RefObject obj in start)
        {
            if (obj is null)
            {
                throw new ArgumentException("The objects to draw contain null.", backwards ? "targets" : "roots");
            }

            if (writer.AddNode(obj, highlighted: true))
            {
                queue.Enqueue((obj, 0));
            }
        }

        while (queue.Count > 0)
        {
            (RefObject node, int depth) = queue.Dequeue();
            if (depth == maxDepth)
            {
                continue;
            }

            IReadOnlyList<ObjectReference> references = referencesOf(node);
            foreach (ObjectReference reference in references.Take(tooMany))
            {
                RefObject next = backwards ? reference.Holder : reference.Target;
                if (writer.AddNode(next, highlighted: false))
                {
                    queue.Enqueue((next, depth + 1));
                }

                writer.AddEdge(reference);
            }

            if (references.Count > tooMany)
            {
                writer.AddMore(node, references.Count - tooMany, referrers: backwards);
            }
        }

        return writer.Finish();
    }

    // Each tracked object's generation (CycleCollector keeps one list per generation, not a number per object).
    private Dictionary<RefObject, int> Generations()
    {
        var generations = new Dictionary<RefObject, int>(ReferenceEqualityComparer.Instance);
        for (int g = 0; g < Gc.GenerationCount; g++)
        {
            foreach (RefObject obj in _heap.Collector.GetObjects(g))
            {
                generations[obj] = g;
            }
        }

        return generations;
    }

    // Who refers to each object: every reference held by a tracked object, strong or weak.
    private Dictionary<RefObject, List<ObjectReference>> ReferrerIndex()
    {
        var index = new Dictionary<RefObject, List<ObjectReference>>(ReferenceEqualityComparer.Instance);
        foreach (RefObject holder in Objects())
        {
            foreach (ObjectReference reference in ObjectGraphWriter.ReferencesFrom(holder))
            {
                if (!index.TryGetValue(reference.Target, out List<ObjectReference>? references))
                {
                    index[reference.Target] = references = new List<ObjectReference>();
                }

                references.Add(reference);
            }
        }

        return index;
    }

    private static bool HasStrongReferrer(Dictionary<RefObject, List<ObjectReference>> referrers, RefObject obj) =>
        referrers.TryGetValue(obj, out List<ObjectReference>? references) && references.Exists(r => !r.IsWeak);

    private static void CheckDepth(int maxDepth)
    {
        if (maxDepth < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxDepth), maxDepth, "maxDepth must not be negative");
        }
    }
}

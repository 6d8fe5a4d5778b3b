using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace RefSafety.Analyzers.Cycles;

/// <summary>
/// What the method knows at one program point: which objects each local, parameter and flow capture may name,
/// and which strong edges may exist among them. A may-analysis: joins take unions.
/// </summary>
/// <remarks>
/// The collections are immutable and shared between states, so copying a state for the next block costs nothing and
/// a join only touches what differs: a long method (thousands of locals) stays linear rather than quadratic.
/// </remarks>
internal sealed class StoreFlowState
{
    private StoreFlowState(ImmutableDictionary<object, ImmutableHashSet<AbstractObject>> values, ImmutableHashSet<HeapEdge> edges, ImmutableHashSet<AbstractObject> allocated)
    {
        Values = values;
        Edges = edges;
        Allocated = allocated;
    }

    /// <summary>Keys are locals, parameters (ISymbol) and CaptureIds.</summary>
    public ImmutableDictionary<object, ImmutableHashSet<AbstractObject>> Values { get; private set; }

    public ImmutableHashSet<HeapEdge> Edges { get; private set; }

    /// <summary>The most recent objects of the allocation sites some path to here has passed (none else can be named).</summary>
    private ImmutableHashSet<AbstractObject> Allocated { get; set; }

    public static StoreFlowState Empty() => new(ImmutableDictionary<object, ImmutableHashSet<AbstractObject>>.Empty, ImmutableHashSet<HeapEdge>.Empty, ImmutableHashSet<AbstractObject>.Empty);

    public StoreFlowState Clone() => new(Values, Edges, Allocated);

    public void Set(object key, ImmutableHashSet<AbstractObject> objects) => Values = Values.SetItem(key, objects);

    public void AddEdges(IEnumerable<HeapEdge> edges) => Edges = Edges.Union(edges);

    /// <summary>Drops locals and captures whose scope a branch leaves: nothing can name them again, and what they named stays in the edges.</summary>
    public void Forget(IEnumerable<object> keys) => Values = Values.RemoveRange(keys);

    /// <summary>The union of both states (a key missing on one side keeps the other side's objects); <paramref name="grew"/> tells whether it differs from <paramref name="left"/>.</summary>
    public static StoreFlowState Join(StoreFlowState left, StoreFlowState right, out bool grew)
    {
        ImmutableDictionary<object, ImmutableHashSet<AbstractObject>> values = left.Values;
        if (!ReferenceEquals(values, right.Values))
        {
            foreach (KeyValuePair<object, ImmutableHashSet<AbstractObject>> entry in right.Values)
            {
                if (!values.TryGetValue(entry.Key, out ImmutableHashSet<AbstractObject>? mine))
                {
                    values = values.SetItem(entry.Key, entry.Value);
                }
                else if (!ReferenceEquals(mine, entry.Value) && !mine.IsSupersetOf(entry.Value))
                {
                    values = values.SetItem(entry.Key, mine.Union(entry.Value));
                }
            }
        }

        ImmutableHashSet<HeapEdge> edges = Unite(left.Edges, right.Edges);
        ImmutableHashSet<AbstractObject> allocated = Unite(left.Allocated, right.Allocated);
        grew = !ReferenceEquals(values, left.Values) || edges.Count != left.Edges.Count || allocated.Count != left.Allocated.Count;
        return grew ? new StoreFlowState(values, edges, allocated) : left;
    }

    // Most joins meet the very same set on both sides (a loop that changed nothing): then there is nothing to walk.
    private static ImmutableHashSet<T> Unite<T>(ImmutableHashSet<T> left, ImmutableHashSet<T> right) =>
        ReferenceEquals(left, right) || right.IsEmpty ? left : left.Union(right);

    /// <summary>A new object of <paramref name="fresh"/>'s site: the previous most recent one becomes part of the summary.</summary>
    public void Allocate(AbstractObject fresh)
    {
        if (!Allocated.Contains(fresh))
        {
            // The site's first object on every path here: nothing can name an older one yet.
            Allocated = Allocated.Add(fresh);
            return;
        }

        AbstractObject summary = fresh.ToSummary();
        foreach (KeyValuePair<object, ImmutableHashSet<AbstractObject>> entry in Values)
        {
            if (entry.Value.Contains(fresh))
            {
                Values = Values.SetItem(entry.Key, entry.Value.Remove(fresh).Add(summary));
            }
        }

        List<HeapEdge> touched = Edges.Where(e => e.Source.Equals(fresh) || e.Target.Equals(fresh)).ToList();
        if (touched.Count > 0)
        {
            Edges = Edges.Except(touched).Union(touched.Select(edge =>
                new HeapEdge(edge.Source.Equals(fresh) ? summary : edge.Source, edge.Field, edge.Target.Equals(fresh) ? summary : edge.Target, edge.Store)));
        }
    }

    /// <summary>
    /// Stores <paramref name="targets"/> into <paramref name="field"/> of <paramref name="sources"/>. Overwrites (kills
    /// the field's old edges) only when it is certain which single object is written: one source, not a summary,
    /// and not a container slot (adding to a container keeps what it held).
    /// </summary>
    public void Store(ImmutableHashSet<AbstractObject> sources, string field, ImmutableHashSet<AbstractObject> targets, Microsoft.CodeAnalysis.IOperation? store, bool overwrite)
    {
        if (overwrite && sources.Count == 1 && !sources.First().IsSummary)
        {
            AbstractObject source = sources.First();
            Edges = Edges.Except(Edges.Where(e => e.Source.Equals(source) && e.Field == field));
        }

        Edges = Edges.Union(sources.SelectMany(source => targets.Select(target => new HeapEdge(source, field, target, store))));
    }

    /// <summary>
    /// Removes the edges of container slot <paramref name="slot"/> (every slot when null: a Clear) from
    /// <paramref name="sources"/> to <paramref name="targets"/> (to anything when null), when it is certain which
    /// single object loses them.
    /// </summary>
    public void Remove(ImmutableHashSet<AbstractObject> sources, string? slot, ImmutableHashSet<AbstractObject>? targets)
    {
        if (sources.Count == 1 && !sources.First().IsSummary && (targets is null || targets.Count == 1))
        {
            Edges = Edges.Except(Edges.Where(e => sources.Contains(e.Source) && (slot is null ? e.IsSlot : e.Field == slot) && (targets is null || targets.Contains(e.Target))));
        }
    }
}

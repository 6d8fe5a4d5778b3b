using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace RefSafety.Analyzers.Cycles;

/// <summary>
/// What the method knows at one program point: which objects each local, parameter and flow capture may name,
/// and which strong edges may exist among them. A may-analysis: joins take unions.
/// </summary>
internal sealed class StoreFlowState
{
    private StoreFlowState(Dictionary<object, ImmutableHashSet<AbstractObject>> values, HashSet<HeapEdge> edges)
    {
        Values = values;
        Edges = edges;
    }

    /// <summary>Keys are locals, parameters (ISymbol) and CaptureIds.</summary>
    public Dictionary<object, ImmutableHashSet<AbstractObject>> Values { get; }

    public HashSet<HeapEdge> Edges { get; }

    public static StoreFlowState Empty() => new(new Dictionary<object, ImmutableHashSet<AbstractObject>>(), new HashSet<HeapEdge>());

    public StoreFlowState Clone() => new(new Dictionary<object, ImmutableHashSet<AbstractObject>>(Values), new HashSet<HeapEdge>(Edges));

    /// <summary>The union of both states; a key missing on one side keeps the other side's objects.</summary>
    public static StoreFlowState Join(StoreFlowState left, StoreFlowState right)
    {
        StoreFlowState joined = left.Clone();
        foreach (KeyValuePair<object, ImmutableHashSet<AbstractObject>> entry in right.Values)
        {
            joined.Values[entry.Key] = joined.Values.TryGetValue(entry.Key, out ImmutableHashSet<AbstractObject>? mine) ? mine.Union(entry.Value) : entry.Value;
        }

        joined.Edges.UnionWith(right.Edges);
        return joined;
    }

    public bool SameAs(StoreFlowState other) =>
        Edges.SetEquals(other.Edges) &&
        Values.Count == other.Values.Count &&
        Values.All(entry => other.Values.TryGetValue(entry.Key, out ImmutableHashSet<AbstractObject>? theirs) && theirs.SetEquals(entry.Value));

    /// <summary>A new object of <paramref name="fresh"/>'s site: the previous most recent one becomes part of the summary.</summary>
    public void Allocate(AbstractObject fresh)
    {
        AbstractObject summary = fresh.ToSummary();
        foreach (object key in Values.Keys.ToList())
        {
            ImmutableHashSet<AbstractObject> objects = Values[key];
            if (objects.Contains(fresh))
            {
                Values[key] = objects.Remove(fresh).Add(summary);
            }
        }

        List<HeapEdge> touched = Edges.Where(e => e.Source.Equals(fresh) || e.Target.Equals(fresh)).ToList();
        foreach (HeapEdge edge in touched)
        {
            Edges.Remove(edge);
            Edges.Add(new HeapEdge(edge.Source.Equals(fresh) ? summary : edge.Source, edge.Field, edge.Target.Equals(fresh) ? summary : edge.Target, edge.Store));
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
            Edges.RemoveWhere(e => e.Source.Equals(source) && e.Field == field);
        }

        foreach (AbstractObject source in sources)
        {
            foreach (AbstractObject target in targets)
            {
                Edges.Add(new HeapEdge(source, field, target, store));
            }
        }
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
            Edges.RemoveWhere(e => sources.Contains(e.Source) && (slot is null ? e.IsSlot : e.Field == slot) && (targets is null || targets.Contains(e.Target)));
        }
    }
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace RefSafety.Analyzers.Cycles;

/// <summary>
/// What one path (or a group of paths that made the same stores) knows at a program point: which objects each local,
/// parameter and flow capture may name, and which strong edges may exist among them. The values are a may-analysis;
/// the edges are the path's own (<see cref="StorePaths"/> keeps paths with different stores apart), except in a state
/// that had to fold different paths together, where <see cref="Uncertain"/> marks the edges not on all of them.
/// </summary>
/// <remarks>
/// The collections are immutable and shared between states, so copying a state for the next block costs nothing and
/// a join only touches what differs: a long method (thousands of locals) stays linear rather than quadratic.
/// Invariant: <see cref="Uncertain"/> is a subset of <see cref="Edges"/>.
/// </remarks>
internal sealed class StoreFlowState
{
    private StoreFlowState(
        ImmutableDictionary<object, ImmutableHashSet<AbstractObject>> values,
        ImmutableHashSet<HeapEdge> edges,
        ImmutableHashSet<HeapEdge> uncertain,
        ImmutableHashSet<AbstractObject> allocated)
    {
        Values = values;
        Edges = edges;
        Uncertain = uncertain;
        Allocated = allocated;
    }

    /// <summary>Keys are locals, parameters (ISymbol) and CaptureIds.</summary>
    public ImmutableDictionary<object, ImmutableHashSet<AbstractObject>> Values { get; private set; }

    public ImmutableHashSet<HeapEdge> Edges { get; private set; }

    /// <summary>
    /// Edges that some of the paths folded into this state had and others did not: a cycle through one of them may
    /// exist on no path, so none is reported (precision first: a missed cycle costs less than a false one).
    /// </summary>
    public ImmutableHashSet<HeapEdge> Uncertain { get; private set; }

    /// <summary>The most recent objects of the allocation sites some path to here has passed (none else can be named).</summary>
    private ImmutableHashSet<AbstractObject> Allocated { get; set; }

    public static StoreFlowState Empty() =>
        new(ImmutableDictionary<object, ImmutableHashSet<AbstractObject>>.Empty, ImmutableHashSet<HeapEdge>.Empty, ImmutableHashSet<HeapEdge>.Empty, ImmutableHashSet<AbstractObject>.Empty);

    public StoreFlowState Clone() => new(Values, Edges, Uncertain, Allocated) { _valuesBase = _valuesBase, _changedKeys = _changedKeys };

    public void Set(object key, ImmutableHashSet<AbstractObject> objects)
    {
        Values = Values.SetItem(key, objects);
        Changed(key);
    }

    // Values differs from _valuesBase only under _changedKeys: two states that share their base are joined by looking at
    // the keys either changed, not at every variable of the method (thousands in a long one). Rebased every
    // MaxChangedKeys changes, so the list stays short.
    private const int MaxChangedKeys = 64;
    private ImmutableDictionary<object, ImmutableHashSet<AbstractObject>>? _valuesBase;
    private ImmutableHashSet<object> _changedKeys = ImmutableHashSet<object>.Empty;

    private void Changed(object key)
    {
        if (_valuesBase is null || _changedKeys.Count >= MaxChangedKeys)
        {
            (_valuesBase, _changedKeys) = (Values, ImmutableHashSet<object>.Empty);
        }
        else
        {
            _changedKeys = _changedKeys.Add(key);
        }
    }

    public void AddEdges(IEnumerable<HeapEdge> edges) => Edges = Edges.Union(edges);

    /// <summary>Drops locals and captures whose scope a branch leaves: nothing can name them again, and what they named stays in the edges.</summary>
    public void Forget(IEnumerable<object> keys)
    {
        foreach (object key in keys)
        {
            if (Values.ContainsKey(key))
            {
                Values = Values.Remove(key);
                Changed(key);
            }
        }
    }

    /// <summary>
    /// True when both states stand for paths that made the same stores of objects it tracks, with the same doubts:
    /// then they are one variant of <see cref="StorePaths"/>. Edges the method only read (no store) do not count (a
    /// path that has not read a field yet holds the same edge implicitly), nor do stores of untracked values (null, a
    /// call's result), which close no cycle: what they cleared is told by the edges that are gone.
    /// </summary>
    public bool SameStores(StoreFlowState other) =>
        (ReferenceEquals(Edges, other.Edges) || (Linking(Edges).All(other.Edges.Contains) && Linking(other.Edges).All(Edges.Contains))) &&
        (ReferenceEquals(Uncertain, other.Uncertain) || Uncertain.SetEquals(other.Uncertain));

    private static IEnumerable<HeapEdge> Linking(IEnumerable<HeapEdge> edges) =>
        edges.Where(e => e.Store is not null && e.Target.Kind != AbstractObject.ObjectKind.Untracked);

    /// <summary>
    /// Unites a state with the same stores (<see cref="SameStores"/>) into this one: values, allocations and read
    /// edges by union. True when this state grew.
    /// </summary>
    public bool UniteWith(StoreFlowState other)
    {
        ImmutableDictionary<object, ImmutableHashSet<AbstractObject>> values = Values;
        if (!ReferenceEquals(values, other.Values))
        {
            if (_valuesBase is not null && ReferenceEquals(_valuesBase, other._valuesBase))
            {
                // Elsewhere both hold the base's values: only the keys either side changed can differ.
                foreach (object key in _changedKeys.Union(other._changedKeys))
                {
                    if (other.Values.TryGetValue(key, out ImmutableHashSet<AbstractObject>? theirs))
                    {
                        values = Joined(values, key, theirs);
                    }
                }
            }
            else
            {
                foreach (KeyValuePair<object, ImmutableHashSet<AbstractObject>> entry in other.Values)
                {
                    values = Joined(values, entry.Key, entry.Value);
                }
            }

            if (!ReferenceEquals(values, Values))
            {
                // Rebase rather than track which keys the join changed: it is as cheap, and joins come in bursts.
                (_valuesBase, _changedKeys) = (values, ImmutableHashSet<object>.Empty);
            }
        }

        ImmutableHashSet<HeapEdge> edges = Unite(Edges, other.Edges);
        ImmutableHashSet<AbstractObject> allocated = Unite(Allocated, other.Allocated);
        ImmutableHashSet<HeapEdge> uncertain = Uncertain;
        if (!ReferenceEquals(edges, Edges))
        {
            (edges, uncertain) = Capped(edges, uncertain);
        }

        bool grew = !ReferenceEquals(values, Values) || Changed(Edges, edges) || allocated.Count != Allocated.Count;
        (Values, Edges, Uncertain, Allocated) = (values, edges, uncertain, allocated);
        return grew;
    }

    private static ImmutableDictionary<object, ImmutableHashSet<AbstractObject>> Joined(
        ImmutableDictionary<object, ImmutableHashSet<AbstractObject>> values, object key, ImmutableHashSet<AbstractObject> theirs)
    {
        if (!values.TryGetValue(key, out ImmutableHashSet<AbstractObject>? mine))
        {
            return values.SetItem(key, theirs);
        }

        return ReferenceEquals(mine, theirs) || mine.IsSupersetOf(theirs) ? values : values.SetItem(key, mine.Union(theirs));
    }

    /// <summary>The most edges kept that differ only in the store that made them (one field of one object to one object).</summary>
    public const int MaxStoresPerEdge = 4;

    // Below this many edges a state is not worth grouping: it cannot hold many versions of anything that matters.
    private const int CapThreshold = 32;

    /// <summary>
    /// Keeps at most <see cref="MaxStoresPerEdge"/> edges per source, field and target, certain ones first, then the
    /// latest stores: paths that made one link by many different stores (a store in each of many loops that may run
    /// zero times) would otherwise carry every one of them, and each block would cost as much as the method has
    /// stores. An edge dropped has a kept twin that links the same objects, so no cycle appears that did not
    /// exist; only other reports of the same cycle through older stores are lost.
    /// </summary>
    private static (ImmutableHashSet<HeapEdge> Edges, ImmutableHashSet<HeapEdge> Uncertain) Capped(ImmutableHashSet<HeapEdge> edges, ImmutableHashSet<HeapEdge> uncertain)
    {
        if (edges.Count <= CapThreshold)
        {
            return (edges, uncertain);
        }

        List<HeapEdge>? dropped = null;
        foreach (IGrouping<(AbstractObject, string, AbstractObject), HeapEdge> twins in edges.Where(e => e.Store is not null).GroupBy(e => (e.Source, e.Field, e.Target)))
        {
            List<HeapEdge> all = twins.ToList();
            if (all.Count > MaxStoresPerEdge)
            {
                (dropped ??= new List<HeapEdge>()).AddRange(all
                    .OrderBy(e => uncertain.Contains(e) ? 1 : 0)
                    .ThenByDescending(e => e.Store!.Syntax.SpanStart)
                    .Skip(MaxStoresPerEdge));
            }
        }

        return dropped is null ? (edges, uncertain) : (edges.Except(dropped), uncertain.IsEmpty ? uncertain : uncertain.Except(dropped));
    }

    private static bool Changed(ImmutableHashSet<HeapEdge> before, ImmutableHashSet<HeapEdge> after) =>
        !ReferenceEquals(before, after) && (before.Count != after.Count || !before.SetEquals(after));

    /// <summary>
    /// Folds a path with other stores into this state: the union of both, where every edge not on both sides becomes
    /// <see cref="Uncertain"/>. True when this state grew.
    /// </summary>
    public bool FoldIn(StoreFlowState other)
    {
        ImmutableHashSet<HeapEdge> uncertain = ReferenceEquals(Edges, other.Edges) ? Unite(Uncertain, other.Uncertain) : Unite(Uncertain, other.Uncertain).Union(Edges.SymmetricExcept(other.Edges));
        ImmutableHashSet<HeapEdge> before = Uncertain;
        Uncertain = uncertain;
        bool grew = UniteWith(other); // caps the edges, and the doubts with them
        return grew || Changed(before, Uncertain);
    }

    /// <summary>
    /// This path's state after a finally that ended in <paramref name="finallyExit"/>: the finally's edges where
    /// <paramref name="touched"/> (what the finally may have written or removed) and its values for the
    /// <paramref name="variables"/> it names; this path's own everywhere else.
    /// </summary>
    public StoreFlowState AfterFinally(StoreFlowState finallyExit, Func<HeapEdge, bool> touched, IEnumerable<object> variables)
    {
        ImmutableDictionary<object, ImmutableHashSet<AbstractObject>> values = Values;
        foreach (object variable in variables)
        {
            values = finallyExit.Values.TryGetValue(variable, out ImmutableHashSet<AbstractObject>? value) ? values.SetItem(variable, value) : values.Remove(variable);
        }

        return new StoreFlowState(values, Split(Edges, finallyExit.Edges, touched), Split(Uncertain, finallyExit.Uncertain, touched), Unite(Allocated, finallyExit.Allocated))
        {
            _valuesBase = _valuesBase,
            _changedKeys = ReferenceEquals(values, Values) ? _changedKeys : _changedKeys.Union(variables), // the variables are the only keys it changed
        };
    }

    /// <summary>The finally's edges where touched, the path's own elsewhere; the path's own set itself when the finally touched none (the common case, deep nesting stays cheap).</summary>
    private static ImmutableHashSet<HeapEdge> Split(ImmutableHashSet<HeapEdge> own, ImmutableHashSet<HeapEdge> finallys, Func<HeapEdge, bool> touched) =>
        !own.Any(touched) && !finallys.Any(touched) ? own : own.Where(e => !touched(e)).Concat(finallys.Where(touched)).ToImmutableHashSet();

    /// <summary>The edges this state's path made itself, read edges (what a field held before the method) excluded.</summary>
    public static IEnumerable<HeapEdge> Stored(IEnumerable<HeapEdge> edges) => edges.Where(e => e.Store is not null);

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
                Changed(entry.Key);
            }
        }

        HeapEdge Summarized(HeapEdge edge) =>
            new(edge.Source.Equals(fresh) ? summary : edge.Source, edge.Field, edge.Target.Equals(fresh) ? summary : edge.Target, edge.Store);
        List<HeapEdge> touched = Edges.Where(e => e.Source.Equals(fresh) || e.Target.Equals(fresh)).ToList();
        if (touched.Count > 0)
        {
            Edges = Edges.Except(touched).Union(touched.Select(Summarized));
            List<HeapEdge> doubted = touched.Where(Uncertain.Contains).ToList();
            Uncertain = doubted.Count == 0 ? Uncertain : Uncertain.Except(doubted).Union(doubted.Select(Summarized));
        }
    }

    /// <summary>
    /// Stores <paramref name="targets"/> into <paramref name="field"/> of <paramref name="sources"/>. Overwrites (kills
    /// the field's old edges) only when it is certain which single object is written: one source, not a summary,
    /// and not a container slot (adding to a container keeps what it held). The edges stored are certain from here on.
    /// </summary>
    public void Store(ImmutableHashSet<AbstractObject> sources, string field, ImmutableHashSet<AbstractObject> targets, Microsoft.CodeAnalysis.IOperation? store, bool overwrite)
    {
        if (overwrite && sources.Count == 1 && !sources.First().IsSummary)
        {
            AbstractObject source = sources.First();
            Kill(e => e.Source.Equals(source) && e.Field == field);
        }

        List<HeapEdge> added = sources.SelectMany(source => targets.Select(target => new HeapEdge(source, field, target, store))).ToList();
        Uncertain = Uncertain.IsEmpty ? Uncertain : Uncertain.Except(added);
        (Edges, Uncertain) = Capped(Edges.Union(added), Uncertain);
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
            Kill(e => sources.Contains(e.Source) && (slot is null ? e.IsSlot : e.Field == slot) && (targets is null || targets.Contains(e.Target)));
        }
    }

    private void Kill(Func<HeapEdge, bool> killed)
    {
        List<HeapEdge> gone = Edges.Where(killed).ToList();
        if (gone.Count > 0)
        {
            Edges = Edges.Except(gone);
            Uncertain = Uncertain.IsEmpty ? Uncertain : Uncertain.Except(gone);
        }
    }
}

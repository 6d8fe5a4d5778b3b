using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;

namespace RefHeap;

/// <summary>
/// A heap's generational cycle collector: CPython 3.11's <c>gcmodule.c</c> translated to the RefHeap header.
/// </summary>
/// <remarks>
/// Every tracked object sits in exactly one list: a generation (0 young, 2 old) or the permanent generation.
/// A collection of generation g merges the younger generations into g, finds the objects reachable only from
/// inside the set (<see cref="DeduceUnreachable"/>), promotes the survivors to g+1, and then frees the rest in
/// CPython's order: legacy finalizers set aside, weak references cleared, finalizers run, resurrection checked,
/// reference cycles cleared. No step recurses: traversal only ever looks one edge ahead.
/// </remarks>
internal sealed class CycleCollector
{
    public const int GenerationCount = 3;

    // A referent belongs to the set being collected iff it is Collecting AND on this heap: objects may point into
    // other heaps, whose collection can be running too (started by a finalizer). One masked compare tests both.
    private const ObjectFlags CollectingMarkMask = ObjectFlags.Collecting | (ObjectFlags)(-1 << HeapRegistry.IndexShift);

    private readonly Heap _heap;
    private readonly GcListHead[] _generations = { new(), new(), new() };
    private readonly GcListHead _permanent = new();
    private readonly int[] _thresholds = { 700, 10, 10 };
    private readonly int[] _counts = new int[GenerationCount];
    private readonly GcGenerationStats[] _stats = new GcGenerationStats[GenerationCount];
    private readonly SubtractRefsVisitor _subtractRefs = new();
    private readonly ReachableVisitor _visitReachable = new();
    private readonly MoveToListVisitor _moveToFinalizers = new();
    private readonly CollectorMetrics _metrics = CollectorMetrics.Shared;

    // Objects with the Tracked flag; read by metrics observers on other threads, hence a plain number.
    private long _trackedCount;

    // The 25% rule for full collections (CPython's long_lived_total / long_lived_pending): a generation-2
    // collection waits until the objects promoted since the last one are a quarter of what survived it.
    private long _longLivedTotal;
    private long _longLivedPending;

    public CycleCollector(Heap heap) => _heap = heap;

    public bool Enabled { get; set; } = true;

    public bool Collecting { get; private set; }

    public GcDebugFlags Debug { get; set; }

    public List<Action<GcPhase, GcCallbackInfo>> Callbacks { get; } = new();

    public (int Generation0, int Generation1, int Generation2) Counts => (_counts[0], _counts[1], _counts[2]);

    public (int Threshold0, int Threshold1, int Threshold2) Thresholds => (_thresholds[0], _thresholds[1], _thresholds[2]);

    public IReadOnlyList<GcGenerationStats> Stats => _stats.ToArray();

    /// <summary>Objects tracked now, frozen ones included; safe to read from any thread.</summary>
    public long TrackedCount => Volatile.Read(ref _trackedCount);

    public void SetThresholds(int threshold0, int? threshold1, int? threshold2)
    {
        CheckThreshold(threshold0, nameof(threshold0));
        _thresholds[0] = threshold0;
        if (threshold1 is int t1)
        {
            CheckThreshold(t1, nameof(threshold1));
            _thresholds[1] = t1;
        }

        if (threshold2 is int t2)
        {
            CheckThreshold(t2, nameof(threshold2));
            _thresholds[2] = t2;
        }
    }

    public void Track(RefObject obj)
    {
        obj._flags |= ObjectFlags.Tracked;
        _generations[0].Append(obj);
        _trackedCount++;
    }

    public void Untrack(RefObject obj)
    {
        GcListHead.Unlink(obj);
        obj._flags &= ~(ObjectFlags.Tracked | ObjectFlags.Collecting | ObjectFlags.Unreachable);
        _trackedCount--;
    }

    /// <summary>CPython's <c>gc_alloc</c> bookkeeping: count the allocation and maybe collect.</summary>
    public void OnContainerAllocated()
    {
        _counts[0]++;
        if (_counts[0] > _thresholds[0] && Enabled && _thresholds[0] != 0 && !Collecting)
        {
            Collecting = true;
            try
            {
                CollectGenerations();
            }
            finally
            {
                Collecting = false;
            }

            _heap.ReclaimFreedMemoryIfDue();
        }
    }

    /// <summary>A tracked object died by reference counting: it no longer counts as an allocation.</summary>
    public void OnContainerDeallocated()
    {
        if (_counts[0] > 0)
        {
            _counts[0]--;
        }
    }

    /// <summary><c>gc.collect(generation)</c>: 0 if a collection is already running.</summary>
    public long Collect(int generation)
    {
        if (generation is < 0 or >= GenerationCount)
        {
            throw new ArgumentOutOfRangeException(nameof(generation), generation, "invalid generation");
        }

        if (Collecting)
        {
            return 0;
        }

        Collecting = true;
        long found;
        try
        {
            found = CollectWithCallback(generation);
        }
        finally
        {
            Collecting = false;
        }

        _heap.ReclaimFreedMemoryIfDue();
        return found;
    }

    public IReadOnlyList<RefObject> GetObjects(int? generation)
    {
        if (generation is int g && (g < 0 || g >= GenerationCount))
        {
            throw new ArgumentOutOfRangeException(nameof(generation), generation, $"generation parameter must be in [0, {GenerationCount - 1}]");
        }

        var result = new List<RefObject>();
        for (int i = 0; i < GenerationCount; i++)
        {
            if (generation is null || generation == i)
            {
                AddAll(_generations[i], result);
            }
        }

        return result;
    }

    /// <summary>Every tracked object (not frozen ones) that holds a strong reference to one of <paramref name="targets"/>.</summary>
    public IReadOnlyList<RefObject> GetReferrers(IReadOnlyCollection<RefObject> targets)
    {
        var wanted = new HashSet<RefObject>(targets, ReferenceEqualityComparer.Instance);
        var finder = new ReferrerFinder(wanted);
        var result = new List<RefObject>();
        foreach (GcListHead generation in _generations)
        {
            for (RefObject node = generation.First; !ReferenceEquals(node, generation); node = node._gcNext!)
            {
                finder.Found = false;
                node.Traverse(finder);
                if (finder.Found)
                {
                    result.Add(node);
                }
            }
        }

        return result;
    }

    public void Freeze()
    {
        foreach (GcListHead generation in _generations)
        {
            generation.MergeInto(_permanent);
        }

        _counts[0] = 0;
    }

    public void Unfreeze() => _permanent.MergeInto(_generations[GenerationCount - 1]);

    public long FreezeCount => _permanent.Count();

    private static void AddAll(GcListHead list, List<RefObject> into)
    {
        for (RefObject node = list.First; !ReferenceEquals(node, list); node = node._gcNext!)
        {
            into.Add(node);
        }
    }

    private static void CheckThreshold(int value, string name)
    {
        if (value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "thresholds must be non-negative");
        }
    }

    // CPython's gc_collect_generations: collect the oldest generation whose count exceeds its threshold,
    // except that a full collection waits for the 25% rule.
    private void CollectGenerations()
    {
        for (int i = GenerationCount - 1; i >= 0; i--)
        {
            if (_counts[i] > _thresholds[i])
            {
                if (i == GenerationCount - 1 && _longLivedPending < _longLivedTotal / 4)
                {
                    continue;
                }

                CollectWithCallback(i);
                break;
            }
        }
    }

    private long CollectWithCallback(int generation)
    {
        InvokeCallbacks(GcPhase.Start, new GcCallbackInfo(generation, 0, 0));
        long started = _metrics.CollectionStarting();
        long result = CollectMain(generation, out long collected, out long uncollectable);
        _metrics.CollectionFinished(generation, started, collected, uncollectable);
        InvokeCallbacks(GcPhase.Stop, new GcCallbackInfo(generation, collected, uncollectable));
        return result;
    }

    private void InvokeCallbacks(GcPhase phase, GcCallbackInfo info)
    {
        // Iterate over a copy: a callback may add or remove callbacks.
        foreach (Action<GcPhase, GcCallbackInfo> callback in Callbacks.ToArray())
        {
            try
            {
                callback(phase, info);
            }
            catch (Exception ex)
            {
                _heap.ReportUnraisable(ex, "Exception ignored in garbage collector callback", null);
            }
        }
    }

    /// <summary>CPython's <c>gc_collect_main</c>. Returns the number of unreachable objects found (collected + uncollectable).</summary>
    private long CollectMain(int generation, out long collected, out long uncollectable)
    {
        long started = Stopwatch.GetTimestamp();
        bool stats = (Debug & GcDebugFlags.Stats) != 0;
        if (stats)
        {
            _heap.DebugOutput.WriteLine($"gc: collecting generation {generation}...");
            _heap.DebugOutput.WriteLine($"gc: objects in each generation: {_generations[0].Count()} {_generations[1].Count()} {_generations[2].Count()}");
            _heap.DebugOutput.WriteLine($"gc: objects in permanent generation: {_permanent.Count()}");
        }

        // Update the allocation counts, then merge the younger generations into the one being collected.
        if (generation + 1 < GenerationCount)
        {
            _counts[generation + 1]++;
        }

        for (int i = 0; i <= generation; i++)
        {
            _counts[i] = 0;
        }

        for (int i = 0; i < generation; i++)
        {
            _generations[i].MergeInto(_generations[generation]);
        }

        ObjectFlags mark = ObjectFlags.Collecting | (ObjectFlags)(_heap.Slot << HeapRegistry.IndexShift);
        _subtractRefs.Mark = mark;
        _visitReachable.Mark = mark;
        _moveToFinalizers.Mark = mark;

        GcListHead young = _generations[generation];
        GcListHead old = generation < GenerationCount - 1 ? _generations[generation + 1] : young;

        var unreachable = new GcListHead();
        long survivors = DeduceUnreachable(young, unreachable);

        // Survivors move on to the next generation (a full collection keeps them in generation 2).
        if (!ReferenceEquals(young, old))
        {
            if (generation == GenerationCount - 2)
            {
                _longLivedPending += survivors;
            }

            young.MergeInto(old);
        }
        else
        {
            _longLivedPending = 0;
            _longLivedTotal = survivors;
        }

        // Legacy finalizers, and everything they reach, are uncollectable: set them aside untouched.
        var finalizers = new GcListHead();
        TrashSummary trash = SortTrash(unreachable, finalizers);
        if (!finalizers.IsEmpty)
        {
            MoveLegacyFinalizerReachable(finalizers);
            trash = trash with { Count = unreachable.Count() };
        }

        if ((Debug & GcDebugFlags.Collectable) != 0)
        {
            for (RefObject node = unreachable.First; !ReferenceEquals(node, unreachable); node = node._gcNext!)
            {
                _heap.DebugOutput.WriteLine($"gc: collectable {RefObject.Describe(node)}");
            }
        }

        if (trash.HasWeakRefs || trash.HoldsWeakRefs)
        {
            HandleWeakRefs(unreachable, trash.HoldsWeakRefs);
        }

        GcListHead garbage = unreachable;
        collected = trash.Count;
        if (trash.HasFinalizersToRun)
        {
            // Only a finalizer can resurrect trash (weak-reference callbacks cannot reach it), so the second
            // reachability pass is needed only when finalizers ran.
            FinalizeGarbage(unreachable);
            garbage = new GcListHead();
            HandleResurrectedObjects(unreachable, garbage, old);
            ClearWeakRefsCreatedByFinalizers(garbage);
            collected = garbage.Count();
        }

        DeleteGarbage(garbage, old);

        uncollectable = 0;
        for (RefObject node = finalizers.First; !ReferenceEquals(node, finalizers); node = node._gcNext!)
        {
            uncollectable++;
            if ((Debug & GcDebugFlags.Uncollectable) != 0)
            {
                _heap.DebugOutput.WriteLine($"gc: uncollectable {RefObject.Describe(node)}");
            }
        }

        if (stats)
        {
            double elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
            _heap.DebugOutput.WriteLine(FormattableString.Invariant($"gc: done, {collected + uncollectable} unreachable, {uncollectable} uncollectable, {elapsed:F4}s elapsed"));
        }

        HandleLegacyFinalizers(finalizers, old);

        GcGenerationStats s = _stats[generation];
        _stats[generation] = new GcGenerationStats(s.Collections + 1, s.Collected + collected, s.Uncollectable + uncollectable);
        return collected + uncollectable;
    }

    /// <summary>
    /// Moves to <paramref name="unreachable"/> the objects of <paramref name="containers"/> that nothing outside the
    /// set refers to, directly or through reachable objects. Afterwards the survivors have <c>Collecting</c>
    /// cleared; the unreachable objects keep <c>Collecting</c> (their <c>_gcRefs</c> is 0) and carry <c>Unreachable</c>.
    /// </summary>
    private long DeduceUnreachable(GcListHead containers, GcListHead unreachable)
    {
        try
        {
            UpdateRefs(containers);
            SubtractRefs(containers);
            return MoveUnreachable(containers, unreachable);
        }
        catch (Exception ex)
        {
            // A custom Traverse threw, or the counts are corrupt. Freeing anything now could free reachable
            // objects: abandon the collection and leave every object where it was.
            unreachable.MergeInto(containers);
            for (RefObject node = containers.First; !ReferenceEquals(node, containers); node = node._gcNext!)
            {
                node._flags &= ~(ObjectFlags.Collecting | ObjectFlags.Unreachable);
            }

            if (ex is RefCountCorruptionException)
            {
                throw;
            }

            throw new InvalidOperationException("A Traverse override threw during a collection; the collection was abandoned and nothing was freed.", ex);
        }
    }

    /// <summary>Invariant afterwards: every object in the set has <c>Collecting</c> and <c>_gcRefs == RefCount</c>.</summary>
    private static void UpdateRefs(GcListHead containers)
    {
        for (RefObject node = containers.First; !ReferenceEquals(node, containers); node = node._gcNext!)
        {
            node._gcRefs = node._refCount;
            node._flags |= ObjectFlags.Collecting;
        }
    }

    /// <summary>
    /// Subtracts the references that come from inside the set. Invariant afterwards: <c>_gcRefs</c> counts only
    /// the references from outside the set, so an object with <c>_gcRefs &gt; 0</c> is directly reachable.
    /// </summary>
    private void SubtractRefs(GcListHead containers)
    {
        ObjectFlags mark = _subtractRefs.Mark;
        for (RefObject node = containers.First; !ReferenceEquals(node, containers); node = node._gcNext!)
        {
            TypeLayout layout = _heap.LayoutOf(node);
            if (layout.StrongFieldOffsets is { } offsets)
            {
                foreach (nint offset in offsets)
                {
                    SubtractRefsVisitor.Subtract(TypeLayout.FieldAt(node, offset), mark);
                }
            }
            else
            {
                layout.Traverse(node, _subtractRefs);
            }
        }
    }

    /// <summary>
    /// Scans <paramref name="young"/> once, left to right. An object with <c>_gcRefs &gt; 0</c> is reachable: its
    /// referents are marked reachable too (and pulled back from <paramref name="unreachable"/> if they were moved
    /// there already, to be scanned again at the end of <paramref name="young"/>). An object with
    /// <c>_gcRefs == 0</c> is moved to <paramref name="unreachable"/>, tentatively. When the scan ends, everything
    /// left in <paramref name="unreachable"/> is truly unreachable. Returns the number of reachable objects (each is
    /// scanned exactly once).
    /// </summary>
    private long MoveUnreachable(GcListHead young, GcListHead unreachable)
    {
        _visitReachable.Young = young;
        ObjectFlags mark = _visitReachable.Mark;
        long reachable = 0;
        RefObject node = young.First;
        while (!ReferenceEquals(node, young))
        {
            if (node._gcRefs > 0)
            {
                // Read the successor only after the traversal: it may have appended objects right after this one.
                TypeLayout layout = _heap.LayoutOf(node);
                if (layout.StrongFieldOffsets is { } offsets)
                {
                    foreach (nint offset in offsets)
                    {
                        ReachableVisitor.MarkReachable(TypeLayout.FieldAt(node, offset), young, mark);
                    }
                }
                else
                {
                    layout.Traverse(node, _visitReachable);
                }

                node._flags &= ~ObjectFlags.Collecting;
                node = node._gcNext!;
                reachable++;
            }
            else
            {
                if (node._gcRefs < 0)
                {
                    // More references from tracked objects than the count says: someone released a reference
                    // they did not own. CPython aborts here ("refcount is too small").
                    throw new RefCountCorruptionException(node, node._refCount - node._gcRefs);
                }

                RefObject next = node._gcNext!;
                GcListHead.Move(node, unreachable);
                node._flags |= ObjectFlags.Unreachable;
                node = next;
            }
        }

        return reachable;
    }

    /// <summary>
    /// One pass over the trash: clears the tentative mark, sets legacy finalizers aside (legacy mode) and notes
    /// what the later steps will have to do.
    /// </summary>
    private TrashSummary SortTrash(GcListHead unreachable, GcListHead finalizers)
    {
        bool legacy = _heap.FinalizationMode == FinalizationMode.Legacy;
        long count = 0;
        bool hasWeakRefs = false;
        bool holdsWeakRefs = false;
        bool hasFinalizersToRun = false;
        RefObject node = unreachable.First;
        while (!ReferenceEquals(node, unreachable))
        {
            RefObject next = node._gcNext!;
            ObjectFlags flags = node._flags & ~ObjectFlags.Unreachable;
            node._flags = flags;
            if ((flags & ObjectFlags.HasFinalizer) != 0)
            {
                if (legacy)
                {
                    node._flags = flags & ~ObjectFlags.Collecting;
                    GcListHead.Move(node, finalizers);
                    node = next;
                    continue;
                }

                hasFinalizersToRun |= (flags & ObjectFlags.Finalized) == 0;
            }

            hasWeakRefs |= (flags & ObjectFlags.HasWeakRefs) != 0;
            holdsWeakRefs |= (flags & ObjectFlags.HasWeakFields) != 0;
            count++;
            node = next;
        }

        return new TrashSummary(count, hasWeakRefs, holdsWeakRefs, hasFinalizersToRun);
    }

    /// <summary>Moves to <paramref name="finalizers"/> everything in the unreachable set that a legacy finalizer object reaches.</summary>
    private void MoveLegacyFinalizerReachable(GcListHead finalizers)
    {
        _moveToFinalizers.Target = finalizers;
        for (RefObject node = finalizers.First; !ReferenceEquals(node, finalizers); node = node._gcNext!)
        {
            node.Traverse(_moveToFinalizers);
        }
    }

    /// <summary>
    /// Clears the weak references held by the trash (they are trash too: they must never call back, not even when
    /// their target dies later by reference counting, bpo-38006), then every weak reference to the trash, and only
    /// then calls the callbacks of the weak references that are not trash. No callback runs before all are cleared,
    /// so no callback can reach the trash through a weak reference.
    /// </summary>
    private void HandleWeakRefs(GcListHead unreachable, bool trashHoldsWeakRefs)
    {
        if (trashHoldsWeakRefs)
        {
            for (RefObject node = unreachable.First; !ReferenceEquals(node, unreachable); node = node._gcNext!)
            {
                if ((node._flags & ObjectFlags.HasWeakFields) != 0)
                {
                    _heap.LayoutOf(node).DetachWeakFields(node);
                }
            }
        }

        List<WeakRefBase>? callbacks = null;
        for (RefObject node = unreachable.First; !ReferenceEquals(node, unreachable); node = node._gcNext!)
        {
            if ((node._flags & ObjectFlags.HasWeakRefs) == 0)
            {
                continue;
            }

            foreach (WeakRefBase weakRef in _heap.WeakRefs.Detach(node))
            {
                if (weakRef.HasCallback)
                {
                    (callbacks ??= new List<WeakRefBase>()).Add(weakRef);
                }
            }
        }

        if (callbacks is not null)
        {
            foreach (WeakRefBase weakRef in callbacks)
            {
                _heap.InvokeWeakRefCallback(weakRef);
            }
        }
    }

    /// <summary>
    /// Finalizers may have created new weak references to the trash; clear them, without callbacks, so that no code
    /// running while the trash is cleared (a finalizer of an object outside it) can reach a half-cleared object (gh-91636).
    /// </summary>
    private void ClearWeakRefsCreatedByFinalizers(GcListHead garbage)
    {
        for (RefObject node = garbage.First; !ReferenceEquals(node, garbage); node = node._gcNext!)
        {
            if ((node._flags & ObjectFlags.HasWeakRefs) != 0)
            {
                _heap.WeakRefs.Detach(node);
            }
        }
    }

    /// <summary>
    /// PEP 442: runs each finalizer not yet run, once. Finalizers may free or resurrect anything, so each object
    /// is first moved to a private list and the loop always takes the head of what is left.
    /// </summary>
    private void FinalizeGarbage(GcListHead collectable)
    {
        var seen = new GcListHead();
        while (!collectable.IsEmpty)
        {
            RefObject node = collectable.First;
            GcListHead.Move(node, seen);
            if ((node._flags & (ObjectFlags.HasFinalizer | ObjectFlags.Finalized)) == ObjectFlags.HasFinalizer)
            {
                node._flags |= ObjectFlags.Finalized;
                node.AddRefOnOwnerThread();
                _heap.RunFinalizer(node);
                node.ReleaseOnOwnerThread();
            }
        }

        seen.MergeInto(collectable);
    }

    /// <summary>
    /// After finalizers ran, computes reachability again inside the trash: objects a finalizer resurrected, and all
    /// they reach, go to <paramref name="old"/>; the rest goes to <paramref name="stillUnreachable"/>.
    /// </summary>
    private void HandleResurrectedObjects(GcListHead unreachable, GcListHead stillUnreachable, GcListHead old)
    {
        DeduceUnreachable(unreachable, stillUnreachable);
        for (RefObject node = stillUnreachable.First; !ReferenceEquals(node, stillUnreachable); node = node._gcNext!)
        {
            node._flags &= ~ObjectFlags.Unreachable;
        }

        unreachable.MergeInto(old);
    }

    /// <summary>
    /// Breaks the cycles: clears each object's references (or saves it under <see cref="GcDebugFlags.SaveAll"/>),
    /// which frees the trash by reference counting. An object that survives its clear moves to <paramref name="old"/>.
    /// </summary>
    private void DeleteGarbage(GcListHead collectable, GcListHead old)
    {
        bool saveAll = (Debug & GcDebugFlags.SaveAll) != 0;
        while (!collectable.IsEmpty)
        {
            RefObject node = collectable.First;
            if (saveAll)
            {
                _heap.Garbage.Add(node);
            }
            else
            {
                node.AddRefOnOwnerThread();
                try
                {
                    _heap.LayoutOf(node).Clear(node);
                }
                catch (Exception ex)
                {
                    _heap.ReportUnraisable(ex, "Exception ignored in tp_clear of", node);
                }

                node.ReleaseOnOwnerThread();
            }

            if (ReferenceEquals(collectable.First, node))
            {
                node._flags &= ~ObjectFlags.Collecting;
                GcListHead.Move(node, old);
            }
        }
    }

    /// <summary>Puts the uncollectable objects into <see cref="Gc.Garbage"/> and returns them all to <paramref name="old"/>.</summary>
    private void HandleLegacyFinalizers(GcListHead finalizers, GcListHead old)
    {
        bool saveAll = (Debug & GcDebugFlags.SaveAll) != 0;
        for (RefObject node = finalizers.First; !ReferenceEquals(node, finalizers); node = node._gcNext!)
        {
            node._flags &= ~(ObjectFlags.Collecting | ObjectFlags.Unreachable);
            if (saveAll || (node._flags & ObjectFlags.HasFinalizer) != 0)
            {
                _heap.Garbage.Add(node);
            }
        }

        finalizers.MergeInto(old);
    }

    /// <summary>What <see cref="SortTrash"/> learned about the unreachable set.</summary>
    private readonly record struct TrashSummary(long Count, bool HasWeakRefs, bool HoldsWeakRefs, bool HasFinalizersToRun);

    /// <summary>visit_decref: a reference from inside the collected set does not make its target reachable.</summary>
    private sealed class SubtractRefsVisitor : ReferenceVisitor
    {
        public ObjectFlags Mark { get; set; }

        public override void Visit(RefObject? referent) => Subtract(referent, Mark);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Subtract(RefObject? referent, ObjectFlags mark)
        {
            if (referent is not null && (referent._flags & CollectingMarkMask) == mark)
            {
                referent._gcRefs--;
            }
        }
    }

    /// <summary>visit_reachable: the referent of a reachable object is reachable.</summary>
    private sealed class ReachableVisitor : ReferenceVisitor
    {
        public GcListHead Young { get; set; } = null!;

        public ObjectFlags Mark { get; set; }

        public override void Visit(RefObject? referent) => MarkReachable(referent, Young, Mark);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void MarkReachable(RefObject? referent, GcListHead young, ObjectFlags mark)
        {
            // Objects outside the set (or of another heap), and those already scanned (Collecting cleared), are not our business.
            if (referent is null || (referent._flags & CollectingMarkMask) != mark)
            {
                return;
            }

            if ((referent._flags & ObjectFlags.Unreachable) != 0)
            {
                // Moved to the unreachable list too early: bring it back to be scanned at the end of 'young'.
                referent._flags &= ~ObjectFlags.Unreachable;
                GcListHead.Move(referent, young);
                referent._gcRefs = 1;
            }
            else if (referent._gcRefs == 0)
            {
                // Still ahead of the scan: tell MoveUnreachable it is reachable.
                referent._gcRefs = 1;
            }
        }
    }

    /// <summary>visit_move: pulls still-collecting referents into a list (the closure of the legacy finalizers).</summary>
    private sealed class MoveToListVisitor : ReferenceVisitor
    {
        public GcListHead Target { get; set; } = null!;

        public ObjectFlags Mark { get; set; }

        public override void Visit(RefObject? referent)
        {
            if (referent is not null && (referent._flags & CollectingMarkMask) == Mark)
            {
                referent._flags &= ~(ObjectFlags.Collecting | ObjectFlags.Unreachable);
                GcListHead.Move(referent, Target);
            }
        }
    }

    private sealed class ReferrerFinder : ReferenceVisitor
    {
        private readonly HashSet<RefObject> _targets;

        public ReferrerFinder(HashSet<RefObject> targets) => _targets = targets;

        public bool Found { get; set; }

        public override void Visit(RefObject? referent)
        {
            if (referent is not null && _targets.Contains(referent))
            {
                Found = true;
            }
        }
    }
}

using System;
using System.Collections.Generic;
using System.IO;

namespace RefHeap;

/// <summary>
/// The cycle collector's API, point by point with Python's <c>gc</c> module. Members that take objects act on the
/// objects' own heaps; the others on the current async flow's heap (<see cref="Heap.Current"/>). Each takes the heap
/// it acts on for the calling thread (see <see cref="Heap"/>'s thread model).
/// </summary>
public static class Gc
{
    /// <summary>Number of generations (<c>0</c> youngest, <c>2</c> oldest).</summary>
    public const int GenerationCount = CycleCollector.GenerationCount;

    private static CycleCollector Collector => CurrentHeap.Collector;

    private static Heap CurrentHeap
    {
        get
        {
            Heap heap = Heap.Current;
            heap.CheckThread("gc");
            return heap;
        }
    }

    /// <summary>
    /// <c>gc.collect(generation=2)</c>: collects generations 0..<paramref name="generation"/> and returns the number
    /// of unreachable objects found (freed plus uncollectable). Returns 0 when called during a collection.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="generation"/> is not 0, 1 or 2.</exception>
    public static long Collect(int generation = 2) => Collector.Collect(generation);

    /// <summary><c>gc.enable()</c>: turns automatic collection on.</summary>
    public static void Enable() => Collector.Enabled = true;

    /// <summary><c>gc.disable()</c>: turns automatic collection off; <see cref="Collect"/> still works.</summary>
    public static void Disable() => Collector.Enabled = false;

    /// <summary><c>gc.isenabled()</c>.</summary>
    public static bool IsEnabled() => Collector.Enabled;

    /// <summary><c>gc.get_count()</c>: allocations since the last generation-0 collection, and collections of the younger generation since the last collection of generations 1 and 2.</summary>
    public static (int Generation0, int Generation1, int Generation2) GetCount() => Collector.Counts;

    /// <summary><c>gc.get_threshold()</c>: (700, 10, 10) by default.</summary>
    public static (int Threshold0, int Threshold1, int Threshold2) GetThreshold() => Collector.Thresholds;

    /// <summary><c>gc.set_threshold(threshold0[, threshold1[, threshold2]])</c>. A <paramref name="threshold0"/> of 0 disables automatic collection.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A threshold is negative.</exception>
    public static void SetThreshold(int threshold0, int? threshold1 = null, int? threshold2 = null) =>
        Collector.SetThresholds(threshold0, threshold1, threshold2);

    /// <summary><c>gc.get_debug()</c>.</summary>
    public static GcDebugFlags GetDebug() => Collector.Debug;

    /// <summary><c>gc.set_debug(flags)</c>.</summary>
    public static void SetDebug(GcDebugFlags flags) => Collector.Debug = flags;

    /// <summary>Where debug output goes (standard error by default): <see cref="Heap.DebugOutput"/> of the current heap.</summary>
    public static TextWriter DebugOutput
    {
        get => CurrentHeap.DebugOutput;
        set => CurrentHeap.DebugOutput = value;
    }

    /// <summary>
    /// <c>gc.garbage</c>: unreachable objects that could not be freed (legacy finalizers) and, under
    /// <see cref="GcDebugFlags.SaveAll"/>, every unreachable object. The list holds a reference to each; clear it
    /// (<c>Gc.Garbage.Clear()</c>) to release them.
    /// </summary>
    public static RefList<RefObject> Garbage => CurrentHeap.Garbage;

    /// <summary><c>gc.callbacks</c>: called with <see cref="GcPhase.Start"/> before and <see cref="GcPhase.Stop"/> after each collection.</summary>
    public static IList<Action<GcPhase, GcCallbackInfo>> Callbacks => Collector.Callbacks;

    /// <summary><c>gc.get_objects(generation=None)</c>: the tracked objects (borrowed references), of one generation or of all.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="generation"/> is not 0, 1 or 2.</exception>
    public static IReadOnlyList<RefObject> GetObjects(int? generation = null) => Collector.GetObjects(generation);

    /// <summary><c>gc.get_stats()</c>: per generation, the collections run and the objects collected and found uncollectable.</summary>
    public static IReadOnlyList<GcGenerationStats> GetStats() => Collector.Stats;

    /// <summary>
    /// <c>gc.get_referrers(*objs)</c>: the tracked objects that hold a strong reference to any of
    /// <paramref name="objects"/>, searched on each live object's own heap (on the current heap for immortal objects,
    /// which any heap may refer to).
    /// </summary>
    public static IReadOnlyList<RefObject> GetReferrers(params RefObject[] objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var heaps = new List<Heap>();
        foreach (RefObject obj in objects)
        {
            Heap? heap = obj is null || !obj.IsAlive ? null : obj.IsImmortal ? Heap.Current : obj.CheckUsable("gc.get_referrers");
            if (heap is not null && !heaps.Contains(heap))
            {
                heaps.Add(heap);
            }
        }

        var referrers = new List<RefObject>();
        foreach (Heap heap in heaps)
        {
            heap.CheckThread("gc.get_referrers");
            referrers.AddRange(heap.Collector.GetReferrers(objects));
        }

        return referrers;
    }

    /// <summary><c>gc.get_referents(*objs)</c>: the objects that <paramref name="objects"/> hold strong references to.</summary>
    public static IReadOnlyList<RefObject> GetReferents(params RefObject[] objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var collector = new ReferentCollector();
        foreach (RefObject obj in objects)
        {
            if (obj is not null && (obj._flags & ObjectFlags.Container) != 0 && obj.IsAlive)
            {
                obj.CheckUsable("gc.get_referents");
                obj.Traverse(collector);
            }
        }

        return collector.Referents;
    }

    /// <summary><c>gc.is_tracked(obj)</c>: true if the collector tracks the object (it can hold strong references).</summary>
    public static bool IsTracked(RefObject obj)
    {
        return (FlagsOf(obj, "gc.is_tracked") & ObjectFlags.Tracked) != 0;
    }

    /// <summary><c>gc.is_finalized(obj)</c>: true if the object's PEP 442 finalizer has run.</summary>
    public static bool IsFinalized(RefObject obj)
    {
        return (FlagsOf(obj, "gc.is_finalized") & ObjectFlags.Finalized) != 0;
    }

    // The flags of a live mortal object are read holding its heap; a dead or immortal object's no longer change.
    private static ObjectFlags FlagsOf(RefObject obj, string operation)
    {
        ArgumentNullException.ThrowIfNull(obj);
        if (obj.IsAlive && !obj.IsImmortal)
        {
            obj.CheckUsable(operation);
        }

        return obj._flags;
    }

    /// <summary>
    /// Python's <c>id(obj)</c>: the object's address from its heap's allocator model (<see cref="Heap.Allocator"/>),
    /// unique among live objects of all heaps and aligned to 16. A freed object keeps its address, and the next object
    /// of its size class usually gets it: after a premature free (<see cref="RefObject.DangerousSetRefCount"/>),
    /// <c>Gc.Id(newObject) == Gc.Id(freedObject)</c>. An immortal object gets a static address the first time.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="obj"/> is null.</exception>
    public static long Id(RefObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        uint granule = obj.IsImmortal ? AddressSpace.AssignStatic(ref obj._address) : obj._address;
        return AddressSpace.ToAddress(granule);
    }

    /// <summary><c>sys._debugmallocstats()</c> for the current heap, as figures; <see cref="AllocatorStats.ToString"/> is the text report.</summary>
    public static AllocatorStats GetAllocatorStats()
    {
        Heap heap = Heap.Current;
        heap.CheckThread("gc");
        return heap.Allocator.GetStats();
    }

    /// <summary><c>gc.freeze()</c>: moves every tracked object to a permanent generation that collections ignore.</summary>
    public static void Freeze() => Collector.Freeze();

    /// <summary><c>gc.unfreeze()</c>: moves the permanent generation back into the oldest generation.</summary>
    public static void Unfreeze() => Collector.Unfreeze();

    /// <summary><c>gc.get_freeze_count()</c>: number of objects in the permanent generation.</summary>
    public static long GetFreezeCount() => Collector.FreezeCount;
}

using System;
using System.Collections.Generic;
using System.Linq;

namespace RefHeap;

/// <summary>How <see cref="HeapSnapshot.Statistics"/> and <see cref="HeapSnapshot.CompareTo"/> group objects (tracemalloc's <c>key_type</c>).</summary>
public enum SnapshotGrouping
{
    /// <summary>By readable type name (<see cref="TypeNames"/>).</summary>
    Type,

    /// <summary>By allocation site (<see cref="AllocationSite"/>, tracemalloc's <c>'lineno'</c>); needs a snapshot taken while tracing.</summary>
    Site,
}

/// <summary>
/// One group of a snapshot: its type name or allocation site, how many objects it has and their size in bytes (the
/// allocator model's object size, <c>32 + 8 × fields</c>; docs/runtime.md).
/// </summary>
public readonly record struct HeapStatistic(string Key, int Count, long Size);

/// <summary>One group compared between two snapshots: the count and size now and their changes (tracemalloc's <c>StatisticDiff</c>).</summary>
public readonly record struct HeapStatisticDiff(string Key, int Count, int CountDiff, long Size, long SizeDiff);

/// <summary>
/// The live objects of a heap at one moment, counted by type and, when allocation tracing was on, by allocation site
/// (see <see cref="HeapInspector.TakeSnapshot"/>). It sees the objects the collector tracks and, while tracing, every
/// object allocated since tracing started (tracked or not). It holds counts and sizes, not the objects.
/// </summary>
public sealed class HeapSnapshot
{
    /// <summary>The group of objects allocated before tracing started (or while it was off).</summary>
    public const string UnknownSite = "(allocated while tracing was off)";

    private readonly IReadOnlyDictionary<(string Type, AllocationSite? Site), HeapStatistic> _groups;

    internal HeapSnapshot(IReadOnlyDictionary<(string Type, AllocationSite? Site), HeapStatistic> groups, long liveObjects, bool traced)
    {
        _groups = groups;
        LiveObjects = liveObjects;
        IsTraced = traced;
        Counts = groups.GroupBy(g => g.Key.Type).ToDictionary(g => g.Key, g => g.Sum(e => e.Value.Count));
    }

    /// <summary>Objects per readable type name.</summary>
    public IReadOnlyDictionary<string, int> Counts { get; }

    /// <summary>All live objects of the heap, seen by the snapshot or not.</summary>
    public long LiveObjects { get; }

    /// <summary>True if allocation tracing was on when the snapshot was taken, so it can be grouped by site.</summary>
    public bool IsTraced { get; }

    /// <summary>
    /// tracemalloc's <c>Snapshot.statistics</c>: the <paramref name="limit"/> largest groups, largest size first
    /// (then the largest count, then by key).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException">Grouping by site a snapshot taken while tracing was off.</exception>
    public IReadOnlyList<HeapStatistic> Statistics(SnapshotGrouping groupBy, int limit = 10)
    {
        if (limit <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be positive");
        }

        return Grouped(groupBy).Values
            .OrderByDescending(s => s.Size).ThenByDescending(s => s.Count).ThenBy(s => s.Key, StringComparer.Ordinal)
            .Take(limit).ToList();
    }

    /// <summary>
    /// tracemalloc's <c>Snapshot.compare_to</c>: every group of either snapshot with its count and size now and their
    /// changes since <paramref name="old"/>, in tracemalloc's order: the largest size change first, then the largest
    /// size, the largest count change, the largest count, then by key.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="old"/> is null.</exception>
    /// <exception cref="InvalidOperationException">Grouping by site a snapshot taken while tracing was off.</exception>
    public IReadOnlyList<HeapStatisticDiff> CompareTo(HeapSnapshot old, SnapshotGrouping groupBy)
    {
        ArgumentNullException.ThrowIfNull(old);
        Dictionary<string, HeapStatistic> now = Grouped(groupBy);
        Dictionary<string, HeapStatistic> before = old.Grouped(groupBy);
        return now.Keys.Union(before.Keys)
            .Select(key =>
            {
                HeapStatistic n = now.GetValueOrDefault(key), b = before.GetValueOrDefault(key);
                return new HeapStatisticDiff(key, n.Count, n.Count - b.Count, n.Size, n.Size - b.Size);
            })
            .OrderByDescending(d => Math.Abs(d.SizeDiff)).ThenByDescending(d => d.Size)
            .ThenByDescending(d => Math.Abs(d.CountDiff)).ThenByDescending(d => d.Count)
            .ThenBy(d => d.Key, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary><c>objgraph.growth</c>: the types whose count grew since <paramref name="earlier"/>, largest growth first.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="earlier"/> is null.</exception>
    public IReadOnlyList<(string Type, int Count, int Delta)> GrowthSince(HeapSnapshot earlier) =>
        CompareTo(earlier, SnapshotGrouping.Type).Where(d => d.CountDiff > 0)
            .OrderByDescending(d => d.CountDiff).ThenBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => (d.Key, d.Count, d.CountDiff)).ToList();

    private Dictionary<string, HeapStatistic> Grouped(SnapshotGrouping groupBy)
    {
        switch (groupBy)
        {
            case SnapshotGrouping.Type:
                return Merge(g => g.Type);
            case SnapshotGrouping.Site:
                if (!IsTraced)
                {
                    throw new InvalidOperationException("This snapshot was taken while allocation tracing was off, so it has no sites: call HeapInspector.StartTracing() before the allocations, then take the snapshots.");
                }

                return Merge(g => g.Site?.ToString() ?? UnknownSite);
            default:
                throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "not a SnapshotGrouping");
        }
    }

    private Dictionary<string, HeapStatistic> Merge(Func<(string Type, AllocationSite? Site), string> keyOf) =>
        _groups.GroupBy(g => keyOf(g.Key)).ToDictionary(
            g => g.Key,
            g => new HeapStatistic(g.Key, g.Sum(e => e.Value.Count), g.Sum(e => e.Value.Size)));
}

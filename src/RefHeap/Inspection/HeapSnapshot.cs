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

/// <summary>One group of a snapshot: its type name or allocation site, and how many objects it has.</summary>
public readonly record struct HeapStatistic(string Key, int Count);

/// <summary>One group compared between two snapshots: the count now and its change (tracemalloc's <c>StatisticDiff</c>).</summary>
public readonly record struct HeapStatisticDiff(string Key, int Count, int CountDiff);

/// <summary>
/// The live objects of a heap at one moment, counted by type and, when allocation tracing was on, by allocation site
/// (see <see cref="HeapInspector.TakeSnapshot"/>). It sees the objects the collector tracks and, while tracing, every
/// object allocated since tracing started (tracked or not). It holds counts, not the objects.
/// </summary>
public sealed class HeapSnapshot
{
    /// <summary>The group of objects allocated before tracing started (or while it was off).</summary>
    public const string UnknownSite = "(allocated while tracing was off)";

    private readonly IReadOnlyDictionary<(string Type, AllocationSite? Site), int> _groups;

    internal HeapSnapshot(IReadOnlyDictionary<(string Type, AllocationSite? Site), int> groups, long liveObjects, bool traced)
    {
        _groups = groups;
        LiveObjects = liveObjects;
        IsTraced = traced;
        Counts = groups.GroupBy(g => g.Key.Type).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
    }

    /// <summary>Objects per readable type name.</summary>
    public IReadOnlyDictionary<string, int> Counts { get; }

    /// <summary>All live objects of the heap, seen by the snapshot or not.</summary>
    public long LiveObjects { get; }

    /// <summary>True if allocation tracing was on when the snapshot was taken, so it can be grouped by site.</summary>
    public bool IsTraced { get; }

    /// <summary>
    /// tracemalloc's <c>Snapshot.statistics</c>: the <paramref name="limit"/> largest groups, largest first
    /// (ties by key, ordinal).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="limit"/> is not positive.</exception>
    /// <exception cref="InvalidOperationException">Grouping by site a snapshot taken while tracing was off.</exception>
    public IReadOnlyList<HeapStatistic> Statistics(SnapshotGrouping groupBy, int limit = 10)
    {
        if (limit <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "limit must be positive");
        }

        return Grouped(groupBy).Select(kv => new HeapStatistic(kv.Key, kv.Value))
            .OrderByDescending(s => s.Count).ThenBy(s => s.Key, StringComparer.Ordinal)
            .Take(limit).ToList();
    }

    /// <summary>
    /// tracemalloc's <c>Snapshot.compare_to</c>: every group of either snapshot with its count now and its change
    /// since <paramref name="old"/>, the largest change first (then the largest count, then by key).
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="old"/> is null.</exception>
    /// <exception cref="InvalidOperationException">Grouping by site a snapshot taken while tracing was off.</exception>
    public IReadOnlyList<HeapStatisticDiff> CompareTo(HeapSnapshot old, SnapshotGrouping groupBy)
    {
        ArgumentNullException.ThrowIfNull(old);
        Dictionary<string, int> now = Grouped(groupBy);
        Dictionary<string, int> before = old.Grouped(groupBy);
        return now.Keys.Union(before.Keys)
            .Select(key => new HeapStatisticDiff(key, now.GetValueOrDefault(key), now.GetValueOrDefault(key) - before.GetValueOrDefault(key)))
            .OrderByDescending(d => Math.Abs(d.CountDiff)).ThenByDescending(d => d.Count).ThenBy(d => d.Key, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary><c>objgraph.growth</c>: the types whose count grew since <paramref name="earlier"/>, largest growth first.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="earlier"/> is null.</exception>
    public IReadOnlyList<(string Type, int Count, int Delta)> GrowthSince(HeapSnapshot earlier) =>
        CompareTo(earlier, SnapshotGrouping.Type).Where(d => d.CountDiff > 0)
            .OrderByDescending(d => d.CountDiff).ThenBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => (d.Key, d.Count, d.CountDiff)).ToList();

    private Dictionary<string, int> Grouped(SnapshotGrouping groupBy)
    {
        switch (groupBy)
        {
            case SnapshotGrouping.Type:
                return new Dictionary<string, int>(Counts);
            case SnapshotGrouping.Site:
                if (!IsTraced)
                {
                    throw new InvalidOperationException("This snapshot was taken while allocation tracing was off, so it has no sites: call HeapInspector.StartTracing() before the allocations, then take the snapshots.");
                }

                return _groups.GroupBy(g => g.Key.Site?.ToString() ?? UnknownSite).ToDictionary(g => g.Key, g => g.Sum(e => e.Value));
            default:
                throw new ArgumentOutOfRangeException(nameof(groupBy), groupBy, "not a SnapshotGrouping");
        }
    }
}

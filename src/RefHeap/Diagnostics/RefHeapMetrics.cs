using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace RefHeap;

/// <summary>
/// The names RefHeap publishes through <see cref="System.Diagnostics.Metrics"/>: one meter, <see cref="MeterName"/>,
/// whose instruments follow OpenTelemetry's semantic conventions for runtime metrics (<c>cpython.gc.*</c>,
/// <c>dotnet.gc.*</c>) under the <c>refheap.</c> prefix. Watch them with
/// <c>dotnet-counters monitor --counters RefHeap</c>, or subscribe with a <see cref="MeterListener"/> or OpenTelemetry's
/// <c>AddMeter("RefHeap")</c>. docs/runtime.md (Metrics) lists units and tags.
/// </summary>
public static class RefHeapMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "RefHeap";

    /// <summary>The tag on the per-generation instruments: the generation collected, 0, 1 or 2 (an <see cref="int"/>).</summary>
    public const string GenerationTag = "refheap.gc.generation";

    /// <summary>Observable up-down counter, <c>{object}</c>: objects allocated on all heaps and not yet deallocated.</summary>
    public const string LiveObjects = "refheap.heap.objects";

    /// <summary>Observable up-down counter, <c>{object}</c>: objects the cycle collectors of all heaps track (frozen ones included).</summary>
    public const string TrackedObjects = "refheap.gc.tracked_objects";

    /// <summary>Counter, <c>{collection}</c>, tagged by generation: collections run (a collection of generation 2 counts for 2 only).</summary>
    public const string Collections = "refheap.gc.collections";

    /// <summary>Counter, <c>{object}</c>, tagged by generation: unreachable objects freed.</summary>
    public const string CollectedObjects = "refheap.gc.collected_objects";

    /// <summary>Counter, <c>{object}</c>, tagged by generation: unreachable objects that could not be freed (put in <see cref="Gc.Garbage"/>).</summary>
    public const string UncollectableObjects = "refheap.gc.uncollectable_objects";

    /// <summary>Histogram, <c>s</c>, tagged by generation: how long each collection paused its heap's thread.</summary>
    public const string PauseDuration = "refheap.gc.pause.duration";

    /// <summary>Observable up-down counter, <c>{arena}</c>: arenas the allocators of all heaps hold (<see cref="ObjectAllocator.ArenasCurrent"/>).</summary>
    public const string Arenas = "refheap.allocator.arenas";

    /// <summary>Observable up-down counter, <c>By</c>: bytes of arena memory reserved by all heaps' allocators.</summary>
    public const string MemoryReserved = "refheap.allocator.memory.reserved";

    /// <summary>Observable up-down counter, <c>By</c>: bytes of small-object blocks in use, on all heaps.</summary>
    public const string MemoryUsed = "refheap.allocator.memory.used";

    /// <summary>Observable up-down counter, <c>By</c>: bytes of objects over 512 bytes, allocated outside the arenas, on all heaps.</summary>
    public const string LargeObjectMemory = "refheap.allocator.large_object.memory";
}

/// <summary>
/// The instruments of the <see cref="RefHeapMetrics.MeterName"/> meter, shared by every heap. Recording is guarded by
/// <see cref="Instrument.Enabled"/>, so with nobody listening a collection pays a few field reads and no clock read.
/// </summary>
/// <remarks>
/// Observers call the observable instruments on their own thread, so those read only figures a heap keeps as plain
/// numbers (never its lists): a torn or slightly stale value is possible, corruption is not.
/// </remarks>
internal sealed class CollectorMetrics
{
    // Boxed once: a tag array per collection would allocate. (Initialized before Shared: static fields initialize in order.)
    private static readonly KeyValuePair<string, object?>[] GenerationTags = CreateGenerationTags();

    /// <summary>Created with the first heap, so that a listener sees the meter before the first collection.</summary>
    public static readonly CollectorMetrics Shared = new();

    private readonly Meter _meter;
    private readonly Counter<long> _collections;
    private readonly Counter<long> _collected;
    private readonly Counter<long> _uncollectable;
    private readonly Histogram<double> _pauseDuration;

    private CollectorMetrics()
    {
        _meter = new Meter(RefHeapMetrics.MeterName, typeof(CollectorMetrics).Assembly.GetName().Version?.ToString());
        _collections = _meter.CreateCounter<long>(RefHeapMetrics.Collections, "{collection}", "Collections run, per generation collected.");
        _collected = _meter.CreateCounter<long>(RefHeapMetrics.CollectedObjects, "{object}", "Unreachable objects freed by the cycle collector.");
        _uncollectable = _meter.CreateCounter<long>(RefHeapMetrics.UncollectableObjects, "{object}", "Unreachable objects the cycle collector could not free (legacy finalizers).");
        _pauseDuration = _meter.CreateHistogram<double>(RefHeapMetrics.PauseDuration, "s", "Duration of each collection, during which its heap's thread is paused.");
        CreateHeapGauge(RefHeapMetrics.LiveObjects, "{object}", "Objects allocated and not yet deallocated, on all heaps.", heap => heap.LiveObjectCount);
        CreateHeapGauge(RefHeapMetrics.TrackedObjects, "{object}", "Objects tracked by the cycle collectors of all heaps.", heap => heap.Collector.TrackedCount);
        CreateHeapGauge(RefHeapMetrics.Arenas, "{arena}", "Arenas held by the object allocators of all heaps.", heap => heap.Allocator.ArenasCurrent);
        CreateHeapGauge(RefHeapMetrics.MemoryReserved, "By", "Arena memory reserved by the object allocators of all heaps.", heap => heap.Allocator.BytesReserved);
        CreateHeapGauge(RefHeapMetrics.MemoryUsed, "By", "Small-object blocks in use on all heaps.", heap => heap.Allocator.BytesInUse);
        CreateHeapGauge(RefHeapMetrics.LargeObjectMemory, "By", "Objects over 512 bytes, allocated outside the arenas, on all heaps.", heap => heap.Allocator.LargeObjectBytes);
    }

    /// <summary>Called before a collection: the start timestamp, or 0 when nobody listens to the pause histogram.</summary>
    public long CollectionStarting() => _pauseDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Called after a collection of <paramref name="generation"/> that started at <paramref name="started"/>.</summary>
    public void CollectionFinished(int generation, long started, long collected, long uncollectable)
    {
        KeyValuePair<string, object?> tag = GenerationTags[generation];
        if (started != 0 && _pauseDuration.Enabled)
        {
            _pauseDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tag);
        }

        if (_collections.Enabled)
        {
            _collections.Add(1, tag);
        }

        if (_collected.Enabled)
        {
            _collected.Add(collected, tag);
        }

        if (_uncollectable.Enabled)
        {
            _uncollectable.Add(uncollectable, tag);
        }
    }

    private static KeyValuePair<string, object?>[] CreateGenerationTags()
    {
        var tags = new KeyValuePair<string, object?>[CycleCollector.GenerationCount];
        for (int generation = 0; generation < tags.Length; generation++)
        {
            tags[generation] = new KeyValuePair<string, object?>(RefHeapMetrics.GenerationTag, generation);
        }

        return tags;
    }

    /// <summary>
    /// A process-wide figure summed over the heaps that have live objects: each heap-level figure is one call.
    /// </summary>
    private void CreateHeapGauge(string name, string unit, string description, Func<Heap, long> read) =>
        _meter.CreateObservableUpDownCounter(name, () =>
        {
            long total = 0;
            foreach (Heap heap in HeapRegistry.HeapsWithLiveObjects())
            {
                total += read(heap);
            }

            return total;
        }, unit, description);
}

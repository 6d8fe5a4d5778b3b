using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Metrics;

/// <summary>
/// The meter is process-wide, so these tests run alone (no other test allocates or collects meanwhile): the observable
/// figures are compared before and after, and the measurements of the collection counters are taken from this
/// test's thread only.
/// </summary>
[CollectionDefinition(nameof(RefHeapMetricsTests), DisableParallelization = true)]
public sealed class MetricsCollection
{
}

[Collection(nameof(RefHeapMetricsTests))]
public sealed class RefHeapMetricsTests
{
    [Fact]
    public void CollectionsCollectedObjectsAndPausesAreCountedPerGeneration()
    {
        using var heap = new TestHeap();
        using var recorder = new MeasurementRecorder(Environment.CurrentManagedThreadId);
        MakeCycle();
        MakeCycle();
        Assert.Equal(4, Gc.Collect(0));
        MakeCycle();
        Assert.Equal(2, Gc.Collect(2));
        Assert.Equal(0, Gc.Collect(2));

        Assert.Equal(new long[] { 1, 0, 2 }, recorder.SumPerGeneration(RefHeapMetrics.Collections));
        Assert.Equal(new long[] { 4, 0, 2 }, recorder.SumPerGeneration(RefHeapMetrics.CollectedObjects));
        Assert.Equal(new long[] { 0, 0, 0 }, recorder.SumPerGeneration(RefHeapMetrics.UncollectableObjects));
        IReadOnlyList<(int Generation, double Value)> pauses = recorder.Values(RefHeapMetrics.PauseDuration);
        Assert.Equal(new[] { 0, 2, 2 }, pauses.Select(p => p.Generation));
        Assert.All(pauses, p => Assert.InRange(p.Value, 0.0, 60.0));
    }

    [Fact]
    public void LegacyFinalizersInACycleAreCountedAsUncollectable()
    {
        using var heap = new TestHeap(FinalizationMode.Legacy);
        using var recorder = new MeasurementRecorder(Environment.CurrentManagedThreadId);
        var first = new FinalizedNode();
        var second = new FinalizedNode();
        RefField.Set(ref first.Next, second);
        RefField.Set(ref second.Next, first);
        first.DecRef();
        second.DecRef();

        Assert.Equal(2, Gc.Collect(1));

        Assert.Equal(new long[] { 0, 1, 0 }, recorder.SumPerGeneration(RefHeapMetrics.Collections));
        Assert.Equal(new long[] { 0, 0, 0 }, recorder.SumPerGeneration(RefHeapMetrics.CollectedObjects));
        Assert.Equal(new long[] { 0, 2, 0 }, recorder.SumPerGeneration(RefHeapMetrics.UncollectableObjects));
    }

    [Fact]
    public void WithoutAPauseListenerNoClockIsRead()
    {
        using var heap = new TestHeap();
        using var recorder = new MeasurementRecorder(Environment.CurrentManagedThreadId, RefHeapMetrics.Collections);
        Assert.Equal(0, CollectorMetrics.Shared.CollectionStarting());
        MakeCycle();
        Gc.Collect();

        Assert.Equal(new long[] { 0, 0, 1 }, recorder.SumPerGeneration(RefHeapMetrics.Collections));
        Assert.Empty(recorder.Values(RefHeapMetrics.PauseDuration));
    }

    [Fact]
    public void LiveAndTrackedObjectsAreObservedAcrossHeapsAndThreads()
    {
        using var recorder = new MeasurementRecorder(threadId: null);
        (long Live, long Tracked) before = recorder.Observe();

        using var heap = new TestHeap();
        var node = new Node();
        var leaf = new Leaf();
        RefField.Set(ref node.Next, leaf);
        Assert.Equal((before.Live + 2, before.Tracked + 1), recorder.Observe());

        // A heap owned by another thread, observed from this one while it is alive.
        using var created = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var other = new Thread(() =>
        {
            var otherHeap = new Heap();
            var nodes = new[] { new Node(otherHeap), new Node(otherHeap), new Node(otherHeap) };
            created.Set();
            release.Wait();
            Array.ForEach(nodes, n => n.DecRef());
        });
        other.Start();
        created.Wait();
        Assert.Equal((before.Live + 5, before.Tracked + 4), recorder.Observe());
        release.Set();
        other.Join();

        // The leaf outlives the node (this method still owns it), so the heap stays observed while the node's death counts.
        node.DecRef();
        Assert.Equal((before.Live + 1, before.Tracked), recorder.Observe());
        leaf.DecRef();
        Assert.Equal(before, recorder.Observe());
    }

    [Fact]
    public void AllocatorArenasAndBytesAreObserved()
    {
        using var recorder = new MeasurementRecorder(threadId: null);
        recorder.Observe();
        long arenas = recorder.Observed(RefHeapMetrics.Arenas), reserved = recorder.Observed(RefHeapMetrics.MemoryReserved), used = recorder.Observed(RefHeapMetrics.MemoryUsed);

        // A new heap's first object takes an arena of its own from the process-wide address space.
        using var heap = new TestHeap();
        var node = new Node();
        var leaf = new Leaf();
        recorder.Observe();
        Assert.True(heap.Heap.Allocator.BytesInUse > 0);
        Assert.Equal(arenas + heap.Heap.Allocator.ArenasCurrent, recorder.Observed(RefHeapMetrics.Arenas));
        Assert.Equal(reserved + heap.Heap.Allocator.BytesReserved, recorder.Observed(RefHeapMetrics.MemoryReserved));
        Assert.Equal(used + heap.Heap.Allocator.BytesInUse, recorder.Observed(RefHeapMetrics.MemoryUsed));

        node.DecRef();
        leaf.DecRef();
        recorder.Observe();
        Assert.Equal(used, recorder.Observed(RefHeapMetrics.MemoryUsed));
    }

    private static void MakeCycle()
    {
        var a = new Node();
        var b = new Node();
        RefField.Set(ref a.Next, b);
        RefField.Set(ref b.Next, a);
        a.DecRef();
        b.DecRef();
    }

    /// <summary>Holds no strong reference, so it is not tracked.</summary>
    private sealed class Leaf : RefObject
    {
    }

    private sealed class FinalizedNode : RefObject
    {
        public RefObject? Next;

        protected override void OnFinalize()
        {
        }
    }

    /// <summary>Listens to the RefHeap meter; keeps the measurements made on one thread (or all, for the observable ones).</summary>
    private sealed class MeasurementRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly int? _threadId;
        private readonly List<(string Instrument, int Generation, double Value)> _measurements = new();
        private readonly Dictionary<string, long> _observed = new();
        private long _live;
        private long _tracked;

        public MeasurementRecorder(int? threadId, params string[] instruments)
        {
            _threadId = threadId;
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == RefHeapMetrics.MeterName && (instruments.Length == 0 || instruments.Contains(instrument.Name)))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
            _listener.Start();
        }

        public long[] SumPerGeneration(string instrument)
        {
            var sums = new long[Gc.GenerationCount];
            foreach ((int generation, double value) in Values(instrument))
            {
                sums[generation] += (long)value;
            }

            return sums;
        }

        public IReadOnlyList<(int Generation, double Value)> Values(string instrument)
        {
            lock (_measurements)
            {
                return _measurements.Where(m => m.Instrument == instrument).Select(m => (m.Generation, m.Value)).ToList();
            }
        }

        public (long Live, long Tracked) Observe()
        {
            _listener.RecordObservableInstruments();
            return (_live, _tracked);
        }

        /// <summary>The last value an observable instrument reported (call <see cref="Observe"/> first).</summary>
        public long Observed(string instrument)
        {
            lock (_observed)
            {
                return _observed.TryGetValue(instrument, out long value) ? value : 0;
            }
        }

        public void Dispose() => _listener.Dispose();

        private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            switch (instrument.Name)
            {
                case RefHeapMetrics.LiveObjects:
                    _live = (long)value;
                    return;
                case RefHeapMetrics.TrackedObjects:
                    _tracked = (long)value;
                    return;
                case RefHeapMetrics.Arenas or RefHeapMetrics.MemoryReserved or RefHeapMetrics.MemoryUsed or RefHeapMetrics.LargeObjectMemory:
                    lock (_observed)
                    {
                        _observed[instrument.Name] = (long)value;
                    }

                    return;
            }

            if (_threadId is int id && Environment.CurrentManagedThreadId != id)
            {
                return;
            }

            Assert.Equal(1, tags.Length);
            Assert.Equal(RefHeapMetrics.GenerationTag, tags[0].Key);
            lock (_measurements)
            {
                _measurements.Add((instrument.Name, (int)tags[0].Value!, value));
            }
        }
    }
}

using BenchmarkDotNet.Attributes;
using RefHeap;

namespace RefHeap.Benchmarks;

/// <summary>
/// Allocation throughput: <c>new</c> then release of a two-field object, one at a time (the freed block is reused at
/// once) and in batches of 1,000 (the allocator walks fresh blocks and pools), on a heap that keeps one other object
/// alive (as a program's heap does; an empty heap also gives back its registry slot and its last pool on every release).
/// Run on a commit with the allocator model and on one without it to get the model's cost (docs/performance.md, "Allocator").
/// </summary>
[MemoryDiagnoser]
public class AllocationBenchmarks
{
    private const int Batch = 1000;

    private sealed class Pair : RefObject
    {
        public RefObject? First;

        public RefObject? Second;
    }

    private readonly HeapScope _scope;
    private readonly Pair[] _batch = new Pair[Batch];
    private readonly Pair _resident;

    public AllocationBenchmarks()
    {
        _scope = new Heap().Activate();
        Gc.Disable();
        _resident = new Pair();
    }

    /// <summary>One object made and released.</summary>
    [Benchmark(Baseline = true)]
    public void NewAndRelease() => new Pair().DecRef();

    /// <summary>1,000 objects made, then released in the same order; the figure is per object.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public void NewBatchThenRelease()
    {
        Pair[] batch = _batch;
        for (int i = 0; i < batch.Length; i++)
        {
            batch[i] = new Pair();
        }

        for (int i = 0; i < batch.Length; i++)
        {
            batch[i].DecRef();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _resident.DecRef();
        System.GC.KeepAlive(_scope);
    }
}

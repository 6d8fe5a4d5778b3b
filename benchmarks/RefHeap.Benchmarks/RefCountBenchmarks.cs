using System;
using BenchmarkDotNet.Attributes;
using RefHeap;

namespace RefHeap.Benchmarks;

/// <summary>
/// An IncRef+DecRef pair: on one hot object (CPython's <c>y = x</c> loop) and on 4M (2^22) objects in random order (the
/// script's C stand-in), each with the thread check every count change makes (the object's heap must be the one
/// the calling thread holds: one thread-static read and a compare).
/// </summary>
[MemoryDiagnoser]
public class RefCountBenchmarks
{
    private const int ColdObjects = 1 << 22;

    private sealed class Slot : RefObject
    {
    }

    private readonly HeapScope _scope;
    private Slot _hot = null!;
    private Slot[] _cold = null!;
    private int[] _order = null!;
    private int _next;

    public RefCountBenchmarks() => _scope = new Heap().Activate();

    [GlobalSetup]
    public void Setup()
    {
        _hot = new Slot();
        _cold = new Slot[ColdObjects];
        _order = new int[ColdObjects];
        var random = new Random(42);
        for (int i = 0; i < ColdObjects; i++)
        {
            _cold[i] = new Slot();
            _order[i] = random.Next(ColdObjects);
        }
    }

    /// <summary>One pair on a hot object.</summary>
    [Benchmark(Baseline = true)]
    public void IncRefDecRefHot()
    {
        Slot obj = _hot;
        obj.IncRef();
        obj.DecRef();
    }

    /// <summary>One pair on an object picked at random among 4M (cache misses dominate).</summary>
    [Benchmark]
    public void IncRefDecRefRandomOf4M()
    {
        Slot obj = _cold[_order[_next++ & (ColdObjects - 1)]];
        obj.IncRef();
        obj.DecRef();
    }

    [GlobalCleanup]
    public void Cleanup() => GC.KeepAlive(_scope);
}

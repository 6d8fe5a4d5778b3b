using System;
using RefHeap;

namespace RefSafety.Tests.Hazards;

/// <summary>A fresh heap made current for one test, automatic collection off: only an explicit Gc.Collect frees cycles.</summary>
internal sealed class HazardHeap : IDisposable
{
    private readonly HeapScope _scope;

    public HazardHeap(FinalizationMode mode = FinalizationMode.Pep442)
    {
        Heap = new Heap(mode);
        _scope = Heap.Activate();
        Gc.Disable();
    }

    public Heap Heap { get; }

    public void Dispose() => _scope.Dispose();
}

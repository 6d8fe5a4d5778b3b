using System;
using System.IO;
using RefHeap;

namespace RefHeap.Tests;

/// <summary>
/// A fresh heap made current for one test, with automatic collection off (like CPython's <c>gc.disable()</c> in
/// test_gc), so each test sees only its own objects and collections.
/// </summary>
internal sealed class TestHeap : IDisposable
{
    private readonly HeapScope _scope;

    public TestHeap(FinalizationMode mode = FinalizationMode.Pep442, bool automatic = false)
    {
        Heap = new Heap(mode);
        Heap.DebugOutput = Output;
        _scope = Heap.Activate();
        if (!automatic)
        {
            Gc.Disable();
        }
    }

    public Heap Heap { get; }

    public StringWriter Output { get; } = new();

    /// <summary>Set when a test expects unraisable exceptions or debug output; otherwise any output fails the test.</summary>
    public bool ExpectOutput { get; set; }

    public void Dispose()
    {
        _scope.Dispose();
        if (!ExpectOutput)
        {
            Xunit.Assert.True(Output.ToString().Length == 0, "Unexpected heap output (an unraisable exception?):\n" + Output);
        }
    }
}

/// <summary>A plain node with one strong field, the shape of most of CPython's gc tests.</summary>
internal class Node : RefObject
{
    public RefObject? Next;

    public string? Name;

    public Node(string? name = null) => Name = name;

    public Node(Heap heap, string? name = null)
        : base(heap) => Name = name;
}

using System;
using System.Collections.Generic;
using System.Reflection;
using System.Threading;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Memory;

/// <summary>
/// The heap's memory policies: a full .NET collection once the freed bytes reach the threshold and exceed those still
/// in use (never inside a cycle collection), and the field offsets the collector reads strong fields at.
/// </summary>
public class ReclaimTests
{
    private sealed class Node : RefObject
    {
        public Node? Next;
    }

    private class Base : RefObject
    {
        public RefObject? First;
        public int Number;
    }

    private sealed class Derived : Base
    {
        public long Wide;
        public RefObject? Second;
        public string? Text;
        public Node? Third;
    }

    // A C# destructor, which REFS022 reports: the offsets are measured on an object no constructor ran on.
    private sealed class WithDestructor : RefObject
    {
        public static int Runs;

        public Node? Next = null;

        ~WithDestructor() => Interlocked.Increment(ref Runs);
    }

    // Enough 48-byte blocks (a header and one field) to pass the default threshold.
    private static int ObjectsFor(long bytes) => (int)(bytes / 48) + 1;

    [Fact]
    public void FreeingMoreThanTheThresholdAndTheLiveBytesRunsOneFullDotNetCollection()
    {
        using var heap = new TestHeap();
        var list = new RefList<Node>();

        // The policy only collects while the .NET heap still holds the freed objects; tests running in parallel make
        // .NET collect at any time, so this test keeps them reachable for .NET (RefHeap frees them all the same).
        var heldForDotNet = new List<Node>();
        for (int i = 0; i < ObjectsFor(Heap.ReclaimThreshold); i++)
        {
            using var node = new Node();
            list.Add(node);
            heldForDotNet.Add(node);
        }

        Assert.Equal(0, heap.Heap.ReclaimCollectionCount);
        list.DecRef();
        Assert.Equal(1, heap.Heap.ReclaimCollectionCount);
        GC.KeepAlive(heldForDotNet);
    }

    [Fact]
    public void FreeingLessThanWhatStaysInUseRunsNone()
    {
        using var heap = new TestHeap();
        var kept = new List<Node>();
        for (int i = 0; i < 2 * ObjectsFor(Heap.ReclaimThreshold); i++)
        {
            kept.Add(new Node());
        }

        var freed = new RefList<Node>();
        for (int i = 0; i < ObjectsFor(Heap.ReclaimThreshold); i++)
        {
            using var node = new Node();
            freed.Add(node);
        }

        freed.DecRef();
        Assert.Equal(0, heap.Heap.ReclaimCollectionCount);
        kept.ForEach(node => node.DecRef());
        Assert.NotEqual(0, heap.Heap.ReclaimCollectionCount);
    }

    [Fact]
    public void CyclicTrashIsReclaimedAfterTheCollectionNotDuringIt()
    {
        using var heap = new TestHeap();
        int pairs = (ObjectsFor(Heap.ReclaimThreshold) + 1) / 2;
        var heldForDotNet = new List<Node>(); // as in the test above: .NET must still hold what RefHeap frees
        for (int i = 0; i < pairs; i++)
        {
            var a = new Node();
            var b = new Node();
            a.Next = b;
            b.Next = a;
            heldForDotNet.Add(a);
            heldForDotNet.Add(b);
        }

        int duringCollection = -1;
        Gc.Callbacks.Add((phase, _) =>
        {
            if (phase == GcPhase.Stop)
            {
                duringCollection = heap.Heap.ReclaimCollectionCount;
            }
        });
        Assert.Equal(2 * pairs, Gc.Collect());
        Assert.Equal(0, duringCollection);
        Assert.Equal(1, heap.Heap.ReclaimCollectionCount);
        GC.KeepAlive(heldForDotNet);
    }

    [Fact]
    public void MeasuredOffsetsReadEveryStrongFieldIncludingTheBaseClasses()
    {
        using var heap = new TestHeap();
        using var first = new Node();
        using var second = new Node();
        using var third = new Node();
        using var obj = new Derived { Number = 7, Wide = -1, Text = "x" };
        RefField.Set(ref obj.First, first);
        RefField.Set(ref obj.Second, second);
        RefField.Set(ref obj.Third, third);

        TypeLayout layout = TypeLayout.Of(typeof(Derived));
        nint[] offsets = Assert.IsType<nint[]>(layout.StrongFieldOffsets);
        Assert.Equal(3, offsets.Length);
        for (int i = 0; i < offsets.Length; i++)
        {
            FieldInfo field = layout.StrongFields[i];
            Assert.Same(field.GetValue(obj), TypeLayout.FieldAt(obj, offsets[i]));
        }
    }

    [Fact]
    public void MeasuringOffsetsNeverRunsTheDestructorOfTheSampleObject()
    {
        TypeLayout.Of(typeof(WithDestructor));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(0, Volatile.Read(ref WithDestructor.Runs));
    }

    [Fact]
    public void TypesThatTraverseThemselvesHaveNoOffsets() =>
        Assert.Null(TypeLayout.Of(typeof(RefList<Node>)).StrongFieldOffsets);
}

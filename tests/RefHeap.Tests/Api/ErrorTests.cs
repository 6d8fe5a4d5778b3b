using System;
using System.IO;
using System.Threading;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Api;

public class ErrorTests
{
    private sealed class ThrowingFinalizer : RefObject
    {
        protected override void OnFinalize() => throw new InvalidOperationException("boom in finalizer");
    }

    private sealed class FinalizerInCycle : RefObject
    {
        public RefObject? Self;

        protected override void OnFinalize() => throw new InvalidOperationException("boom in cyclic finalizer");
    }

    [Fact]
    public void DecRefOnADeadObjectNamesTheObjectAndItsType()
    {
        using var heap = new TestHeap();
        var node = new Node();
        node.DecRef();

        var error = Assert.Throws<ReleasedObjectException>(() => node.DecRef());

        Assert.Equal("DecRef", error.Operation);
        Assert.Equal(typeof(Node), error.ObjectType);
        Assert.Contains("<Node 0x", error.Message);
        Assert.Contains("RefHeap.Tests.Node", error.Message);
        Assert.Throws<ReleasedObjectException>(() => node.IncRef());
        Assert.Throws<ReleasedObjectException>(() => node.Dispose());
    }

    [Fact]
    public void InvalidArgumentsThrowArgumentOutOfRange()
    {
        using var heap = new TestHeap();
        Assert.Throws<ArgumentOutOfRangeException>(() => Gc.Collect(3));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gc.Collect(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gc.SetThreshold(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gc.SetThreshold(700, -10));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gc.GetObjects(5));
        Assert.Equal((700, 10, 10), Gc.GetThreshold());
    }

    [Fact]
    public void ThresholdsDefaultToCPythonsAndCanBeChanged()
    {
        using var heap = new TestHeap();
        Assert.Equal((700, 10, 10), Gc.GetThreshold());
        Gc.SetThreshold(100);
        Assert.Equal((100, 10, 10), Gc.GetThreshold());
        Gc.SetThreshold(5, 6, 7);
        Assert.Equal((5, 6, 7), Gc.GetThreshold());
    }

    [Fact]
    public void AutomaticCollectionStartsWhenAllocationsExceedThreshold0()
    {
        using var heap = new TestHeap(automatic: true);
        Gc.SetThreshold(10);
        var kept = new RefList<Node>();
        Gc.Collect(0); // count 0 back to zero
        var collections = 0;
        Gc.Callbacks.Add((phase, info) => collections += phase == GcPhase.Stop && info.Generation == 0 ? 1 : 0);
        for (int i = 0; i < 10; i++)
        {
            using var node = new Node();
            kept.Add(node);
        }

        Assert.Equal(0, collections);
        new Node().DecRef();
        Assert.Equal(1, collections);
        kept.DecRef();
        Gc.Disable();
        Assert.False(Gc.IsEnabled());
    }

    [Fact]
    public void UseFromAnotherThreadThrowsAndChangesNothing()
    {
        using var heap = new TestHeap();
        heap.Heap.AcquireTimeout = TimeSpan.Zero;
        var node = new Node();
        var list = new RefList<Node>();
        Exception? incRef = null, decRef = null, add = null, collect = null, weak = null, allocate = null;
        var thread = new Thread(() =>
        {
            incRef = Record.Exception(node.IncRef);
            decRef = Record.Exception(node.DecRef);
            add = Record.Exception(() => list.Add(node));
            weak = Record.Exception(() => new WeakRef<Node>(node));
            allocate = Record.Exception(() => new Node(heap.Heap));
            collect = Record.Exception(() => heap.Heap.Activate());
        });
        thread.Start();
        thread.Join();

        Assert.All(new[] { incRef, decRef, add, weak, allocate, collect }, e => Assert.IsType<HeapThreadException>(e));
        Assert.Equal(1, node.RefCount);
        Assert.Empty(list);
        Assert.Equal(2, heap.Heap.LiveObjectCount);
        node.DecRef();
        list.DecRef();
    }

    [Fact]
    public void AThrowingFinalizerIsReportedAndTheHeapStaysConsistent()
    {
        using var heap = new TestHeap();
        UnraisableExceptionEventArgs? reported = null;
        heap.Heap.UnraisableException += (_, e) => reported = e;

        var dying = new ThrowingFinalizer();
        dying.DecRef();

        Assert.False(dying.IsAlive);
        Assert.Equal("boom in finalizer", reported?.Exception.Message);
        Assert.Same(dying, reported!.Object);
        Assert.Equal(0, heap.Heap.LiveObjectCount);
    }

    [Fact]
    public void ThrowingFinalizersAndCallbacksDuringACollectionAreReportedAndTheCollectionCompletes()
    {
        using var heap = new TestHeap { ExpectOutput = true };
        var cyclic = new FinalizerInCycle();
        cyclic.Self = cyclic;
        cyclic.IncRef();
        var other = new Node();
        var weak = new WeakRef<Node>(other, _ => throw new InvalidOperationException("boom in weakref callback"));
        other.Next = other;
        other.IncRef();
        Gc.Callbacks.Add((_, _) => throw new InvalidOperationException("boom in gc callback"));
        cyclic.DecRef();
        other.DecRef();

        Assert.Equal(2, Gc.Collect());

        string output = heap.Output.ToString();
        Assert.Contains("Exception ignored in: <FinalizerInCycle 0x", output);
        Assert.Contains("boom in cyclic finalizer", output);
        Assert.Contains("boom in weakref callback", output);
        Assert.Contains("Exception ignored in garbage collector callback", output);
        Assert.Equal(0, heap.Heap.LiveObjectCount);
        Assert.False(weak.IsAlive);
    }

    [Fact]
    public void DebugStatsUseCPythonsWording()
    {
        using var heap = new TestHeap { ExpectOutput = true };
        var a = new Node();
        a.Next = a;
        Gc.SetDebug(GcDebugFlags.Stats | GcDebugFlags.Collectable);

        Gc.Collect();

        string[] lines = heap.Output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("gc: collecting generation 2...", lines[0]);
        Assert.Equal("gc: objects in each generation: 1 0 0", lines[1]);
        Assert.Equal("gc: objects in permanent generation: 0", lines[2]);
        Assert.Matches(@"^gc: collectable <Node 0x[0-9a-f]{8}>$", lines[3]);
        Assert.Matches(@"^gc: done, 1 unreachable, 0 uncollectable, \d+\.\d{4}s elapsed$", lines[4]);
        Assert.Equal(5, lines.Length);
    }

    [Fact]
    public void DebugLeakSavesEverythingAndReportsUncollectables()
    {
        using var heap = new TestHeap(FinalizationMode.Legacy) { ExpectOutput = true };
        var plain = new Node();
        plain.Next = plain;
        var finalized = new FinalizerInCycle();
        finalized.Self = finalized;
        Gc.SetDebug(GcDebugFlags.Leak);
        Assert.Equal(GcDebugFlags.Collectable | GcDebugFlags.Uncollectable | GcDebugFlags.SaveAll, Gc.GetDebug());

        Assert.Equal(2, Gc.Collect());

        string output = heap.Output.ToString();
        Assert.Matches(@"gc: collectable <Node 0x[0-9a-f]{8}>", output);
        Assert.Matches(@"gc: uncollectable <FinalizerInCycle 0x[0-9a-f]{8}>", output);
        Assert.Equal(2, Gc.Garbage.Count);
        Assert.True(plain.IsAlive);
        Assert.True(finalized.IsAlive);
    }

    [Fact]
    public void DebugOutputGoesToStandardErrorUnlessRedirected()
    {
        var heap = new Heap();
        Assert.Same(Console.Error, heap.DebugOutput);
        var writer = new StringWriter();
        heap.DebugOutput = writer;
        Assert.Same(writer, heap.DebugOutput);
        Assert.Throws<ArgumentNullException>(() => heap.DebugOutput = null!);
    }
}

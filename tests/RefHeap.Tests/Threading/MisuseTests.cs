using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Threading;

/// <summary>Misuse from another thread, or across heaps, throws a clear exception and never corrupts counts or the heap.</summary>
public class MisuseTests
{
    [Fact]
    public void TwoThreadsHammeringOneHeapWithoutHandOffNeverCorruptIt()
    {
        var heap = new Heap { AcquireTimeout = TimeSpan.Zero };
        var shared = new Node(heap);
        var list = new RefList<Node>(heap);
        heap.Release();
        using var holderStarted = new ManualResetEventSlim();
        using var intruderDone = new ManualResetEventSlim();
        const int Rounds = 20_000;
        int refused = 0;
        int holderThread = 0;
        Exception? holderFailure = null;

        var holder = new Thread(() => holderFailure = Record.Exception(() =>
        {
            holderThread = Environment.CurrentManagedThreadId;
            shared.IncRef();
            holderStarted.Set();
            for (int i = 0; i < Rounds; i++)
            {
                shared.IncRef();
                list.Add(shared);
                shared.DecRef();
                if (i % 2 == 0)
                {
                    list.RemoveAt(list.Count - 1);
                }
            }

            // Keep the heap until the intruder is done: a thread that ended would give it up.
            intruderDone.Wait();
        }));
        var intruder = new Thread(() =>
        {
            holderStarted.Wait();
            for (int i = 0; i < Rounds; i++)
            {
                Exception? caught = (i % 4) switch
                {
                    0 => Record.Exception(shared.IncRef),
                    1 => Record.Exception(shared.DecRef),
                    2 => Record.Exception(() => list.Add(shared)),
                    _ => Record.Exception(() => list.Count),
                };
                if (caught is HeapThreadException refusal && refusal.HolderThreadId == holderThread)
                {
                    refused++;
                }
            }

            intruderDone.Set();
        });
        holder.Start();
        intruder.Start();
        holder.Join();
        intruder.Join();

        Assert.Null(holderFailure);
        Assert.Equal(Rounds, refused);
        // Exactly the holder's work: its own reference, plus one per item left in the list.
        Assert.Equal(Rounds / 2, list.Count);
        Assert.Equal(2 + (Rounds / 2), shared.RefCount);
        Assert.All(list, item => Assert.Same(shared, item));
        Assert.Equal(2, heap.LiveObjectCount);
        Assert.Equal(new RefObject[] { list }, Gc.GetReferrers(shared));
        list.DecRef();
        Assert.Equal(2, shared.RefCount);
        shared.DecRef();
        shared.DecRef();
        Assert.Equal(0, heap.LiveObjectCount);
    }

    [Fact]
    public void EveryReadFromAnotherThreadIsRefusedWhileTheHolderKeepsTheHeap()
    {
        using var heap = new TestHeap();
        heap.Heap.AcquireTimeout = TimeSpan.Zero;
        var node = new Node();
        var list = new RefList<Node>();
        var dictionary = new RefDictionary<string, Node>();
        var weakValues = new WeakValueDictionary<string, Node>();
        list.Add(node);
        dictionary["n"] = node;
        weakValues["n"] = node;
        var weak = new WeakRef<Node>(node);
        int me = Environment.CurrentManagedThreadId;
        var reads = new List<Action>
        {
            () => _ = list.Count,
            () => _ = list[0],
            () => list.GetEnumerator(),
            () => _ = list.Contains(node),
            () => _ = dictionary.Count,
            () => dictionary.TryGetValue("n", out _),
            () => _ = dictionary.Keys,
            () => _ = weak.Target,
            () => _ = weak.IsAlive,
            () => weakValues.TryGetValue("n", out _),
            () => WeakRefBase.GetWeakRefCount(node),
            () => Gc.GetReferents(list),
            () => Gc.GetReferrers(node),
            () => Gc.IsTracked(node),
            () => Gc.GetCount(),
        };

        foreach (Action read in reads)
        {
            ThreadAssert.RefusedBy(ThreadAssert.OnOtherThread(read), me);
        }

        // An enumeration started here cannot go on on another thread while this one holds the heap.
        RefList<Node>.Enumerator items = list.GetEnumerator();
        ThreadAssert.RefusedBy(ThreadAssert.OnOtherThread(() => items.MoveNext()), me);
        Assert.True(items.MoveNext());

        Assert.Equal(3, node.RefCount);
        dictionary.DecRef();
        list.DecRef();
        node.DecRef();
        Assert.False(weak.IsAlive);
        Assert.Equal(0, weakValues.Count);
    }

    [Fact]
    public void GetReferrersAnswersForTheObjectsHeapNotTheCallers()
    {
        var objectsHeap = new Heap();
        var target = new Node(objectsHeap, "target");
        var holder = new Node(objectsHeap, "holder");
        RefField.Set(ref holder.Next, target);
        objectsHeap.Release();

        IReadOnlyList<RefObject> fromOtherFlow;
        using (new Heap().Activate())
        {
            fromOtherFlow = Gc.GetReferrers(target);
        }

        objectsHeap.Release();
        RefObject[] fromOtherThread = Array.Empty<RefObject>();
        Assert.Null(ThreadAssert.OnOtherThread(() => fromOtherThread = Gc.GetReferrers(target).ToArray()));

        Assert.Equal(new RefObject[] { holder }, fromOtherFlow);
        Assert.Equal(new RefObject[] { holder }, fromOtherThread);
        holder.DecRef();
        target.DecRef();
        Assert.Equal(0, objectsHeap.LiveObjectCount);
    }

    [Fact]
    public void StoringAnObjectOfAnotherHeapThrowsAtTheStoreAndChangesNoCount()
    {
        using var heap = new TestHeap();
        var other = new Heap();
        var foreign = new Node(other, "foreign");
        var local = new Node("local");
        var list = new RefList<Node> { local };
        var dictionary = new RefDictionary<RefObject, Node>();
        var holder = new Node { Next = local };
        local.IncRef();
        var weakValues = new WeakValueDictionary<string, Node>();
        var weakKeys = new WeakKeyDictionary<Node, int>();

        var stores = new List<(string Operation, Action Store)>
        {
            ("RefList.Add", () => list.Add(foreign)),
            ("RefList.Insert", () => list.Insert(0, foreign)),
            ("RefList.set_Item", () => list[0] = foreign),
            ("RefDictionary.set_Item", () => dictionary[local] = foreign),
            ("RefDictionary.set_Item", () => dictionary[foreign] = local),
            ("RefField.Set", () => RefField.Set(ref holder.Next, foreign)),
            ("RefField.Move", () => RefField.Move(ref holder.Next, foreign)),
            ("WeakValueDictionary.set_Item", () => weakValues["f"] = foreign),
            ("WeakKeyDictionary.set_Item", () => weakKeys[foreign] = 1),
        };

        foreach ((string operation, Action store) in stores)
        {
            HeapMismatchException refused = Assert.Throws<HeapMismatchException>(store);
            Assert.Equal(operation, refused.Operation);
            Assert.Contains($"belongs to heap {other.Id}", refused.Message);
            Assert.Contains($"belongs to heap {heap.Heap.Id}", refused.Message);
        }

        Assert.Equal(1, foreign.RefCount);
        Assert.Equal(3, local.RefCount);
        Assert.Same(local, Assert.Single(list));
        Assert.Same(local, holder.Next);
        Assert.Empty(dictionary);
        Assert.Equal(0, weakValues.Count);
        Assert.Equal(0, weakKeys.Count);

        // Immortal objects belong to no heap and may be stored anywhere.
        var ints = new RefList<RefInt> { RefInt.FromInt64(7) };
        Assert.Single(ints);

        foreach (RefObject obj in new RefObject[] { ints, list, dictionary, holder, local, foreign })
        {
            obj.DecRef();
        }

        Assert.Equal(0, heap.Heap.LiveObjectCount);
        Assert.Equal(0, other.LiveObjectCount);
    }
}

using System.Collections.Generic;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Api;

/// <summary>What the rest of the heap sees of an object between its count reaching zero and its memory being freed.</summary>
public class DyingObjectTests
{
    private sealed class Resurrecting : RefObject
    {
        public static readonly List<Resurrecting> Survivors = new();

        public RefObject? Child;

        protected override void OnFinalize()
        {
            IncRef();
            Survivors.Add(this);
        }
    }

    private sealed class Holder : RefObject
    {
        public RefObject? First;
        public RefObject? Second;
    }

    private sealed class WeakReader : RefObject
    {
        public WeakRef<Node>? Watched;

        public (bool IsAlive, Node? Target, bool Got)? Seen;

        protected override void OnFinalize() =>
            Seen = (Watched!.IsAlive, Watched.Target, Watched.TryGetTarget(out _));
    }

    [Fact]
    public void AResurrectedObjectStillCountsAsAnAllocation()
    {
        using var heap = new TestHeap();
        Gc.Collect();
        var phoenix = new Resurrecting { Child = new Node() };
        int before = Gc.GetCount().Generation0;

        phoenix.DecRef(); // the finalizer resurrects it: nothing was freed

        Assert.Equal(before, Gc.GetCount().Generation0);
        Assert.True(phoenix.IsAlive);
        Assert.Contains(phoenix, Resurrecting.Survivors);

        Resurrecting.Survivors.Remove(phoenix);
        phoenix.DecRef(); // dies for good (PEP 442 finalizes once): both objects are freed
        Assert.Equal(before - 2, Gc.GetCount().Generation0);
    }

    [Fact]
    public void AWeakReferenceToAnObjectWaitingToBeFreedIsAlreadyDead()
    {
        using var heap = new TestHeap();
        var watched = new Node("watched");
        var reader = new WeakReader { Watched = new WeakRef<Node>(watched) };
        var holder = new Holder { First = watched, Second = reader };

        // Clearing the holder releases 'watched' first, then 'reader'; both wait in the deallocation queue, and the
        // reader's finalizer runs while 'watched' (count zero) is still queued with its weak reference set.
        holder.DecRef();

        Assert.Equal((false, (Node?)null, false), reader.Seen);
        Assert.False(reader.Watched!.IsAlive);
    }
}

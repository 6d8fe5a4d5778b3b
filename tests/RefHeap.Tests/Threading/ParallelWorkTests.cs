using System;
using System.Threading.Tasks;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Threading;

/// <summary>
/// Work started in parallel (<c>Task.Run</c>) with a heap's objects: what the analyzer's REFS030 encodes. The starting
/// flow must give the heap up (an <c>await</c> that yields, <see cref="Heap.Release"/>) before the work can use it.
/// </summary>
public class ParallelWorkTests
{
    [Fact]
    public async Task AwaitingTheWorkGivesTheHeapUpSoTheWorkUsesTheCapturedObject()
    {
        var heap = new Heap { AcquireTimeout = TimeSpan.FromSeconds(20) };
        var node = new Node(heap);
        Assert.True(heap.IsHeldByCurrentThread);

        // The await yields back to the test runner's context, which never used the heap: that gives it up.
        int worker = await Task.Run(() =>
        {
            node.IncRef();
            return Environment.CurrentManagedThreadId;
        });

        Assert.Equal(2, node.RefCount);
        node.DecRef();
        node.DecRef();
        Assert.Equal(0, heap.LiveObjectCount);
        Assert.NotEqual(0, worker);
    }

    // Blocking on the work while holding the heap (xUnit1031) is how the starting flow keeps the heap here.
#pragma warning disable xUnit1031
    [Fact]
    public void ObjectsMadeInsideTheWorkBelongToTheStartingFlowsHeap()
    {
        var heap = new Heap { AcquireTimeout = TimeSpan.FromMilliseconds(200) };
        Task<Heap?> work;
        using (heap.Activate())
        {
            // Heap.Current flows into the work: its allocation needs the heap this flow holds.
            work = Task.Run(() =>
            {
                var made = new Node();
                Heap? owner = made.Heap;
                made.DecRef();
                return owner;
            });
            AggregateException failure = Assert.Throws<AggregateException>(() => work.Wait(TimeSpan.FromSeconds(30)));
            ThreadAssert.RefusedBy(failure.InnerException, Environment.CurrentManagedThreadId);

            heap.Release();
            work = Task.Run(() =>
            {
                var made = new Node();
                Heap? owner = made.Heap;
                made.DecRef();
                return owner;
            });
            Assert.True(work.Wait(TimeSpan.FromSeconds(30)));
        }

        Assert.Same(heap, work.Result);
        Assert.Equal(0, heap.LiveObjectCount);
    }

    [Fact]
    public void AHeapOfItsOwnDoesNotLetTheWorkUseTheStartersObjects()
    {
        var heap = new Heap { AcquireTimeout = TimeSpan.FromMilliseconds(200) };
        var node = new Node(heap);

        // Activate changes Heap.Current only: the captured node still needs its own heap, which this flow holds.
        var work = Task.Run(() =>
        {
            using HeapScope scope = new Heap().Activate();
            node.IncRef();
        });
        AggregateException failure = Assert.Throws<AggregateException>(() => work.Wait(TimeSpan.FromSeconds(30)));

        ThreadAssert.RefusedBy(failure.InnerException, Environment.CurrentManagedThreadId);
        Assert.Equal(1, node.RefCount);
        node.DecRef();
        Assert.Equal(0, heap.LiveObjectCount);
    }
#pragma warning restore xUnit1031
}

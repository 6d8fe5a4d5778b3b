using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Threading;

/// <summary>Explicit hand-off: heaps of their own for parallel work, and <see cref="Heap.Release"/> before giving a heap to a thread.</summary>
public class HandOffTests
{
    [Fact]
    public async Task TaskRunFanOutWithAHeapPerTaskRunsInParallelAndHandsBackData()
    {
        const int Workers = 3;
        using var allHoldingTheirHeaps = new Barrier(Workers);
        Task<(Heap Heap, long Collected, int Holder)>[] workers = Enumerable.Range(0, Workers).Select(w => Task.Factory.StartNew(() =>
        {
            using HeapScope scope = new Heap().Activate();
            Gc.Disable();
            for (int i = 0; i <= w; i++)
            {
                var a = new Node();
                var b = new Node();
                a.Next = b;
                b.Next = a;
            }

            // Every worker holds its own heap at this point, at the same time: separate heaps never wait for each other.
            Assert.True(allHoldingTheirHeaps.SignalAndWait(TimeSpan.FromSeconds(30)));
            return (Heap.Current, Gc.Collect(), Heap.Current.HolderThreadId);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();

        var results = await Task.WhenAll(workers);

        Assert.Equal(new long[] { 2, 4, 6 }, results.Select(r => r.Collected));
        Assert.Equal(Workers, results.Select(r => r.Heap).Distinct().Count());
        Assert.Equal(Workers, results.Select(r => r.Holder).Distinct().Count());
        Assert.All(results, r => Assert.Equal(0, r.Heap.LiveObjectCount));
        Assert.All(results, r => Assert.Equal(0, r.Heap.HolderThreadId));
    }

    [Fact]
    public void ADedicatedThreadTakesAHeapTheCreatorReleased()
    {
        var heap = new Heap();
        var list = new RefList<Node>(heap);
        var shared = new Node(heap, "shared");
        Assert.True(heap.IsHeldByCurrentThread);

        Assert.True(heap.Release());
        Assert.False(heap.Release());
        int workerThread = 0;
        Exception? failure = ThreadAssert.OnOtherThread(() =>
        {
            workerThread = Environment.CurrentManagedThreadId;
            for (int i = 0; i < 1000; i++)
            {
                list.Add(shared);
            }

            shared.IncRef();
        });

        Assert.Null(failure);
        Assert.NotEqual(Environment.CurrentManagedThreadId, workerThread);
        // The worker's flow left its thread when the thread ended, which gave the heap up; this thread takes it back.
        Assert.Equal(0, heap.HolderThreadId);
        Assert.Equal(1002, shared.RefCount);
        shared.DecRef();
        Assert.True(heap.IsHeldByCurrentThread);
        list.DecRef();
        Assert.Equal(1, shared.RefCount);
        shared.DecRef();
        Assert.Equal(0, heap.LiveObjectCount);
    }

    [Fact]
    public void AThreadThatEndedHoldingAHeapNoLongerKeepsIt()
    {
        var heap = new Heap { AcquireTimeout = TimeSpan.FromSeconds(10) };
        var node = new Node(heap);
        heap.Release();

        // A thread started without the creator's execution context never switches context, so nothing releases the
        // heap when it ends: a waiter notices that the holder is gone.
        var worker = new Thread(() => node.IncRef());
        using (ExecutionContext.SuppressFlow())
        {
            worker.Start();
        }

        worker.Join();
        Assert.Equal(worker.ManagedThreadId, heap.HolderThreadId);
        node.DecRef();
        Assert.True(heap.IsHeldByCurrentThread);
        Assert.Equal(1, node.RefCount);
        node.DecRef();
        Assert.Equal(0, heap.LiveObjectCount);
    }

    // Blocking on a task while holding the heap (xUnit1031) is the misuse under test.
#pragma warning disable xUnit1031
    [Fact]
    public void BlockingOnWorkThatNeedsTheHeapThrowsNamingBothThreadsAndChangesNothing()
    {
        var heap = new Heap { AcquireTimeout = TimeSpan.FromMilliseconds(200) };
        var node = new Node(heap);
        var list = new RefList<Node>(heap);

        // Sync-over-async while holding the heap: the worker cannot take it.
        var worker = Task.Run(() => list.Add(node));
        AggregateException failure = Assert.Throws<AggregateException>(() => worker.Wait(TimeSpan.FromSeconds(30)));

        ThreadAssert.RefusedBy(failure.InnerException, Environment.CurrentManagedThreadId);
        Assert.Equal(1, node.RefCount);
        Assert.Empty(list);

        // The fix the message gives: release before blocking.
        heap.Release();
        Assert.True(Task.Run(() => list.Add(node)).Wait(TimeSpan.FromSeconds(30)));
        Assert.Equal(2, node.RefCount);
        Assert.Single(list);
        list.DecRef();
        node.DecRef();
        Assert.Equal(0, heap.LiveObjectCount);
    }
#pragma warning restore xUnit1031

    [Fact]
    public void AThreadWaitsWhileTheHolderWorksAndGoesOnWhenItLetsGo()
    {
        var heap = new Heap();
        var node = new Node(heap);
        using var holding = new ManualResetEventSlim();
        using var mayRelease = new ManualResetEventSlim();
        var holder = new Thread(() =>
        {
            node.IncRef();
            holding.Set();
            mayRelease.Wait();
            node.DecRef();
            heap.Release();
        });
        heap.Release();
        holder.Start();
        holding.Wait();

        // The waiter blocks in IncRef until the holder releases, then succeeds: the two never overlap.
        using var waited = new ManualResetEventSlim();
        var waiter = new Thread(() =>
        {
            node.IncRef();
            waited.Set();
        });
        waiter.Start();
        Assert.False(waited.Wait(100));
        mayRelease.Set();
        Assert.True(waited.Wait(TimeSpan.FromSeconds(10)));
        holder.Join();
        waiter.Join();

        Assert.Equal(2, node.RefCount);
        node.DecRef();
        node.DecRef();
        Assert.Equal(0, heap.LiveObjectCount);
    }

    [Fact]
    public void AHeapCannotBeReleasedFromItsOwnFinalizer()
    {
        using var heap = new TestHeap();
        Exception? caught = null;
        var node = new ReleasesInFinalizer(() => caught = Record.Exception(() => heap.Heap.Release()));
        node.DecRef();

        Assert.IsType<InvalidOperationException>(caught);
        Assert.True(heap.Heap.IsHeldByCurrentThread);
    }

    private sealed class ReleasesInFinalizer : RefObject
    {
        private readonly Action _onFinalize;

        public ReleasesInFinalizer(Action onFinalize) => _onFinalize = onFinalize;

        protected override void OnFinalize() => _onFinalize();
    }
}

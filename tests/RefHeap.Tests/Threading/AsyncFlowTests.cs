using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Threading;

/// <summary>
/// Ordinary async code on the default heap, without a line of heap-specific code: objects made before an await are
/// used after it on whatever thread the continuation runs (console app, thread-pool app, request handlers).
/// </summary>
[Collection(DefaultHeapCollection.Name)]
public class AsyncFlowTests
{
    [Fact]
    public async Task AnObjectMadeBeforeAnAwaitIsUsedAfterItOnAnotherThread()
    {
        long before = Heap.Default.LiveObjectCount;
        (int first, int second, long count, int holder) = await Task.Run(async () =>
        {
            int first = Environment.CurrentManagedThreadId;
            using var list = new RefList<Node>();
            using var node = new Node();
            list.Add(node);
            var weak = new WeakRef<Node>(node);

            await new ThreadSwitch();

            node.IncRef();
            list.Add(node);
            node.DecRef();
            Assert.Same(node, weak.Target);
            Assert.Same(node, list[1]);
            Assert.Equal(new RefObject[] { list }, Gc.GetReferrers(node));
            return (first, Environment.CurrentManagedThreadId, node.RefCount, Heap.Default.HolderThreadId);
        });

        Assert.NotEqual(first, second);
        Assert.Equal(3, count);
        Assert.Equal(second, holder);
        Assert.Equal(before, Heap.Default.LiveObjectCount);
    }

    [Fact]
    public void AConsoleAppsAsyncMainUsesItsObjectsAcrossAwaits()
    {
        long before = Heap.Default.LiveObjectCount;
        int mainThread = 0;
        var threads = new System.Collections.Generic.List<int>();
        Exception? failure = null;

        // The shape of a console app: a thread with no SynchronizationContext blocks on an async Main.
        var main = new Thread(() => failure = Record.Exception(() => MainAsync().GetAwaiter().GetResult()));
        main.Start();
        Assert.True(main.Join(TimeSpan.FromSeconds(30)));

        Assert.Null(failure);
        Assert.Equal(4, threads.Count);
        Assert.Contains(threads.Skip(1), t => t != mainThread);
        Assert.Equal(before, Heap.Default.LiveObjectCount);

        async Task MainAsync()
        {
            mainThread = Environment.CurrentManagedThreadId;
            using var cache = new RefDictionary<string, Node>();
            threads.Add(Environment.CurrentManagedThreadId);
            for (int i = 0; i < 3; i++)
            {
                using var node = new Node($"n{i}");
                await Task.Delay(5);
                cache[node.Name!] = node;
                threads.Add(Environment.CurrentManagedThreadId);
            }

            Assert.Equal(new[] { "n0", "n1", "n2" }, cache.Keys.OrderBy(k => k));
            Assert.All(cache.Values, n => Assert.Equal(1, n.RefCount));
        }
    }

    [Fact]
    public async Task ConcurrentRequestsShareTheDefaultHeapOneThreadAtATime()
    {
        long before = Heap.Default.LiveObjectCount;

        // Like ASP.NET Core: each request is a flow on the thread pool, without a SynchronizationContext.
        int[] lineCounts = await Task.WhenAll(Enumerable.Range(0, 16).Select(request => Task.Run(async () =>
        {
            using var order = new RefList<Node>();
            for (int step = 0; step < 5; step++)
            {
                using var line = new Node($"request {request} line {step}");
                await Task.Yield();
                order.Add(line);
                await Task.Delay(1);
                Assert.Equal(2, line.RefCount);
            }

            return order.Count;
        })));

        Assert.All(lineCounts, count => Assert.Equal(5, count));
        Assert.Equal(before, Heap.Default.LiveObjectCount);
    }

    [Fact]
    public async Task AnEnumerationGoesOnAfterAnAwait()
    {
        using var list = new RefList<Node>();
        foreach (string name in new[] { "a", "b", "c" })
        {
            using var node = new Node(name);
            list.Add(node);
        }

        string seen = string.Empty;
        foreach (Node node in list)
        {
            await new ThreadSwitch();
            seen += node.Name;
        }

        Assert.Equal("abc", seen);
    }

    [Fact]
    public async Task AnActivatedHeapStaysCurrentAcrossAwaits()
    {
        var heap = new Heap();
        using (heap.Activate())
        {
            using var node = new Node();
            await new ThreadSwitch();
            Assert.Same(heap, Heap.Current);
            Assert.Same(heap, node.Heap);
            Assert.Same(node, Assert.Single(Gc.GetObjects()));
            Assert.True(heap.IsHeldByCurrentThread);
        }

        Assert.Same(Heap.Default, Heap.Current);
        Assert.Equal(0, heap.HolderThreadId);
    }
}

using System;
using System.Runtime.CompilerServices;
using System.Threading;
using Xunit;

namespace RefHeap.Tests.Threading;

/// <summary>
/// <c>await new ThreadSwitch()</c> continues on a new thread, always (never inline), like a continuation that lands on
/// another thread-pool thread. The thread starts with the default execution context, as pool threads do: the async
/// flow's context is entered for the continuation and left after it.
/// </summary>
internal readonly struct ThreadSwitch : INotifyCompletion
{
    public bool IsCompleted => false;

    public ThreadSwitch GetAwaiter() => this;

    public void OnCompleted(Action continuation)
    {
        var thread = new Thread(() => continuation()) { IsBackground = true };
        using (ExecutionContext.SuppressFlow())
        {
            thread.Start();
        }
    }

    public void GetResult()
    {
    }
}

/// <summary>Tests that use <see cref="Heap.Default"/> run one at a time, after the tests that run in parallel.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DefaultHeapCollection
{
    public const string Name = "Default heap";
}

internal static class ThreadAssert
{
    /// <summary>Runs <paramref name="action"/> on a new thread (not the thread pool: no inlining) and returns what it threw.</summary>
    public static Exception? OnOtherThread(Action action)
    {
        Exception? caught = null;
        var thread = new Thread(() => caught = Record.Exception(action));
        thread.Start();
        thread.Join();
        return caught;
    }

    /// <summary>Asserts a refusal that names the holding thread and the refused one.</summary>
    public static void RefusedBy(Exception? caught, int holderThread)
    {
        HeapThreadException refused = Assert.IsType<HeapThreadException>(caught);
        Assert.Equal(holderThread, refused.HolderThreadId);
        Assert.NotEqual(holderThread, refused.CurrentThreadId);
        Assert.Contains($"thread {holderThread} has held it", refused.Message);
        Assert.Contains($"on thread {refused.CurrentThreadId} needs heap", refused.Message);
        Assert.Contains("heap.Release()", refused.Message);
    }
}

using System;
using System.Runtime.CompilerServices;
using System.Threading;
using RefHeap;
using Xunit;

namespace RefSafety.Tests.Hazards;

/// <summary>
/// REFS022: a C# destructor on a RefObject runs on the .NET finalizer thread when the .NET GC decides, not when the
/// count reaches zero; OnFinalize runs at once, on the heap's thread.
/// </summary>
public class REFS022DestructorHazard
{
    [Fact]
    public void DestructorDoesNotRunAtCountZeroButLaterOnAnotherThread()
    {
        using var heap = new HazardHeap();
        var probe = new Probe();
        int heapThread = Environment.CurrentManagedThreadId;

        ReleaseWithDestructor(probe);

        Assert.Equal(0, Volatile.Read(ref probe.Runs));  // the count reached zero: nothing ran
        for (int i = 0; i < 10 && Volatile.Read(ref probe.Runs) == 0; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        Assert.Equal(1, Volatile.Read(ref probe.Runs));
        Assert.NotEqual(heapThread, probe.Thread);
        Assert.False(probe.WasAlive);                          // RefHeap freed it long before
        Assert.IsType<ReleasedObjectException>(probe.Failure);  // touching it from the destructor throws
    }

    [Fact]
    public void OnFinalizeRunsAtCountZeroOnTheHeapThread()
    {
        using var heap = new HazardHeap();
        var obj = new WithOnFinalize();
        var child = new WithOnFinalize();
        RefField.Set(ref obj.Child, child);
        child.DecRef();

        obj.DecRef();

        Assert.Equal(Environment.CurrentManagedThreadId, obj.Thread);
        Assert.Equal(Environment.CurrentManagedThreadId, child.Thread);
        Assert.Equal(0, heap.Heap.LiveObjectCount);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ReleaseWithDestructor(Probe probe)
    {
        var obj = new WithDestructor(probe);
        var child = new WithOnFinalize();
        RefField.Set(ref obj.Child, child);
        child.DecRef();
        obj.DecRef();
        Assert.False(obj.IsAlive);
    }

    private sealed class Probe
    {
        public int Runs;
        public int Thread;
        public Exception? Failure;
        public bool WasAlive;
    }

    private sealed class WithDestructor : RefObject
    {
        private readonly Probe _probe;

        public WithDestructor(Probe probe) => _probe = probe;

        public WithOnFinalize? Child;

        ~WithDestructor()
        {
            _probe.Thread = Environment.CurrentManagedThreadId;
            _probe.WasAlive = IsAlive;
            try
            {
                IncRef();
            }
            catch (Exception ex)
            {
                _probe.Failure = ex;
            }

            Interlocked.Increment(ref _probe.Runs);
        }
    }

    private sealed class WithOnFinalize : RefObject
    {
        public WithOnFinalize? Child;
        public int Thread;

        protected override void OnFinalize() => Thread = Environment.CurrentManagedThreadId;
    }
}

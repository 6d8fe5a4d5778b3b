using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using RefHeap;

namespace RefHeap.Benchmarks;

/// <summary>
/// The twin of the script's <c>refcount_loop</c>: 20M IncRef+DecRef pairs on one hot object (1,000 pairs per iteration,
/// as the script unrolls 1,000 <c>y = x</c> statements; the loop's own compare and branch, one per 10 pairs, are
/// included), best of 5, in the default (checked) mode. A Stopwatch figure for run-gc-bench.sh's single run; BenchmarkDotNet's is RefCountBenchmarks.
/// </summary>
internal static class RefCountLoop
{
    private const int Unrolled = 1000;
    private const int Iterations = 20_000;

    private sealed class Slot : RefObject
    {
    }

    public static double NanosecondsPerPair()
    {
        var slot = new Slot();
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            // The first rounds let tiered compilation produce the optimized loop (the script's loop is interpreted throughout).
            long t0 = Stopwatch.GetTimestamp();
            Pairs(slot, Iterations);
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds / ((double)Unrolled * Iterations) * 1e9);
        }

        slot.DecRef();
        return best;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Pairs(Slot slot, int iterations)
    {
        for (int i = 0; i < iterations; i++)
        {
            for (int j = 0; j < Unrolled / 10; j++)
            {
                slot.IncRef(); slot.DecRef(); slot.IncRef(); slot.DecRef(); slot.IncRef(); slot.DecRef(); slot.IncRef(); slot.DecRef(); slot.IncRef(); slot.DecRef();
                slot.IncRef(); slot.DecRef(); slot.IncRef(); slot.DecRef(); slot.IncRef(); slot.DecRef(); slot.IncRef(); slot.DecRef(); slot.IncRef(); slot.DecRef();
            }
        }
    }
}

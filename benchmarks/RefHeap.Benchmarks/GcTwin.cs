using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Runtime.CompilerServices;
using RefHeap;

namespace RefHeap.Benchmarks;

/// <summary>
/// The C# twin of ../shared/bench/gc_bench.py: N two-object cycles (a.Other = b; b.Other = a) kept in a list,
/// released, collected; the same heap collected while all live; a young collection on an old heap. Automatic
/// collection is off (gc.disable()), only explicit collections run; each case runs in a fresh process, best of 3.
/// </summary>
internal static class GcTwin
{
    private const int Repeats = 3;

    /// <summary>The twin of the script's <c>Slot</c> class: one declared strong field (<c>__slots__ = ("other",)</c>).</summary>
    internal sealed class Slot : RefObject
    {
        public Slot? Other;
    }

    /// <summary>make_pairs: the list holds a; a holds b; b holds a (the local references move into the fields).</summary>
    internal static RefList<Slot> MakePairs(int n)
    {
        var holder = new RefList<Slot>();
        for (int i = 0; i < n; i++)
        {
            var a = new Slot();
            var b = new Slot();
            a.Other = b;
            b.Other = a;
            holder.Add(a);
        }

        return holder;
    }

    /// <summary>one_case: the measurements of one (kind, N), best of <see cref="Repeats"/>.</summary>
    public static Dictionary<string, double> RunCase(int n)
    {
        Gc.Disable();
        WarmUp();
        Gc.Collect();
        var best = new Dictionary<string, double>();
        void Best(string key, double seconds) => best[key] = Math.Min(best.GetValueOrDefault(key, double.MaxValue), seconds);

        for (int repeat = 0; repeat < Repeats; repeat++)
        {
            // --- garbage case ---
            long t0 = Stopwatch.GetTimestamp();
            RefList<Slot> holder = MakePairs(n);
            Best("create", Stopwatch.GetElapsedTime(t0).TotalSeconds);
            t0 = Stopwatch.GetTimestamp();
            holder.DecRef();
            Best("release", Stopwatch.GetElapsedTime(t0).TotalSeconds);
            t0 = Stopwatch.GetTimestamp();
            long freed = Gc.Collect();
            Best("collect", Stopwatch.GetElapsedTime(t0).TotalSeconds);
            best["freed"] = freed;

            // --- all-reachable case ---
            holder = MakePairs(n);
            t0 = Stopwatch.GetTimestamp();
            long live1 = Gc.Collect();
            Best("live1", Stopwatch.GetElapsedTime(t0).TotalSeconds);
            t0 = Stopwatch.GetTimestamp();
            long live2 = Gc.Collect();
            Best("live2", Stopwatch.GetElapsedTime(t0).TotalSeconds);
            t0 = Stopwatch.GetTimestamp();
            Gc.Collect(0);
            Best("young", Stopwatch.GetElapsedTime(t0).TotalSeconds);
            best["live_freed"] = live1 + live2;
            best["tracked"] = CountTracked();
            holder.DecRef();
            Gc.Collect();
        }

        best["maxrss_MiB"] = PeakRssMiB();
        return best;
    }

    /// <summary>
    /// <c>len(gc.get_objects())</c>. In a method of its own: inline, the JIT may keep the list (which references every
    /// object) in a stack slot until the method returns, and the next round's objects would pile up on a live copy
    /// of this round's 2N (CPython frees its list at once by reference counting).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CountTracked() => Gc.GetObjects().Count;

    /// <summary>
    /// CPython interprets from the first iteration; .NET starts with quick JIT code and recompiles hot methods in the
    /// background. Run the whole case a few times on a small heap first so that every measured run uses the
    /// optimized code, as it would in a long-running program.
    /// </summary>
    private static void WarmUp()
    {
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < 40; i++)
            {
                RefList<Slot> holder = MakePairs(2_000);
                Gc.Collect();
                Gc.Collect(0);
                holder.DecRef();
                Gc.Collect();
            }

            System.Threading.Thread.Sleep(300);
        }
    }

    /// <summary>Peak resident set size (VmHWM), the figure the script reads with getrusage's ru_maxrss.</summary>
    public static double PeakRssMiB()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }

        return double.NaN;
    }
}

using System;
using System.Diagnostics;
using System.Globalization;
using RefHeap;

namespace RefHeap.Benchmarks;

/// <summary>
/// <c>budget N</c>: where the bytes of N two-object cycles go, measured (docs/performance.md, "Bytes per object"):
/// per pair, the .NET bytes allocated, the managed heap after a full .NET GC and the resident set's growth; the heap
/// after the pairs are freed, before and after a full .NET GC; then the .NET bytes allocated per object alone
/// (the object plus the allocator model's pools, amortized).
/// </summary>
internal static class ByteBudget
{
    public static void Run(int n)
    {
        Gc.Disable();
        var heap = Heap.Current;
        var keep = new GcTwin.Slot();

        FullDotNetCollect();
        long managed0 = GC.GetTotalMemory(forceFullCollection: true);
        long rss0 = Process.GetCurrentProcess().WorkingSet64;
        long allocated0 = GC.GetAllocatedBytesForCurrentThread();
        RefList<GcTwin.Slot> holder = GcTwin.MakePairs(n);
        double allocatedPerPair = (GC.GetAllocatedBytesForCurrentThread() - allocated0) / (double)n;
        long rss1 = Process.GetCurrentProcess().WorkingSet64;
        long managed1 = GC.GetTotalMemory(forceFullCollection: true);
        holder.DecRef();
        long freed = Gc.Collect();
        long managedAfterFree = GC.GetTotalMemory(forceFullCollection: false);
        long rssAfterFree = Process.GetCurrentProcess().WorkingSet64;
        FullDotNetCollect();
        long managedAfterGc = GC.GetTotalMemory(forceFullCollection: false);
        long rssAfterGc = Process.GetCurrentProcess().WorkingSet64;

        // Objects alone: 2N slots into a plain array sized beforehand, so only the objects (and the pools the
        // allocator model carves out for them) are counted.
        var objects = new GcTwin.Slot[2 * n];
        allocated0 = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < objects.Length; i++)
        {
            objects[i] = new GcTwin.Slot();
        }

        double perObject = (GC.GetAllocatedBytesForCurrentThread() - allocated0) / (double)objects.Length;
        foreach (GcTwin.Slot slot in objects)
        {
            slot.DecRef();
        }

        keep.DecRef();

        const double MiB = 1024 * 1024;
        Console.WriteLine(FormattableString.Invariant($"N = {n:N0} pairs ({2 * n:N0} objects), heap {heap.Id}, GC: {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, conserve memory {AppContext.GetData("System.GC.ConserveMemory") ?? "0"}"));
        Console.WriteLine(FormattableString.Invariant($"  .NET bytes allocated per object (object + allocator pools):  {perObject,8:F1} B"));
        Console.WriteLine(FormattableString.Invariant($"  .NET bytes allocated per pair (2 objects + list growth):    {allocatedPerPair,8:F1} B"));
        Console.WriteLine(FormattableString.Invariant($"  managed heap after a full GC, per pair (live):               {(managed1 - managed0) / (double)n,8:F1} B"));
        Console.WriteLine(FormattableString.Invariant($"  RSS growth per pair while the pairs are made:                {(rss1 - rss0) / (double)n,8:F1} B"));
        Console.WriteLine(FormattableString.Invariant($"  after release + Gc.Collect ({freed:N0} freed): managed heap {managedAfterFree / MiB:F1} MiB, RSS {rssAfterFree / MiB:F1} MiB"));
        Console.WriteLine(FormattableString.Invariant($"  after a full .NET GC:                       managed heap {managedAfterGc / MiB:F1} MiB, RSS {rssAfterGc / MiB:F1} MiB"));
        Console.WriteLine(FormattableString.Invariant($"  baseline before the pairs: managed heap {managed0 / MiB:F1} MiB, RSS {rss0 / MiB:F1} MiB"));
    }

    private static void FullDotNetCollect()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
    }
}

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace RefHeap;

/// <summary>One line of the per-class table: the pools serving a size class and their blocks.</summary>
/// <param name="SizeClass">The class index (0 for 16-byte blocks … 31 for 512-byte blocks).</param>
/// <param name="BlockSize">The block size in bytes.</param>
/// <param name="Pools">Pools serving the class (each has at least one block in use).</param>
/// <param name="BlocksInUse">Allocated blocks.</param>
/// <param name="BlocksAvailable">Free blocks in those pools (freed or never used).</param>
public readonly record struct SizeClassStats(int SizeClass, int BlockSize, int Pools, long BlocksInUse, long BlocksAvailable);

/// <summary>
/// A heap allocator's figures in the manner of CPython's <c>sys._debugmallocstats()</c>
/// (<see cref="ObjectAllocator.GetStats"/>, <see cref="Gc.GetAllocatorStats"/>). The arena bytes add up:
/// <see cref="BytesInUse"/> + <see cref="BytesAvailable"/> + <see cref="BytesInEmptyPools"/> +
/// <see cref="BytesInPoolHeaders"/> + <see cref="BytesLostToQuantization"/> = <see cref="BytesReserved"/>.
/// </summary>
public sealed class AllocatorStats
{
    internal AllocatorStats(long arenasAllocated, long arenasReclaimed, int arenasHighWater, int arenasCurrent,
        IReadOnlyList<SizeClassStats> sizeClasses, long largeObjects, long largeObjectBytes)
    {
        ArenasAllocated = arenasAllocated;
        ArenasReclaimed = arenasReclaimed;
        ArenasHighWater = arenasHighWater;
        ArenasCurrent = arenasCurrent;
        SizeClasses = sizeClasses;
        LargeObjects = largeObjects;
        LargeObjectBytes = largeObjectBytes;
        int pools = sizeClasses.Sum(c => c.Pools);
        EmptyPools = arenasCurrent * Arena.PoolsPerArena - pools;
        BytesInUse = sizeClasses.Sum(c => c.BlocksInUse * c.BlockSize);
        BytesAvailable = sizeClasses.Sum(c => c.BlocksAvailable * c.BlockSize);
        BytesInPoolHeaders = (long)pools * RefHeap.SizeClasses.PoolHeaderSize;
        BytesLostToQuantization = sizeClasses.Sum(c => (long)c.Pools * ((RefHeap.SizeClasses.PoolSize - RefHeap.SizeClasses.PoolHeaderSize) % c.BlockSize));
    }

    /// <summary>Arena size in bytes (256 KiB).</summary>
    public int ArenaSize => Arena.Size;

    /// <summary>Pool size in bytes (16 KiB).</summary>
    public int PoolSize => RefHeap.SizeClasses.PoolSize;

    /// <summary>Arenas reserved since the heap was created.</summary>
    public long ArenasAllocated { get; }

    /// <summary>Arenas given back because all their pools were empty.</summary>
    public long ArenasReclaimed { get; }

    /// <summary>The most arenas held at the same time.</summary>
    public int ArenasHighWater { get; }

    /// <summary>Arenas held now (<see cref="ArenasAllocated"/> - <see cref="ArenasReclaimed"/>).</summary>
    public int ArenasCurrent { get; }

    /// <summary>The size classes that have pools, in class order.</summary>
    public IReadOnlyList<SizeClassStats> SizeClasses { get; }

    /// <summary>Pools of the current arenas that serve no class (emptied, or never used).</summary>
    public int EmptyPools { get; }

    /// <summary>Bytes of arena memory held: <see cref="ArenasCurrent"/> × <see cref="ArenaSize"/>.</summary>
    public long BytesReserved => (long)ArenasCurrent * ArenaSize;

    /// <summary>Bytes in allocated blocks.</summary>
    public long BytesInUse { get; }

    /// <summary>Bytes in the free blocks of pools that serve a class.</summary>
    public long BytesAvailable { get; }

    /// <summary>Bytes in <see cref="EmptyPools"/>.</summary>
    public long BytesInEmptyPools => (long)EmptyPools * PoolSize;

    /// <summary>Bytes taken by the 48-byte headers of pools that serve a class.</summary>
    public long BytesInPoolHeaders { get; }

    /// <summary>Bytes at the end of pools too small for one more block of their class.</summary>
    public long BytesLostToQuantization { get; }

    /// <summary>
    /// The share of reserved arena memory that holds no live block: (<see cref="BytesReserved"/> -
    /// <see cref="BytesInUse"/>) / <see cref="BytesReserved"/>, 0 when nothing is reserved. High after many frees
    /// scattered over many arenas: the memory cannot go back, since every arena still holds a live block.
    /// </summary>
    public double Fragmentation => BytesReserved == 0 ? 0 : (double)(BytesReserved - BytesInUse) / BytesReserved;

    /// <summary>Objects over 512 bytes, allocated outside the arenas.</summary>
    public long LargeObjects { get; }

    /// <summary>Bytes held by objects over 512 bytes.</summary>
    public long LargeObjectBytes { get; }

    /// <summary>Writes the report in <c>sys._debugmallocstats()</c>'s layout.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is null.</exception>
    public void WriteReport(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteLine($"Small block threshold = {RefHeap.SizeClasses.SmallThreshold}, in {RefHeap.SizeClasses.Count} size classes.");
        writer.WriteLine();
        writer.WriteLine("class   size   num pools   blocks in use  avail blocks");
        writer.WriteLine("-----   ----   ---------   -------------  ------------");
        foreach (SizeClassStats c in SizeClasses)
        {
            writer.WriteLine(Invariant($"{c.SizeClass,5}  {c.BlockSize,5}  {c.Pools,10}  {c.BlocksInUse,14}  {c.BlocksAvailable,12}"));
        }

        writer.WriteLine();
        Line(writer, "# arenas allocated total", ArenasAllocated);
        Line(writer, "# arenas reclaimed", ArenasReclaimed);
        Line(writer, "# arenas highwater mark", ArenasHighWater);
        Line(writer, "# arenas allocated current", ArenasCurrent);
        Line(writer, Invariant($"{ArenasCurrent} arenas * {ArenaSize} bytes/arena"), BytesReserved);
        writer.WriteLine();
        Line(writer, "# bytes in allocated blocks", BytesInUse);
        Line(writer, "# bytes in available blocks", BytesAvailable);
        Line(writer, Invariant($"{EmptyPools} unused pools * {PoolSize} bytes"), BytesInEmptyPools);
        Line(writer, "# bytes lost to pool headers", BytesInPoolHeaders);
        Line(writer, "# bytes lost to quantization", BytesLostToQuantization);
        Line(writer, "Total", BytesReserved);
        writer.WriteLine(Invariant($"{"fragmentation (reserved, not in use)",-35}= {Fragmentation,20:P1}"));
        writer.WriteLine();
        Line(writer, "# objects over 512 bytes (outside)", LargeObjects);
        Line(writer, "# bytes in objects over 512 bytes", LargeObjectBytes);
    }

    /// <summary>The report of <see cref="WriteReport"/>.</summary>
    public override string ToString()
    {
        var writer = new StringWriter(CultureInfo.InvariantCulture);
        WriteReport(writer);
        return writer.ToString();
    }

    private static void Line(TextWriter writer, string label, long value) => writer.WriteLine(Invariant($"{label,-35}= {value,20:N0}"));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using System;
using RefHeap;

namespace RefSafety.Samples;

internal sealed class Buffer : RefObject
{
    public byte[] Bytes { get; } = new byte[16];
}

internal sealed class Holder : RefObject
{
    public Buffer? Current;

    public void Replace(Buffer next)
    {
        next.IncRef();
        Current = next; // REFS001: the buffer Current held is never released
    }
}

/// <summary>One mistake per balance rule; `dotnet build samples/RefSafety.Samples` reports REFS001-REFS006.</summary>
internal static class BalanceMistakes
{
    public static int Leak(bool early)
    {
        var buffer = new Buffer();
        if (early)
        {
            return 0; // REFS001: 'buffer' is still owned on this path
        }

        buffer.DecRef();
        return 1;
    }

    public static void OverRelease(Buffer borrowed) => borrowed.DecRef(); // REFS002

    public static int UseAfterRelease()
    {
        var buffer = new Buffer();
        buffer.DecRef();
        return buffer.Bytes.Length; // REFS003
    }

    public static void BorrowedEscapes(Holder holder, Buffer borrowed) => holder.Current = borrowed; // REFS004

    [return: BorrowedReference]
    public static Buffer BrokenContract() => new Buffer(); // REFS005: the caller will never release it

    public static void ReleaseEveryRound(Func<bool> more)
    {
        var buffer = new Buffer();
        do
        {
            buffer.DecRef(); // REFS002: released again in the next iteration
        }
        while (more());
    }

    public static void LostOnTheWayIn(RefList<Buffer> buffers) => buffers.Add(new Buffer()); // REFS001: Add takes a reference of its own

    public static void DirtyHack(Buffer buffer) => buffer.DangerousSetRefCount(1); // REFS006
}

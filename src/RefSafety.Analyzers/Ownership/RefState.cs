using System;

namespace RefSafety.Analyzers.Ownership;

/// <summary>
/// What a tracked variable may hold on the paths reaching a point: a set of facts, one bit each, joined by union.
/// The set is the bounded abstract state of the analysis: a few bits per variable, whatever the number of paths.
/// Owned counts are exact up to <see cref="OwnedMax"/>; a variable that would own more leaves the analysis
/// (<see cref="Escaped"/>) rather than be given a wrong count. A bool flag slot uses only <see cref="True"/> and
/// <see cref="False"/>.
/// </summary>
[Flags]
internal enum RefState : ushort
{
    None = 0,

    /// <summary>Owns exactly one reference; <c>Owned1 &lt;&lt; (n - 1)</c> owns exactly n (up to <see cref="OwnedMax"/>).</summary>
    Owned1 = 1 << 0,

    /// <summary>Owns exactly two references.</summary>
    Owned2 = 1 << 1,

    /// <summary>Owns exactly seven references, the most counted exactly.</summary>
    OwnedMax = 1 << 6,

    /// <summary>Refers to a live object it does not own (a parameter, a field read, a reference moved into a field).</summary>
    Borrowed = 1 << 7,

    /// <summary>Released (or gave away) its last owned reference: the object may be gone.</summary>
    Released = 1 << 8,

    /// <summary>Null.</summary>
    Null = 1 << 9,

    /// <summary>Escaped the analysis (captured by a lambda, passed by ref, past a limit): never reported again.</summary>
    Escaped = 1 << 10,

    /// <summary>A bool flag that may be true.</summary>
    True = 1 << 11,

    /// <summary>A bool flag that may be false.</summary>
    False = 1 << 12,

    /// <summary>
    /// Holds a value no configured API counts (a number, an address, a buffer, a function pointer: an IntPtr that did
    /// not come from a configured new- or borrowed-reference method). No rule reports on it: releasing, storing or
    /// returning it is silent, and passing it to a configured increment makes it owned (<see cref="RefStateExtensions.Acquire"/>).
    /// </summary>
    Uncounted = 1 << 13,

    /// <summary>
    /// A borrowed reference that was stored into a field, which now expects a reference of its own: the increment
    /// that backs the store may still follow (`_f = p; Marshal.AddRef(p);` is `Marshal.AddRef(p); _f = p;`). An
    /// increment turns it back into <see cref="Borrowed"/>; one still owing where the variable's life ends is REFS004.
    /// </summary>
    Owes = 1 << 14,

    /// <summary>Owns one or more references.</summary>
    Owned = (OwnedMax << 1) - 1,
}

internal static class RefStateExtensions
{
    /// <summary>One more owned reference on every path (a path with <see cref="RefState.OwnedMax"/> makes the variable escape).</summary>
    public static RefState Acquire(this RefState state)
    {
        if ((state & (RefState.Escaped | RefState.OwnedMax)) != 0)
        {
            return RefState.Escaped;
        }

        // Each fact maps on its own (a path holds one): n owned become n + 1; a borrowed, released or uncounted value
        // now owns one; a path that owed a field its reference has paid it, and still borrows.
        RefState owned = (RefState)((ushort)(state & RefState.Owned) << 1);
        RefState fresh = (state & (RefState.Borrowed | RefState.Released | RefState.Uncounted)) != 0 ? RefState.Owned1 : RefState.None;
        RefState paid = (state & RefState.Owes) != 0 ? RefState.Borrowed : RefState.None;
        return (state & ~(RefState.Owned | RefState.Borrowed | RefState.Released | RefState.Uncounted | RefState.Owes)) | owned | fresh | paid;
    }

    /// <summary>
    /// One owned reference less on every path; <paramref name="lastLeaves"/> is what the variable holds when that was
    /// its last one (Borrowed after a move into a field of a live object, Released after a release or a steal).
    /// </summary>
    public static RefState GiveUp(this RefState state, RefState lastLeaves)
    {
        if ((state & RefState.Escaped) != 0)
        {
            return RefState.Escaped;
        }

        RefState owned = (RefState)((ushort)(state & RefState.Owned & ~RefState.Owned1) >> 1);
        RefState last = (state & (RefState.Owned1 | RefState.Borrowed)) != 0 ? lastLeaves : RefState.None;
        return (state & ~(RefState.Owned | RefState.Borrowed)) | owned | last;
    }

    /// <summary>True when every path that matters (not null, not escaped) has a fact in <paramref name="bad"/>.</summary>
    public static bool AllPaths(this RefState state, RefState bad)
    {
        RefState relevant = state & ~RefState.Null;
        return (state & RefState.Escaped) == 0 && relevant != RefState.None && (relevant & ~bad) == RefState.None;
    }

    /// <summary>True when some path (not escaped) has a fact in <paramref name="facts"/>.</summary>
    public static bool SomePath(this RefState state, RefState facts) => (state & RefState.Escaped) == 0 && (state & facts) != 0;
}

using System;

namespace RefSafety.Analyzers.Dataflow;

/// <summary>
/// What a tracked variable may hold on the paths reaching a point: a set of facts, one bit each, joined by union.
/// The set is the bounded abstract state of the analysis: a few bits per variable, whatever the number of paths.
/// A bool flag slot uses only <see cref="True"/> and <see cref="False"/>.
/// </summary>
[Flags]
internal enum RefState : ushort
{
    None = 0,

    /// <summary>Owns exactly one reference.</summary>
    Owned1 = 1 << 0,

    /// <summary>Owns exactly two references.</summary>
    Owned2 = 1 << 1,

    /// <summary>Owns three or more references (counts are capped here).</summary>
    Owned3 = 1 << 2,

    /// <summary>Refers to a live object it does not own (a parameter, a field read, a reference moved into a field).</summary>
    Borrowed = 1 << 3,

    /// <summary>Released (or gave away) its last owned reference: the object may be gone.</summary>
    Released = 1 << 4,

    /// <summary>Null.</summary>
    Null = 1 << 5,

    /// <summary>Escaped the analysis (captured by a lambda, passed by ref): never reported again.</summary>
    Escaped = 1 << 6,

    /// <summary>A bool flag that may be true.</summary>
    True = 1 << 7,

    /// <summary>A bool flag that may be false.</summary>
    False = 1 << 8,

    Owned = Owned1 | Owned2 | Owned3,
}

internal static class RefStateExtensions
{
    /// <summary>One more owned reference on every path.</summary>
    public static RefState Acquire(this RefState state) =>
        Map(state, fact => fact switch
        {
            RefState.Owned1 => RefState.Owned2,
            RefState.Owned2 or RefState.Owned3 => RefState.Owned3,
            RefState.Borrowed or RefState.Released => RefState.Owned1,
            _ => fact,
        });

    /// <summary>
    /// One owned reference less on every path; <paramref name="lastLeaves"/> is what the variable holds when that was
    /// its last one (Borrowed after a move into a field of a live object, Released after a release or a steal).
    /// </summary>
    public static RefState GiveUp(this RefState state, RefState lastLeaves) =>
        Map(state, fact => fact switch
        {
            RefState.Owned1 => lastLeaves,
            RefState.Owned2 => RefState.Owned1,
            RefState.Owned3 => RefState.Owned2 | RefState.Owned3,
            RefState.Borrowed => lastLeaves,
            _ => fact,
        });

    /// <summary>True when every path that matters (not null, not escaped) has a fact in <paramref name="bad"/>.</summary>
    public static bool AllPaths(this RefState state, RefState bad)
    {
        RefState relevant = state & ~RefState.Null;
        return (state & RefState.Escaped) == 0 && relevant != RefState.None && (relevant & ~bad) == RefState.None;
    }

    /// <summary>True when some path (not escaped) has a fact in <paramref name="facts"/>.</summary>
    public static bool SomePath(this RefState state, RefState facts) => (state & RefState.Escaped) == 0 && (state & facts) != 0;

    private static RefState Map(RefState state, Func<RefState, RefState> map)
    {
        if ((state & RefState.Escaped) != 0)
        {
            return RefState.Escaped;
        }

        RefState result = RefState.None;
        for (int bit = 0; bit < 6; bit++)
        {
            var fact = (RefState)(1 << bit);
            if ((state & fact) != 0)
            {
                result |= map(fact);
            }
        }

        return result;
    }
}

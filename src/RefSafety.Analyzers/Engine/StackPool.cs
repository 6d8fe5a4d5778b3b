using System;
using System.Collections.Generic;

namespace RefSafety.Analyzers.Engine;

/// <summary>
/// Spare work stacks, a few per thread, for the explicit-stack walks every body pays for (operation trees, syntax,
/// regions). A new stack per walk grows from four slots by copying, and that garbage was a tenth of the analysis time
/// on a project where every method counts references. Walks nest (a call's arguments are walked inside the walk of
/// its statement), so a thread keeps up to <see cref="MaxSpares"/> of them. Invariant: a stack is either in use by one
/// walk or cleared and spare.
/// </summary>
internal static class StackPool<T>
{
    private const int MaxSpares = 8;

    [ThreadStatic]
    private static Stack<T>[]? s_spares;

    [ThreadStatic]
    private static int s_count;

    /// <summary>An empty stack; give it back with <see cref="Return"/> when the walk ends.</summary>
    public static Stack<T> Rent()
    {
        if (s_count > 0)
        {
            Stack<T> stack = s_spares![--s_count];
            s_spares[s_count] = null!;
            return stack;
        }

        return new Stack<T>(32);
    }

    /// <summary>Clears <paramref name="stack"/> and keeps it as a spare of this thread (its capacity is that of the widest walk so far).</summary>
    public static void Return(Stack<T> stack)
    {
        stack.Clear();
        s_spares ??= new Stack<T>[MaxSpares];
        if (s_count < MaxSpares)
        {
            s_spares[s_count++] = stack;
        }
    }
}

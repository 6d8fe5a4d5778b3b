using System;

namespace RefHeap;

/// <summary>The collector's debug flags (<c>gc.set_debug</c>); output goes to <see cref="Gc.DebugOutput"/>.</summary>
[Flags]
public enum GcDebugFlags
{
    /// <summary>No debugging output.</summary>
    None = 0,

    /// <summary><c>DEBUG_STATS</c>: print statistics during collection.</summary>
    Stats = 1,

    /// <summary><c>DEBUG_COLLECTABLE</c>: print collectable objects found.</summary>
    Collectable = 2,

    /// <summary><c>DEBUG_UNCOLLECTABLE</c>: print unreachable but uncollectable objects found.</summary>
    Uncollectable = 4,

    /// <summary><c>DEBUG_SAVEALL</c>: append every unreachable object to <see cref="Gc.Garbage"/> instead of freeing it.</summary>
    SaveAll = 32,

    /// <summary><c>DEBUG_LEAK</c>: <see cref="Collectable"/> | <see cref="Uncollectable"/> | <see cref="SaveAll"/>, for debugging leaks.</summary>
    Leak = Collectable | Uncollectable | SaveAll,
}

/// <summary>The phase passed to <see cref="Gc.Callbacks"/>: CPython's "start" and "stop".</summary>
public enum GcPhase
{
    /// <summary>A collection is about to start.</summary>
    Start,

    /// <summary>A collection has finished.</summary>
    Stop,
}

/// <summary>The <c>info</c> dict passed to <see cref="Gc.Callbacks"/>.</summary>
/// <param name="Generation">The generation being collected.</param>
/// <param name="Collected">On <see cref="GcPhase.Stop"/>, the number of objects freed.</param>
/// <param name="Uncollectable">On <see cref="GcPhase.Stop"/>, the number of objects found uncollectable (put in <see cref="Gc.Garbage"/>).</param>
public readonly record struct GcCallbackInfo(int Generation, long Collected, long Uncollectable);

/// <summary>Per-generation statistics (<c>gc.get_stats</c>).</summary>
/// <param name="Collections">How many times the generation was collected.</param>
/// <param name="Collected">How many objects were collected inside it.</param>
/// <param name="Uncollectable">How many objects were found uncollectable inside it.</param>
public readonly record struct GcGenerationStats(long Collections, long Collected, long Uncollectable);

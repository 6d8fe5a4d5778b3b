using System.Collections.Immutable;

namespace RefSafety.Analyzers;

/// <summary>
/// Every key a RefSafety diagnostic carries in its properties for the code fixes, in one place: the analyzers set
/// them, the fixes read them.
/// </summary>
internal static class DiagnosticProperties
{
    /// <summary>The variable a balance finding is about (REFS001–REFS004).</summary>
    public const string Variable = "Variable";

    /// <summary>"false" when a must-finding (REFS002–REFS004) holds on only some of the paths through its operation: no fix may change the count there.</summary>
    public const string EveryPath = "EveryPath";

    /// <summary>For a leak at an exit (REFS001): the release right on every path reaching it, <c>.DecRef</c> or <c>?.DecRef</c>.</summary>
    public const string ExitRelease = "ExitRelease";

    /// <summary>The metadata name of the type whose field the "make it weak" fix rewrites (REFS010, REFS011, REFS020).</summary>
    public const string WeakFixType = "WeakFixType";

    /// <summary>The field the "make it weak" fix rewrites.</summary>
    public const string WeakFixField = "WeakFixField";

    /// <summary>
    /// For work the starting flow blocks on at once (REFS030): the statement that hands the object's heap off before
    /// the start, <c>x.Heap?.Release();</c>.
    /// </summary>
    public const string HandOff = "HandOff";

    /// <summary>With <see cref="HandOff"/>: the position (in the source text) of the call that starts the work.</summary>
    public const string HandOffStart = "HandOffStart";

    public static ImmutableDictionary<string, string?> Empty => ImmutableDictionary<string, string?>.Empty;
}

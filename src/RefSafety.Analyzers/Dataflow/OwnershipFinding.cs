using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace RefSafety.Analyzers.Dataflow;

/// <summary>The kinds of ownership mistakes the dataflow finds; each maps to one rule.</summary>
internal enum OwnershipProblem
{
    /// <summary>REFS001: an owned reference is still owned when a path leaves the method.</summary>
    Leak,

    /// <summary>REFS002: a release of a reference the method does not own.</summary>
    OverRelease,

    /// <summary>REFS003: a use after the last owned reference was released or given away.</summary>
    UseAfterRelease,

    /// <summary>REFS004: a borrowed reference handed on as owned.</summary>
    BorrowedEscapes,

    /// <summary>REFS005: the method's body breaks its own ownership attributes.</summary>
    BrokenContract,
}

/// <summary>One mistake on one path: where, which variable, and words that say how (for the message).</summary>
internal readonly struct OwnershipFinding
{
    public OwnershipFinding(OwnershipProblem problem, Location location, string variable, string detail, bool onEveryPath = true, string? exitRelease = null)
    {
        Problem = problem;
        Location = location;
        Variable = variable;
        Detail = detail;
        OnEveryPath = onEveryPath;
        ExitRelease = exitRelease;
    }

    public OwnershipProblem Problem { get; }

    public Location Location { get; }

    public string Variable { get; }

    public string Detail { get; }

    /// <summary>
    /// For the "must" problems (REFS002–REFS004): false when only some of the flag-split paths through the operation
    /// are wrong, so removing or adding a count operation there would break the others.
    /// </summary>
    public bool OnEveryPath { get; }

    /// <summary>
    /// For a leak at an exit: the release that is right on every path reaching it (<c>.DecRef()</c>, or
    /// <c>?.DecRef()</c> when it may be null); null when some path there does not own exactly one reference.
    /// </summary>
    public string? ExitRelease { get; }

    /// <summary>The properties a diagnostic carries for the code fixes.</summary>
    public ImmutableDictionary<string, string?> Properties
    {
        get
        {
            ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty.Add("Variable", Variable);
            if (!OnEveryPath)
            {
                properties = properties.Add("EveryPath", "false");
            }

            return ExitRelease is null ? properties : properties.Add("ExitRelease", ExitRelease);
        }
    }
}

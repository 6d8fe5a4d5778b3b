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
    public OwnershipFinding(OwnershipProblem problem, Location location, string variable, string detail)
    {
        Problem = problem;
        Location = location;
        Variable = variable;
        Detail = detail;
    }

    public OwnershipProblem Problem { get; }

    public Location Location { get; }

    public string Variable { get; }

    public string Detail { get; }
}

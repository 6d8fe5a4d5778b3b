using System;
using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS003: A use (a read, an IncRef, handing it on) of a variable after its last owned reference was released or
/// given away. A "must" rule, like REFS002.
/// </summary>
internal static class REFS003UseAfterRelease
{
    public static void Report(OwnershipEvents events, Action<Diagnostic> report)
    {
        foreach (var use in BalanceFindings.ByPlace(events.Of<UsedAfterRelease>()))
        {
            UsedAfterRelease first = use.First;
            int line = OwnershipEvent.LineOf(first.Use.Syntax);
            string released = first.Release is { } release ? "at line " + OwnershipEvent.LineOf(release.Syntax) + "; " : string.Empty;
            string how = released + first.Kind switch
            {
                UseKind.IncRef => "it is IncRef'd at line " + line,
                UseKind.Escape => "it " + BalanceFindings.Escape(first.Route!) + " at line " + line,
                _ => "it is used at line " + line,
            };
            report(Diagnostic.Create(
                Descriptors.REFS003UseAfterRelease,
                first.Location,
                BalanceFindings.Properties(first.Variable, use.OnEveryPath),
                first.Variable,
                how + BalanceFindings.SomePaths(use.OnEveryPath)));
        }
    }
}

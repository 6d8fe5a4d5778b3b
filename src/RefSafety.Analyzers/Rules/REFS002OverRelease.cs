using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS002: A release of a reference the method does not own. A "must" rule: reported where the release is wrong on
/// the paths reaching it (a reference owned on one branch and borrowed on another is often correct code whose
/// branches are correlated); a release that comes round again in a loop unrenewed is wrong on a path of its own. (A
/// SafeHandle release its add-ref's success flag does not guard is REFS007's.)
/// </summary>
internal static class REFS002OverRelease
{
    public static void Report(OwnershipEvents events, Action<Diagnostic> report)
    {
        var releases = events.Of<ReleaseEvent>().Where(release => release is ReleasedUnowned or ReleasedAgainInLoop);
        foreach (var release in BalanceFindings.ByPlace(releases))
        {
            int line = OwnershipEvent.LineOf(release.First.Release.Syntax);
            string how = release.First switch
            {
                ReleasedUnowned { State: var state } when state.AllPaths(RefState.Released) => "when it is released again at line " + line,
                ReleasedUnowned => "when it is released without being owned at line " + line,
                _ => "when it is released again in the next iteration of the loop at line " + line,
            };
            report(Diagnostic.Create(
                Descriptors.REFS002OverRelease,
                release.First.Location,
                BalanceFindings.Properties(release.First.Variable, release.OnEveryPath),
                release.First.Variable,
                how + BalanceFindings.SomePaths(release.OnEveryPath)));
        }
    }
}

using System;
using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS007: A <c>DangerousRelease()</c> that the success flag of its <c>DangerousAddRef(ref success)</c> does not
/// guard. On the path where the add-ref throws, the finally holding the release runs anyway and releases a reference
/// never added; but <c>DangerousAddRef</c> inside the <c>try</c> with the release in <c>finally</c> is a pattern the
/// documentation itself shows and that is rarely hit (the add-ref throws only on a disposed handle), so this is an
/// Info, apart from the over-releases of REFS002.
/// </summary>
internal static class REFS007SafeHandleAddRefNotGuarded
{
    public static void Report(OwnershipEvents events, Action<Diagnostic> report)
    {
        foreach (var release in BalanceFindings.ByPlace(events.Of<ReleaseNotGuarded>()))
        {
            report(Diagnostic.Create(
                Descriptors.REFS007SafeHandleAddRefNotGuarded,
                release.First.Location,
                BalanceFindings.Properties(release.First.Variable),
                release.First.Variable,
                release.First.SuccessFlag));
        }
    }
}

using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Dataflow;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS002: The method releases a reference it does not own (borrowed, already released, moved or stolen): the object can be freed while others use it.
/// Found by the ownership dataflow (<see cref="OwnershipDataflow"/>), reported by <see cref="OwnershipAnalyzer"/>.
/// </summary>
internal static class REFS002OverRelease
{
    public static Diagnostic Diagnose(OwnershipFinding finding) =>
        Diagnostic.Create(Descriptors.REFS002OverRelease, finding.Location, finding.Properties, finding.Variable, finding.Detail);
}

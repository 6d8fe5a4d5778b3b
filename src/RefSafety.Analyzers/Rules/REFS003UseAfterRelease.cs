using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Dataflow;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS003: The method uses a reference after releasing (or giving away) its last owned reference: the object may already be freed.
/// Found by the ownership dataflow (<see cref="OwnershipDataflow"/>), reported by <see cref="OwnershipAnalyzer"/>.
/// </summary>
internal static class REFS003UseAfterRelease
{
    public static Diagnostic Diagnose(OwnershipFinding finding) =>
        Diagnostic.Create(Descriptors.REFS003UseAfterRelease, finding.Location, finding.Properties, finding.Variable, finding.Detail);
}

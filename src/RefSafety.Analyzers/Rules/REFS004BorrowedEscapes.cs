using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Dataflow;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS004: A borrowed reference is handed on as owned (returned from a [NewReference] method, stored in a strong field, passed to a [StealsReference] parameter) without IncRef.
/// Found by the ownership dataflow (<see cref="OwnershipDataflow"/>), reported by <see cref="OwnershipAnalyzer"/>.
/// </summary>
internal static class REFS004BorrowedEscapes
{
    public static Diagnostic Diagnose(OwnershipFinding finding) =>
        Diagnostic.Create(Descriptors.REFS004BorrowedEscapes, finding.Location, finding.Properties, finding.Variable, finding.Detail);
}

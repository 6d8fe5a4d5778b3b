using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Dataflow;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS005: The body breaks the method's ownership attributes: a [BorrowedReference] method returns an owned reference, or a [StealsReference] parameter is not consumed on some path.
/// Found by the ownership dataflow (<see cref="OwnershipDataflow"/>), reported by <see cref="OwnershipAnalyzer"/>.
/// </summary>
internal static class REFS005BrokenContract
{
    public static Diagnostic Diagnose(OwnershipFinding finding) =>
        Diagnostic.Create(Descriptors.REFS005BrokenContract, finding.Location, finding.Properties, finding.Detail);
}

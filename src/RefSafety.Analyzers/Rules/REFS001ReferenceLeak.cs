using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Dataflow;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS001: A path leaves the method while it still owns a reference: the object is never freed by reference counting.
/// Found by the ownership dataflow (<see cref="OwnershipDataflow"/>), reported by <see cref="OwnershipAnalyzer"/>.
/// </summary>
internal static class REFS001ReferenceLeak
{
    public static Diagnostic Diagnose(OwnershipFinding finding) =>
        Diagnostic.Create(Descriptors.REFS001ReferenceLeak, finding.Location, finding.Properties, finding.Variable, finding.Detail);
}

using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS005: A method's body breaks its own ownership attributes: a [StealsReference] parameter still owned on a path
/// out (some path is enough), or a [BorrowedReference] method returning a reference it owns. A constructor's
/// <c>throw</c> is not such a path: a constructor that throws makes no object to keep the argument in, and whether
/// it took the argument then is a convention the analysis cannot see (libraries keep either), so it is not judged.
/// </summary>
internal static class REFS005BrokenContract
{
    public static void Report(OwnershipEvents events, Action<Diagnostic> report)
    {
        bool constructor = events.Method?.MethodKind == MethodKind.Constructor;
        var unconsumed = events.Of<VariableAtExit>().Where(e => e.Kind == VariableKind.Parameter && e.StealsArgument && e.State.SomePath(RefState.Owned)
            && !(constructor && e.How == ExitKind.Throw));
        foreach (var parameter in BalanceFindings.ByPlace(unconsumed))
        {
            Broken(report, parameter.First, "[StealsReference] parameter '" + parameter.First.Variable + "' is not consumed " + BalanceFindings.ThroughExit(parameter.First));
        }

        foreach (var returned in BalanceFindings.ByPlace(events.Of<OwnedReturnedAsBorrowed>()))
        {
            Broken(report, returned.First, "[BorrowedReference] method '" + returned.First.Method + "' returns " + (returned.First.IsNewExpression ? "a new reference" : "an owned reference"));
        }
    }

    private static void Broken(Action<Diagnostic> report, OwnershipEvent broken, string message) =>
        report(Diagnostic.Create(Descriptors.REFS005BrokenContract, broken.Location, BalanceFindings.Properties(broken.Variable), message));
}

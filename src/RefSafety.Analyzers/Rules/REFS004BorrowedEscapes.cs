using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS004: A borrowed reference handed on as owned: stored in a strong field, passed to a stealing parameter,
/// returned from a [NewReference] method, or left in a [NewReference] out parameter. A "must" rule.
/// </summary>
internal static class REFS004BorrowedEscapes
{
    public static void Report(OwnershipEvents events, Action<Diagnostic> report)
    {
        foreach (var escape in BalanceFindings.ByPlace(events.Of<BorrowedEscaped>()))
        {
            Escaped(report, escape.First, BalanceFindings.Escape(escape.First.Route) + BalanceFindings.SomePaths(escape.OnEveryPath), escape.OnEveryPath);
        }

        // A store the increment may follow (`_f = p; p.IncRef();`) is decided where the variable's life ends.
        foreach (var store in BalanceFindings.ByPlace(events.Of<UnbackedStore>()))
        {
            bool onEveryPath = store.Paths.All(path => path.OnEveryPath);
            Escaped(report, store.First, BalanceFindings.Escape(store.First.Route) + BalanceFindings.SomePaths(onEveryPath), onEveryPath);
        }

        // The caller owns what it receives through a [NewReference] out parameter: a borrowed reference there is one it
        // will release too many times.
        var handedOut = events.Of<VariableAtExit>().Where(e => e.Kind == VariableKind.NewReferenceOut && e.State.AllPaths(RefState.Borrowed));
        foreach (var output in BalanceFindings.ByPlace(handedOut))
        {
            string how = BalanceFindings.Escape(EscapeRoute.OutParameter(output.First.Variable)) + " " + BalanceFindings.ThroughExit(output.First);
            Escaped(report, output.First, how, onEveryPath: true);
        }
    }

    private static void Escaped(Action<Diagnostic> report, OwnershipEvent escape, string how, bool onEveryPath) =>
        report(Diagnostic.Create(Descriptors.REFS004BorrowedEscapes, escape.Location, BalanceFindings.Properties(escape.Variable, onEveryPath), escape.Variable, how));
}

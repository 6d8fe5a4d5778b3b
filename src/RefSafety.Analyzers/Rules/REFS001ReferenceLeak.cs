using System;
using System.Linq;
using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS001: A path leaves the method while it still owns a reference: the object is never freed by reference counting.
/// A "may" rule: one path that leaks is enough (a leak on one branch is a leak).
/// </summary>
internal static class REFS001ReferenceLeak
{
    public static void Report(OwnershipEvents events, Action<Diagnostic> report)
    {
        // What every path leaving each exit holds, leaking or not: decides which release a fix may insert there. (Most
        // bodies leak nothing: then no exit's location is looked up.)
        var locals = events.Of<VariableAtExit>().Where(e => e.Kind == VariableKind.Local).ToList();
        foreach (var exit in locals.Exists(e => e.State.SomePath(RefState.Owned)) ? locals.GroupBy(e => (e.Location, e.Variable)) : [])
        {
            var leaking = exit.Where(e => e.State.SomePath(RefState.Owned)).ToList();
            if (leaking.Count > 0)
            {
                RefState held = exit.Aggregate(RefState.None, (all, e) => all | e.State);
                string? release = (held & ~(RefState.Owned1 | RefState.Null)) != RefState.None ? null
                    : (held & RefState.Null) != 0 ? "?.DecRef" : ".DecRef";
                Leak(report, leaking[0], BalanceFindings.ThroughExit(leaking[0]) + BalanceFindings.Branch(leaking), release);
            }
        }

        // A parameter that took a reference of its own on every path and never gave it back. (Only on every path: a
        // borrowed parameter is often IncRef'd under a condition that its release repeats.)
        foreach (var parameter in BalanceFindings.ByPlace(events.Of<VariableAtExit>().Where(e => e.Kind == VariableKind.Parameter && !e.StealsArgument && e.State.AllPaths(RefState.Owned))))
        {
            Leak(report, parameter.First, BalanceFindings.ThroughExit(parameter.First));
        }

        foreach (var scope in BalanceFindings.ByPlace(events.Of<OwnedAtScopeEnd>()))
        {
            Leak(report, scope.First, "when its scope ends on the path through line " + OwnershipEvent.LineOf(scope.First.Exit));
        }

        foreach (var overwrite in BalanceFindings.ByPlace(events.Of<OverwrittenOwned>()))
        {
            string what = overwrite.First.IsField ? "when the reference it holds is overwritten" : "when it is overwritten";
            Leak(report, overwrite.First, what + " at line " + OwnershipEvent.LineOf(overwrite.First.Write.Syntax));
        }

        foreach (var discarded in BalanceFindings.ByPlace(events.Of<DiscardedNew>()))
        {
            DiscardedNew lost = discarded.First;
            Leak(report, lost, lost.How switch
            {
                DiscardKind.PassedOn => "when it is passed to '" + lost.Name + "', which does not take it over",
                DiscardKind.Compared => "because it is only compared, then dropped",
                DiscardKind.Tested => "because it is only tested, then dropped",
                DiscardKind.MemberUsed => "because only its member '" + lost.Name + "' is used, then it is dropped",
                _ => "because the new reference is discarded",
            });
        }
    }

    private static void Leak(Action<Diagnostic> report, OwnershipEvent leak, string how, string? exitRelease = null) =>
        report(Diagnostic.Create(Descriptors.REFS001ReferenceLeak, leak.Location, BalanceFindings.Properties(leak.Variable, exitRelease: exitRelease), leak.Variable, how));
}

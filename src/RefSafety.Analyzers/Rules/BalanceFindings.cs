using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// What the balance rules REFS001–REFS005 share to turn ownership events into findings: grouping the per-path events
/// of one place, the two policies (some path / every path), and the phrases several messages use.
/// </summary>
internal static class BalanceFindings
{
    /// <summary>
    /// The events of one kind at one place about one variable, each group once, in the order met. A group holds on
    /// every path when each flag-split path through its block recorded it.
    /// </summary>
    public static IEnumerable<Group<T>> ByPlace<T>(IEnumerable<T> events)
        where T : OwnershipEvent =>
        events
            .GroupBy(e => (e.Location, e.Variable))
            .Select(group => new Group<T>(group.ToList()));

    /// <summary>The properties of a finding: its variable, and whether a fix may change the count there.</summary>
    public static ImmutableDictionary<string, string?> Properties(string variable, bool onEveryPath = true, string? exitRelease = null)
    {
        ImmutableDictionary<string, string?> properties = DiagnosticProperties.Empty.Add(DiagnosticProperties.Variable, variable);
        if (!onEveryPath)
        {
            properties = properties.Add(DiagnosticProperties.EveryPath, "false");
        }

        return exitRelease is null ? properties : properties.Add(DiagnosticProperties.ExitRelease, exitRelease);
    }

    /// <summary>The must-rules' suffix for a finding that holds on only some of the paths through its operation.</summary>
    public static string SomePaths(bool onEveryPath) => onEveryPath ? string.Empty : " on some paths";

    /// <summary>"on the path through line 12", "on the path through the throw at line 12".</summary>
    public static string ThroughExit(VariableAtExit exit) =>
        "on the path through " + (exit.How == ExitKind.Throw ? "the throw at line " : "line ") + OwnershipEvent.LineOf(exit.Location);

    /// <summary>How a reference left the method's hands: "is stored in field 'Next'".</summary>
    public static string Escape(EscapeRoute route) => route.Kind switch
    {
        EscapeRoute.EscapeKind.StoredInField => "is stored in field '" + route.Name + "'",
        EscapeRoute.EscapeKind.PassedToStealingParameter => "is passed to [StealsReference] parameter '" + route.Name + "' of " + route.Method,
        EscapeRoute.EscapeKind.ReturnedAsNew when route.Configured => "is returned from '" + route.Name + "', configured to return a new reference,",
        EscapeRoute.EscapeKind.ReturnedAsNew => "is returned from [NewReference] method '" + route.Name + "'",
        _ => "is handed out through [NewReference] out parameter '" + route.Name + "'",
    };

    /// <summary>The branch the leaking paths took: " where 'make' is true and 'done' is false" (flags all of them agree on).</summary>
    public static string Branch(IEnumerable<OwnershipEvent> paths)
    {
        var seen = new Dictionary<string, RefState>();
        var order = new List<string>();
        foreach (OwnershipEvent path in paths)
        {
            foreach (KeyValuePair<string, RefState> flag in path.Flags)
            {
                if (!seen.ContainsKey(flag.Key))
                {
                    order.Add(flag.Key);
                }

                seen[flag.Key] = (seen.TryGetValue(flag.Key, out RefState before) ? before : RefState.None) | flag.Value;
            }
        }

        string where = string.Join(" and ", order
            .Where(flag => seen[flag] is RefState.True or RefState.False)
            .Select(flag => "'" + flag + "' is " + (seen[flag] == RefState.True ? "true" : "false")));
        return where.Length == 0 ? string.Empty : " where " + where;
    }

    /// <summary>The per-path events of one place.</summary>
    internal sealed class Group<T>
        where T : OwnershipEvent
    {
        public Group(List<T> paths)
        {
            Paths = paths;
        }

        public List<T> Paths { get; }

        public T First => Paths[0];

        /// <summary>Every flag-split path through the event's block recorded it.</summary>
        public bool OnEveryPath => Paths.Count >= First.PathsHere;
    }
}

using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Ownership;

/// <summary>
/// Access paths: a handle read through a local or parameter (<c>pe.Type</c>, <c>t.Handle</c>, <c>this.a.b</c>; at
/// most <see cref="MaxPathMembers"/> members) is a variable of its own, so that
/// <c>XIncref(pe.Type); Restore(pe.Type, …)</c> balances. (RefHeap members keep their own model: a field read is the
/// field's reference, a property read a borrowed one.) What such a path names can change behind the analysis'
/// back, so a path is trusted only between calls: any call but a count operation, a write to the path or to its
/// root, or a capture of its root makes it leave the analysis on that path.
/// </summary>
internal sealed partial class OwnershipFlow
{
    private const int MaxPathMembers = 2;

    private readonly Dictionary<string, int> _paths = new();
    private readonly Dictionary<IOperation, int> _pathOfOperation = new();
    private readonly Dictionary<ISymbol, List<int>> _pathsByRoot = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<int, RefState> _pathInitialStates = new();

    /// <summary>The local or parameter the assignment being run writes, when what it writes is a new object.</summary>
    private (ISymbol Root, IObjectCreationOperation Creation)? _wrapper;

    /// <summary>Declares the path a member read names, if it is one (called on every operation before solving).</summary>
    private void DeclarePath(IOperation operation)
    {
        if (PathKey(operation) is not (string key, ISymbol root, string name) || _paths.ContainsKey(key))
        {
            return;
        }

        int index = Declare(root, name, VariableKind.AccessPath, register: false);
        if (index >= 0)
        {
            _paths[key] = index;
            _pathInitialStates[index] = InitialPathState((IMemberReferenceOperation)FlowGraph.Unwrap(operation));
            if (!_pathsByRoot.TryGetValue(root, out List<int>? paths))
            {
                _pathsByRoot[root] = paths = new List<int>();
            }

            paths.Add(index);
        }
    }

    /// <summary>The path variable a member read names, or -1.</summary>
    private int PathVariable(IOperation operation)
    {
        if (_paths.Count == 0)
        {
            return -1;
        }

        if (!_pathOfOperation.TryGetValue(operation, out int index))
        {
            index = PathKey(operation) is (string key, _, _) && _paths.TryGetValue(key, out int found) ? found : -1;
            _pathOfOperation[operation] = index;
        }

        return index;
    }

    /// <summary>What a path starts as: a configured borrowed view's handle is borrowed; any other handle no API gave, uncounted.</summary>
    private RefState InitialPathState(IMemberReferenceOperation member) =>
        member is IPropertyReferenceOperation { Property: var property } && _api.IsBorrowedView(property) ? RefState.Borrowed : RefState.Uncounted;

    /// <summary>Every path rooted at <paramref name="root"/> leaves the analysis on this path (the root was written or captured).</summary>
    private void ForgetPathsOf(ISymbol root, RefState[] state)
    {
        if (_pathsByRoot.TryGetValue(root, out List<int>? paths))
        {
            foreach (int path in paths)
            {
                Untrust(path, state);
            }
        }
    }

    /// <summary>A call may change what any path names: they all leave the analysis on this path.</summary>
    private void ForgetPaths(RefState[] state)
    {
        foreach (List<int> paths in _pathsByRoot.Values)
        {
            foreach (int path in paths)
            {
                Untrust(path, state);
            }
        }
    }

    /// <summary>
    /// A path stops naming a known value, but a debt on it stays: the wrapper it was rooted at still holds a reference
    /// nobody gave it, whatever the path names now, so an unpaid debt is still reported where the method ends.
    /// </summary>
    private static void Untrust(int path, RefState[] state)
    {
        if (!state[path].SomePath(RefState.Owes))
        {
            state[path] = RefState.Escaped;
        }
    }

    /// <summary>
    /// The one handle path through the wrapper being assigned (<see cref="_wrapper"/>) that can back the
    /// <paramref name="stolen"/> argument of its constructor: a configured borrowed view if the body reads one, else
    /// its only handle path; -1 if none or more than one could.
    /// </summary>
    private int HandlePathOfWrapper(IOperation stolen)
    {
        if (_wrapper is not var (root, creation) || !ReferenceEquals(stolen.Parent?.Parent, creation) || !_pathsByRoot.TryGetValue(root, out List<int>? paths))
        {
            return -1;
        }

        int views = 0, viewPath = -1;
        foreach (int path in paths)
        {
            if (_pathInitialStates[path] == RefState.Borrowed)
            {
                views++;
                viewPath = path;
            }
        }

        return views == 1 ? viewPath : views == 0 && paths.Count == 1 ? paths[0] : -1;
    }

    /// <summary>
    /// The key, root and display name of the access path <paramref name="operation"/> reads: field or property reads
    /// (no indexers) of a counted or handle type, rooted at a local, a parameter or this (own fields of this are
    /// fields, not paths). Null for anything else.
    /// </summary>
    private (string Key, ISymbol Root, string Name)? PathKey(IOperation operation)
    {
        if (Unwrap(operation) is not IMemberReferenceOperation { Type: { } type } member || !_api.IsHandle(type) || _model.IsCounted(type) || member is not (IFieldReferenceOperation or IPropertyReferenceOperation { Property.Parameters.Length: 0 }))
        {
            return null;
        }

        var members = new List<string>();
        IOperation? current = member;
        while (Unwrap(current!) is IMemberReferenceOperation link && link is IFieldReferenceOperation or IPropertyReferenceOperation { Property.Parameters.Length: 0 })
        {
            if (link.Member.IsStatic || members.Count == MaxPathMembers)
            {
                return null;
            }

            members.Insert(0, link.Member.Name);
            current = link.Instance;
            if (current is null)
            {
                return null;
            }
        }

        (ISymbol? root, string? rootName) = Unwrap(current!) switch
        {
            ILocalReferenceOperation local => ((ISymbol)local.Local, local.Local.Name),
            IParameterReferenceOperation parameter => (parameter.Parameter, parameter.Parameter.Name),
            IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } when members.Count > 1 => (_method?.ContainingType, "this"),
            _ => (null, null),
        };
        if (root is null)
        {
            return null;
        }

        string name = rootName + "." + string.Join(".", members);
        int declared = root.Locations.IsEmpty ? 0 : root.Locations[0].SourceSpan.Start;
        return (declared + ":" + name, root, name);
    }
}

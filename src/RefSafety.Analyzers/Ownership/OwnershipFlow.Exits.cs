using Microsoft.CodeAnalysis;

namespace RefSafety.Analyzers.Ownership;

/// <summary>Exits: what each variable holds where a path leaves the method, as events for the rules.</summary>
internal sealed partial class OwnershipFlow
{
    private void RecordExit(RefState[] state, ExitPoint exit, ExitKind how)
    {
        for (int i = 0; i < _names.Count; i++)
        {
            VariableKind kind = _kinds[i];
            if (kind is VariableKind.Local or VariableKind.Parameter or VariableKind.NewReferenceOut && (state[i] & RefState.Escaped) == 0)
            {
                Emit(new VariableAtExit(_names[i], exit, how, kind, _stealsParameters.Contains(i), state[i]));
                RecordUnbackedStore(i, state);
            }
            else if (kind == VariableKind.AccessPath)
            {
                RecordUnbackedStore(i, state); // a wrapper's debt (see MoveOut)
            }
        }
    }

    /// <summary>Where a variable's life ends still owing a field the increment its store needed: the store escaped a borrowed reference.</summary>
    private void RecordUnbackedStore(int variable, RefState[] state)
    {
        if (Recording && state[variable].SomePath(RefState.Owes) && _unbackedStores.TryGetValue(variable, out (IOperation Stored, EscapeRoute Route) store))
        {
            Emit(new UnbackedStore(_names[variable], store.Stored, store.Route, state[variable].AllPaths(RefState.Owes)));
        }
    }
}

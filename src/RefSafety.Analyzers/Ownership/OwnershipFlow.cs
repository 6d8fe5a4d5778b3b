using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Ownership;

/// <summary>
/// The ownership analysis of one control flow graph, as a problem for the <see cref="ForwardSolver{TState}"/>: each
/// tracked variable (counted locals, parameters and fields of this object, bool flags, plus the compiler's flow
/// captures) holds a <see cref="RefState"/>, and a block's state is a few such vectors (<see cref="OwnershipPaths"/>)
/// when paths disagree on a bool flag a branch tests, so branches correlated through a flag stay apart. The solver
/// iterates to the fixpoint silently; its replay pass runs the transfer functions once more with an event log, and
/// what they saw (<see cref="OwnershipEvents"/>) goes to the rules. The transfer functions decide no rule.
/// </summary>
/// <remarks>
/// This file holds the solver's side (paths, joins, scopes, finally); the partial files hold the variables
/// (<c>.Variables</c>), the transfer functions (<c>.Transfer</c>), branch conditions (<c>.Conditions</c>), exits
/// (<c>.Exits</c>) and releases repeated by loops (<c>.Loops</c>).
/// </remarks>
internal sealed partial class OwnershipFlow : IForwardFlow<OwnershipPaths>
{
    /// <summary>
    /// The most variables tracked in one graph (a state vector is two bytes a variable); past it, further variables
    /// are not tracked, so they are never misreported, and the tracked ones are still checked.
    /// </summary>
    public const int MaxTrackedVariables = 4096;

    /// <summary>The most bool flags whose values may split the paths (a bit each in the liveness masks).</summary>
    public const int MaxFlags = 64;

    /// <summary>The most states (flag combinations) a block's input keeps apart before joining them.</summary>
    public const int MaxVariants = 8;

    private readonly ControlFlowGraph _cfg;
    private readonly OwnershipModel _model;
    private readonly ExternalApi _api;
    private readonly IMethodSymbol? _method;
    private readonly Dictionary<ILocalSymbol, int> _successFlags = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ISymbol, int> _variables = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<CaptureId, int> _captures = new();
    private readonly Dictionary<CaptureId, int> _captureAliases = new();
    private readonly List<string> _names = new();
    private readonly List<VariableKind> _kinds = new();
    private readonly HashSet<int> _countedParameters = new();
    private readonly HashSet<VariableKind> _declaredKinds = new();
    private readonly HashSet<int> _stealsParameters = new();
    private readonly HashSet<int> _borrowedAtEntry = new();
    private readonly List<int> _flags = new();

    // Side tables, not part of the per-path state: the last write wins whatever the path (an approximation; the
    // state checks before they are trusted, e.g. Owner only follows an alias that still borrows).
    private readonly Dictionary<int, (IInvocationOperation Call, bool SuccessWhenTrue)> _attemptFlags = new();
    private readonly Dictionary<ILocalSymbol, IInvocationOperation> _statusCalls = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<int, IOperation> _releasedBy = new();
    private readonly Dictionary<int, int> _keptAliveBy = new();
    private int[] _aliasOf = System.Array.Empty<int>();
    private readonly Dictionary<ControlFlowRegion, bool[]> _finallyTouches = new();
    private readonly Dictionary<IFlowAnonymousFunctionOperation, int[]> _capturedBy = new();
    private readonly Dictionary<int, (IOperation Stored, EscapeRoute Route)> _unbackedStores = new();
    private readonly Dictionary<IParameterSymbol, bool> _returnsWhatTakes = new(SymbolEqualityComparer.Default);

    // Only in the replay pass: where events go, and the path being run (its block, operation and flag-split count).
    private OwnershipEvents? _events;
    private (BasicBlock Block, int Index) _position;
    private int _pathsHere = 1;
    private RefState[]? _path;
    private List<RefState[]>? _throwPoints;

    /// <summary>True in the replay pass: events are being recorded (building one costs a location, so only then).</summary>
    private bool Recording => _events is not null;

    private OwnershipFlow(ControlFlowGraph cfg, OwnershipModel model, ExternalApi api, IMethodSymbol? method)
    {
        _cfg = cfg;
        _model = model;
        _api = api;
        _method = method;
    }

    /// <summary>
    /// Analyses <paramref name="cfg"/> (a method, lambda or local function body) and returns what its paths did;
    /// empty when the solver could not reach a fixpoint (a partial solution would misreport).
    /// </summary>
    public static OwnershipEvents Analyze(ControlFlowGraph cfg, OwnershipModel model, ExternalApi api, IMethodSymbol? method, CancellationToken cancellationToken)
    {
        var flow = new OwnershipFlow(cfg, model, api, method);
        flow.DeclareVariables();
        flow.ComputeFlagLiveness();
        var events = new OwnershipEvents(method);
        ForwardSolver<OwnershipPaths> solver = ForwardSolver<OwnershipPaths>.Solve(cfg, flow, cancellationToken);
        if (solver.Converged)
        {
            flow._events = events;
            solver.Replay();
        }

        return events;
    }

    public OwnershipPaths Entry() => new(new List<RefState[]> { InitialState() });

    public OwnershipPaths Copy(OwnershipPaths state)
    {
        var variants = new List<RefState[]>(state.Variants.Count);
        foreach (RefState[] path in state.Variants)
        {
            variants.Add(CopyOf(path));
        }

        return new OwnershipPaths(variants);
    }

    // Array.Clone goes through MemberwiseClone: several times slower for small arrays.
    private static RefState[] CopyOf(RefState[] path)
    {
        var copy = new RefState[path.Length];
        path.AsSpan().CopyTo(copy);
        return copy;
    }

    /// <summary>
    /// Joins paths into a block's input. Paths that disagree on a bool flag stay apart (up to <see cref="MaxVariants"/>
    /// of them), so `if (flag) x = new T(); ... if (flag) x.DecRef();` is not a leak.
    /// </summary>
    public bool Join(OwnershipPaths into, OwnershipPaths incoming)
    {
        bool grew = false;
        foreach (RefState[] path in incoming.Variants)
        {
            grew |= JoinPath(into.Variants, path);
        }

        return grew;
    }

    /// <summary>
    /// Exceptions come from calls: a catch starts from the states at the calls of the block, each taken after the
    /// call's arguments were handed over (a stealing call takes its argument even when it throws, as CPython's do) and
    /// before its result is received. Runs the block's operations once more, silently, on the input.
    /// </summary>
    public OwnershipPaths? ExceptionState(BasicBlock block, OwnershipPaths input)
    {
        OwnershipEvents? events = _events;
        _events = null;
        _throwPoints = new List<RefState[]>();
        try
        {
            foreach (RefState[] path in input.Variants)
            {
                RunOperations(block, path, evaluateBranchValue: true);
            }

            var thrown = new List<RefState[]>();
            foreach (RefState[] point in _throwPoints)
            {
                JoinPath(thrown, point, owned: true);
            }

            return thrown.Count == 0 ? null : new OwnershipPaths(thrown);
        }
        finally
        {
            _throwPoints = null;
            _events = events;
        }
    }

    /// <summary>A call may throw here: in <see cref="ExceptionState"/>, the state a catch would start from.</summary>
    private void MayThrow(RefState[] state) => _throwPoints?.Add(CopyOf(state));

    public void Transfer(BasicBlock block, OwnershipPaths state)
    {
        ForEachPath(block, state, path => RunOperations(block, path, evaluateBranchValue: block.ConditionalSuccessor is not null));
    }

    /// <summary>The block's operations on one path, and its branch value's effects when <paramref name="evaluateBranchValue"/>.</summary>
    private void RunOperations(BasicBlock block, RefState[] path, bool evaluateBranchValue)
    {
        _position = (block, 0);
        foreach (IOperation operation in block.Operations)
        {
            Transfer(operation, path);
            _position.Index++;
        }

        if (evaluateBranchValue && block.BranchValue is { } value)
        {
            Use(value, path);
        }
    }

    public OwnershipPaths? Branch(BasicBlock block, OwnershipPaths state, bool conditionIsTrue)
    {
        state.Variants.RemoveAll(path => !Refine(block.BranchValue!, path, conditionIsTrue));
        return state.Variants.Count == 0 ? null : state;
    }

    public void Value(BasicBlock block, IOperation value, OwnershipPaths state, bool returned) =>
        ForEachPath(block, state, path =>
        {
            if (returned)
            {
                Return(value, path);
            }
            else
            {
                Use(value, path);
            }
        });

    public void Cross(ControlFlowBranch branch, ImmutableArray<ControlFlowRegion> leavingRegions, OwnershipPaths state)
    {
        if (!leavingRegions.IsEmpty)
        {
            ForEachPath(branch.Source, state, path => LeaveScopes(branch, leavingRegions, path));
        }

        ForgetDeadFlags(branch.Destination!, state);
    }

    public void Exit(BasicBlock from, ControlFlowBranch branch, OwnershipPaths state)
    {
        if (_events is null)
        {
            return; // nothing flows on from an exit: only the replay has something to record
        }

        var exit = new ExitPoint(_cfg, from, branch);
        ExitKind how = branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow ? ExitKind.Throw : ExitKind.Return;
        ForEachPath(from, state, path => RecordExit(path, exit, how));
    }

    /// <summary>
    /// The state a path continues with after a finally: the finally's exit state for the variables the finally
    /// reads or writes, and for every other variable the state that path entered with (a finally shared by a
    /// `return` and the normal exit must not mix their states).
    /// </summary>
    public OwnershipPaths ResumeAfterFinally(OwnershipPaths enteredWith, OwnershipPaths finallyExit, ControlFlowRegion finallyRegion)
    {
        bool[] touched = FinallyTouches(finallyRegion);
        RefState[] entry = enteredWith.Variants[0];
        if (enteredWith.Variants.Count > 1)
        {
            entry = CopyOf(entry);
            foreach (RefState[] other in enteredWith.Variants.Skip(1))
            {
                JoinInto(entry, other);
            }
        }

        var resumed = new List<RefState[]>(finallyExit.Variants.Count);
        foreach (RefState[] exit in finallyExit.Variants)
        {
            var continued = new RefState[exit.Length];
            for (int i = 0; i < continued.Length; i++)
            {
                continued[i] = touched[i] ? exit[i] : entry[i];
            }

            JoinPath(resumed, continued, owned: true);
        }

        return new OwnershipPaths(resumed);
    }

    /// <summary>Runs <paramref name="action"/> on each path of <paramref name="state"/>, telling events how many paths reached <paramref name="block"/>.</summary>
    private void ForEachPath(BasicBlock block, OwnershipPaths state, System.Action<RefState[]> action)
    {
        _pathsHere = state.Variants.Count;
        foreach (RefState[] path in state.Variants)
        {
            _path = path;
            action(path);
        }

        _path = null;
    }

    /// <summary>Joins one path into a list of paths; <paramref name="owned"/>: the caller gives <paramref name="path"/> away (no copy).</summary>
    private bool JoinPath(List<RefState[]> variants, RefState[] path, bool owned = false)
    {
        foreach (RefState[] variant in variants)
        {
            if (SameFlags(variant, path))
            {
                return JoinInto(variant, path);
            }
        }

        if (variants.Count < MaxVariants)
        {
            variants.Add(owned ? path : CopyOf(path));
            return true;
        }

        // Too many flag combinations: give up the split here (the joined flags become unknown).
        RefState[] all = variants[0];
        foreach (RefState[] variant in variants.Skip(1))
        {
            JoinInto(all, variant);
        }

        JoinInto(all, path);
        variants.Clear();
        variants.Add(all);
        return true;
    }

    private bool SameFlags(RefState[] left, RefState[] right)
    {
        foreach (int flag in _flags)
        {
            if (left[flag] != right[flag])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Unites <paramref name="path"/> into <paramref name="into"/> (Escaped absorbs); true if it grew.</summary>
    private static bool JoinInto(RefState[] into, RefState[] path)
    {
        bool grew = false;
        for (int i = 0; i < into.Length; i++)
        {
            RefState merged = into[i] | path[i];
            if ((merged & RefState.Escaped) != 0)
            {
                merged = RefState.Escaped;
            }

            if (merged != into[i])
            {
                into[i] = merged;
                grew = true;
            }
        }

        return grew;
    }

    /// <summary>
    /// Locals whose scope the branch leaves (a loop body ending, a block closing) must not still own anything, unless a
    /// longer-lived alias takes their reference over (`cursor = next;` at the end of a loop body).
    /// </summary>
    private void LeaveScopes(ControlFlowBranch branch, ImmutableArray<ControlFlowRegion> leavingRegions, RefState[] state)
    {
        foreach (ControlFlowRegion region in leavingRegions)
        {
            foreach (ILocalSymbol local in region.Locals)
            {
                if (_variables.TryGetValue(local, out int index))
                {
                    int heir = Heir(index, region, state);
                    if (heir >= 0)
                    {
                        state[heir] = state[index] | (state[heir] & RefState.Null);
                        _aliasOf[heir] = -1;
                    }
                    else if (state[index].SomePath(RefState.Owned) && _events is not null)
                    {
                        Emit(new OwnedAtScopeEnd(local.Name, local.Locations.FirstOrDefault() ?? Location.None, FlowGraph.ExitLocation(_cfg, branch.Source, branch)));
                    }

                    RecordUnbackedStore(index, state);
                    state[index] = RefState.Null;
                }
            }
        }
    }

    /// <summary>A variable outside <paramref name="scope"/> that only borrows what <paramref name="owner"/> owns, or -1.</summary>
    private int Heir(int owner, ControlFlowRegion scope, RefState[] state)
    {
        if (!state[owner].SomePath(RefState.Owned))
        {
            return -1;
        }

        for (int i = 0; i < _names.Count; i++)
        {
            if (_aliasOf[i] == owner && i != owner && state[i].AllPaths(RefState.Borrowed) && !DeclaredIn(i, scope))
            {
                return i;
            }
        }

        return -1;
    }

    private bool DeclaredIn(int variable, ControlFlowRegion scope) =>
        scope.Locals.Any(local => _variables.TryGetValue(local, out int index) && index == variable);

    /// <summary>
    /// The variables a finally may change the ownership state of: written, counted, handed on by ref/out or to a
    /// stealing parameter, moved into a field, captured, or compiler temporaries. A finally that only reads a variable
    /// (`finally { Log(x); }`) leaves each path's own state for it alone.
    /// </summary>
    private bool[] FinallyTouches(ControlFlowRegion region)
    {
        if (!_finallyTouches.TryGetValue(region, out bool[]? touched))
        {
            touched = new bool[_names.Count];
            for (int ordinal = region.FirstBlockOrdinal; ordinal <= region.LastBlockOrdinal; ordinal++)
            {
                foreach (IOperation operation in FlowGraph.OperationsOf(_cfg.Blocks[ordinal]))
                {
                    foreach (IOperation part in FlowGraph.Subtree(operation))
                    {
                        foreach (int variable in ChangedBy(part))
                        {
                            if (variable >= 0)
                            {
                                touched[variable] = true;
                            }
                        }
                    }
                }
            }

            _finallyTouches[region] = touched;
        }

        return touched;
    }

    /// <summary>The variables one operation (not its children) may change the ownership state of.</summary>
    private IEnumerable<int> ChangedBy(IOperation operation)
    {
        switch (operation)
        {
            case IFlowCaptureOperation capture:
                yield return CaptureVariable(capture.Id);
                break;
            case IAssignmentOperation assignment:
                yield return VariableOf(assignment.Target);
                yield return VariableOf(assignment.Value); // moved into a field, or aliased
                break;
            case IInvocationOperation call:
                if (CountOperation(call) is { } count && CountedOperand(call, count.Argument) is { } counted)
                {
                    yield return VariableOf(counted);
                }

                foreach (int handed in HandedOn(call.TargetMethod, call.Arguments))
                {
                    yield return handed;
                }

                break;
            case IObjectCreationOperation { Constructor: { } constructor } creation:
                foreach (int handed in HandedOn(constructor, creation.Arguments))
                {
                    yield return handed;
                }

                break;
            case IFlowAnonymousFunctionOperation:
            case IDeclarationPatternOperation:
            case IRecursivePatternOperation:
                for (int i = 0; i < _names.Count; i++)
                {
                    yield return i; // captures and pattern locals: not worth telling apart in a finally
                }

                break;
        }
    }

    private IEnumerable<int> HandedOn(IMethodSymbol method, System.Collections.Immutable.ImmutableArray<IArgumentOperation> arguments)
    {
        foreach (IArgumentOperation argument in arguments)
        {
            if (argument.Parameter is { } parameter && (parameter.RefKind != RefKind.None || Steals(method, parameter) || IsCollectionAdd(method, parameter) || IsMemoryStore(method, parameter)))
            {
                yield return VariableOf(argument.Value);
            }
        }
    }

    /// <summary>Records an event of the replay pass with the path it happened on.</summary>
    private void Emit(OwnershipEvent @event)
    {
        if (_events is null || @event.Variable == CaptureName)
        {
            return; // a compiler temporary has no name a user would recognise
        }

        @event.PathsHere = _pathsHere;
        if (_path is not null && _flags.Count > 0)
        {
            @event.Flags = _flags.Select(flag => new KeyValuePair<string, RefState>(_names[flag], _path[flag])).ToArray();
        }

        _events.Add(@event);
    }
}

/// <summary>The ownership state at a point: one vector of <see cref="RefState"/> per group of paths that agree on the tracked flags.</summary>
internal sealed class OwnershipPaths
{
    public OwnershipPaths(List<RefState[]> variants)
    {
        Variants = variants;
    }

    public List<RefState[]> Variants { get; }
}

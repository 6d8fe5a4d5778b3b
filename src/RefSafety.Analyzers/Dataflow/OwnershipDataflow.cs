using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Dataflow;

/// <summary>
/// The ownership dataflow of one control flow graph: a forward worklist analysis over basic blocks in which each
/// tracked variable (counted locals and parameters, plus the compiler's flow captures) holds a <see cref="RefState"/>.
/// It iterates to a fixpoint (loops any number of times), then replays every block once with its final input state
/// to collect findings, so each mistake is reported once. Iterative throughout: no recursion over the graph.
/// </summary>
/// <remarks>
/// Leaks are "may" findings (some path leaves with an owned reference), the other problems "must" findings (every
/// path reaching the operation is wrong): the classic trade that keeps correlated branches from causing false
/// over-release or use-after-release reports. Finally blocks are analysed once with the union of the states that
/// enter them; each continuation (a return, a break, the normal exit) then goes on with the finally's result for the
/// variables the finally touches and with its own entry state for the rest. Exceptions thrown by calls are not paths
/// (every call could throw); explicit <c>throw</c> statements are. After a finding, the variable is no longer tracked
/// on that path: one mistake, one diagnostic.
/// </remarks>
internal sealed class OwnershipDataflow
{
    /// <summary>The most variables tracked in one graph; the rest are ignored (the state stays bounded).</summary>
    public const int MaxTrackedVariables = 256;

    /// <summary>The most bool flags whose values split the paths, and the most splits kept per block.</summary>
    public const int MaxFlags = 4;

    public const int MaxVariants = 8;

    private readonly ControlFlowGraph _cfg;
    private readonly OwnershipModel _model;
    private readonly ExternalApi _api;
    private readonly Dictionary<ILocalSymbol, int> _successFlags = new(SymbolEqualityComparer.Default);
    private readonly IMethodSymbol? _method;
    private readonly Dictionary<ISymbol, int> _variables = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<CaptureId, int> _captures = new();
    private readonly Dictionary<CaptureId, int> _captureAliases = new();
    private readonly List<string> _names = new();
    private readonly List<VariableKind> _kinds = new();
    private readonly HashSet<int> _stealsParameters = new();
    private readonly List<RefState[]>?[] _blockInputs;
    private readonly List<int> _flags = new();
    private readonly Dictionary<int, (IInvocationOperation Call, bool SuccessWhenTrue)> _attemptFlags = new();
    private readonly Dictionary<ControlFlowRegion, List<(ControlFlowBranch Branch, int FinallyIndex)>> _finallyContinuations = new();
    private readonly Dictionary<ControlFlowBranch, ControlFlowRegion[]> _finallyChains = new();
    private readonly Dictionary<(ControlFlowBranch Branch, int FinallyIndex), RefState[]> _finallyEntries = new();
    private readonly Dictionary<ControlFlowRegion, bool[]> _finallyTouches = new();
    private readonly Dictionary<IFlowAnonymousFunctionOperation, int[]> _capturedBy = new();
    private readonly Stack<Stack<IOperation>> _usePool = new();
    private readonly int[] _aliasOf = Enumerable.Repeat(-1, MaxTrackedVariables).ToArray();
    private readonly Dictionary<(OwnershipProblem, Location, string), OwnershipFinding> _findings = new();
    private readonly Dictionary<(OwnershipProblem, Location, string), (int Reports, int Block)> _reports = new();
    private readonly Dictionary<(Location, string), RefState> _exitStates = new();
    private readonly Dictionary<(OwnershipProblem, Location, string), RefState[]> _leakFlags = new();
    private bool _collecting;

    // The operation being transferred (its block, and its index there; the branch value comes after the operations).
    private (BasicBlock Block, int Index) _position;

    private OwnershipDataflow(ControlFlowGraph cfg, OwnershipModel model, ExternalApi api, IMethodSymbol? method)
    {
        _cfg = cfg;
        _model = model;
        _api = api;
        _method = method;
        _blockInputs = new List<RefState[]>?[cfg.Blocks.Length];
    }

    /// <summary>Analyses <paramref name="cfg"/> (a method, lambda or local function body) and returns its findings.</summary>
    public static IReadOnlyCollection<OwnershipFinding> Analyze(ControlFlowGraph cfg, OwnershipModel model, ExternalApi api, IMethodSymbol? method)
    {
        var analysis = new OwnershipDataflow(cfg, model, api, method);
        analysis.DeclareVariables();
        analysis.Solve();
        analysis._collecting = true;
        foreach (BasicBlock block in cfg.Blocks)
        {
            foreach (RefState[] input in analysis._blockInputs[block.Ordinal] ?? Enumerable.Empty<RefState[]>())
            {
                analysis.ProcessBlock(block, (RefState[])input.Clone());
            }
        }

        return analysis.Findings();
    }

    private void DeclareVariables()
    {
        if (_method is not null)
        {
            foreach (IParameterSymbol parameter in _method.Parameters.Where(p => IsTracked(p.Type) && p.RefKind == RefKind.None))
            {
                int index = Declare(parameter, parameter.Name, VariableKind.Parameter);
                if (index >= 0 && (_model.Steals(parameter) || _api.Steals(_method, parameter.Ordinal)))
                {
                    _stealsParameters.Add(index);
                }
            }
        }

        DeclareLocals();
        DeclareFields();
        DeclareFlags();
        DeclareCaptureAliases();
    }

    // Bool locals and parameters that branches test directly (`if (owned)`, `while (!done)`): their values split the
    // paths, so that branches correlated through them are not mixed. Not those a lambda or local function could set.
    private void DeclareFlags()
    {
        var candidates = new List<ISymbol>();
        foreach (BasicBlock block in _cfg.Blocks)
        {
            IOperation? condition = block.ConditionalSuccessor is null ? null : block.BranchValue;
            while (condition is not null && Unwrap(condition) is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } negation)
            {
                condition = negation.Operand;
            }

            ISymbol? tested = condition is null ? null : Unwrap(condition) switch
            {
                ILocalReferenceOperation local when local.Local.RefKind == RefKind.None => local.Local,
                IParameterReferenceOperation parameter when parameter.Parameter.RefKind == RefKind.None => parameter.Parameter,
                _ => null,
            };
            if (tested is not null && !_variables.ContainsKey(tested) && !candidates.Contains(tested, SymbolEqualityComparer.Default))
            {
                candidates.Add(tested);
            }
        }

        if (candidates.Count == 0)
        {
            return;
        }

        var nestedCode = _cfg.OriginalOperation.Syntax.DescendantNodes()
            .Where(n => n is LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax)
            .SelectMany(n => n.DescendantNodes().OfType<IdentifierNameSyntax>())
            .Select(i => i.Identifier.ValueText)
            .ToImmutableHashSet();
        foreach (ISymbol flag in candidates.Where(c => !nestedCode.Contains(c.Name)).Take(MaxFlags))
        {
            int index = Declare(flag, flag.Name, VariableKind.Flag);
            if (index >= 0)
            {
                _flags.Add(index);
            }
        }
    }

    // The counted fields of this object (and static fields) the body names: the state of each is what the field
    // holds, so that overwriting a field that still owns a reference is a leak and `_f?.DecRef(); _f = x;` is not.
    private void DeclareFields()
    {
        foreach (IFieldReferenceOperation reference in _cfg.Blocks
            .SelectMany(b => b.BranchValue is null ? b.Operations : b.Operations.Add(b.BranchValue))
            .SelectMany(o => o.DescendantsAndSelf())
            .OfType<IFieldReferenceOperation>())
        {
            if (IsOwnField(reference) && !_variables.ContainsKey(reference.Field) && IsTracked(reference.Field.Type))
            {
                Declare(reference.Field, reference.Field.Name, reference.Field.IsStatic ? VariableKind.StaticField : VariableKind.InstanceField);
            }
        }
    }

    /// <summary>A field of the object the method runs on (not of an object being initialised), or a static field.</summary>
    private static bool IsOwnField(IFieldReferenceOperation reference) =>
        reference.Field.IsStatic || reference.Instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };

    private void DeclareLocals()
    {
        var regions = new Stack<ControlFlowRegion>();
        regions.Push(_cfg.Root);
        while (regions.Count > 0)
        {
            ControlFlowRegion region = regions.Pop();
            foreach (ILocalSymbol local in region.Locals.Where(l => IsTracked(l.Type) && l.RefKind == RefKind.None))
            {
                Declare(local, local.Name, VariableKind.Local);
            }

            foreach (ControlFlowRegion nested in region.NestedRegions)
            {
                regions.Push(nested);
            }
        }
    }

    // The compiler captures a variable before `x?.M()`, `using`, `??` and the like. A capture whose every definition
    // reads the same tracked variable is that variable under another name.
    private void DeclareCaptureAliases()
    {
        var definitions = new Dictionary<CaptureId, List<int>>();
        foreach (IFlowCaptureOperation capture in _cfg.Blocks.SelectMany(b => b.Operations).OfType<IFlowCaptureOperation>())
        {
            if (!definitions.TryGetValue(capture.Id, out List<int>? sources))
            {
                definitions[capture.Id] = sources = new List<int>();
            }

            sources.Add(VariableOf(capture.Value));
        }

        foreach (KeyValuePair<CaptureId, List<int>> definition in definitions)
        {
            if (definition.Value[0] >= 0 && definition.Value.All(v => v == definition.Value[0]))
            {
                _captureAliases[definition.Key] = definition.Value[0];
            }
            else
            {
                CaptureSlot(definition.Key);
            }
        }
    }

    private bool IsTracked(ITypeSymbol type) => _model.IsCounted(type) || _api.IsHandle(type);

    private ReturnOwnership ReturnOf(IMethodSymbol method) =>
        _api.ReturnOf(method) is var external and not ReturnOwnership.None ? external : _model.ReturnOf(method);

    private ReturnOwnership OutOf(IMethodSymbol method, IParameterSymbol parameter) =>
        _api.OutOf(method, parameter.Ordinal) is var external and not ReturnOwnership.None ? external : _model.OutOf(parameter);

    private int Declare(ISymbol symbol, string name, VariableKind kind)
    {
        if (_names.Count >= MaxTrackedVariables)
        {
            return -1;
        }

        _variables[symbol] = _names.Count;
        _names.Add(name);
        _kinds.Add(kind);
        return _names.Count - 1;
    }

    private int CaptureSlot(CaptureId id)
    {
        if (!_captures.TryGetValue(id, out int slot) && _names.Count < MaxTrackedVariables)
        {
            slot = _names.Count;
            _captures[id] = slot;
            _names.Add("<capture>");
            _kinds.Add(VariableKind.Capture);
        }

        return _captures.TryGetValue(id, out slot) ? slot : -1;
    }

    private RefState[] InitialState()
    {
        // Every variable and capture slot is declared before solving, so states are exactly this long.
        var state = new RefState[_names.Count];
        for (int i = 0; i < _names.Count; i++)
        {
            state[i] = _kinds[i] switch
            {
                VariableKind.Local => RefState.Null,
                VariableKind.Flag => RefState.True | RefState.False,
                VariableKind.InstanceField or VariableKind.StaticField => InitialFieldState(i),
                _ => _stealsParameters.Contains(i) ? RefState.Owned1 : RefState.Borrowed,
            };
        }

        return state;
    }

    /// <summary>
    /// A field starts empty in its own type's constructor (when it has no initializer and the constructor does not chain
    /// to another one); elsewhere it may hold a reference, which it owns.
    /// </summary>
    private RefState InitialFieldState(int slot)
    {
        IFieldSymbol field = (IFieldSymbol)_variables.First(v => v.Value == slot).Key;
        bool ownConstructor = _method is { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } constructor
            && constructor.IsStatic == field.IsStatic
            && SymbolEqualityComparer.Default.Equals(constructor.ContainingType, field.ContainingType)
            && !constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is ConstructorDeclarationSyntax { Initializer.ThisOrBaseKeyword.RawKind: (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.ThisKeyword })
            && !field.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is VariableDeclaratorSyntax { Initializer: not null });
        return ownConstructor ? RefState.Null : RefState.Owned1 | RefState.Null;
    }

    private bool IsField(int variable) => _kinds[variable] is VariableKind.InstanceField or VariableKind.StaticField;

    private void Solve()
    {
        var worklist = new Queue<BasicBlock>();
        _blockInputs[0] = new List<RefState[]> { InitialState() };
        worklist.Enqueue(_cfg.Blocks[0]);
        var queued = new bool[_cfg.Blocks.Length];
        queued[0] = true;
        int budget = _cfg.Blocks.Length * 64 + 1024;
        while (worklist.Count > 0 && budget-- > 0)
        {
            BasicBlock block = worklist.Dequeue();
            queued[block.Ordinal] = false;
            if (_blockInputs[block.Ordinal] is not { } inputs)
            {
                continue;
            }

            foreach (RefState[] input in inputs.ToArray())
            {
                foreach (BasicBlock changed in ProcessBlock(block, (RefState[])input.Clone()))
                {
                    if (!queued[changed.Ordinal])
                    {
                        queued[changed.Ordinal] = true;
                        worklist.Enqueue(changed);
                    }
                }
            }
        }
    }

    /// <summary>Runs the block's operations on <paramref name="state"/> and propagates to its successors; returns the blocks whose input grew.</summary>
    private List<BasicBlock> ProcessBlock(BasicBlock block, RefState[] state)
    {
        var changed = new List<BasicBlock>();
        PropagateToHandlers(block, state, changed);
        _position = (block, 0);
        foreach (IOperation operation in block.Operations)
        {
            Transfer(operation, state);
            _position.Index++;
        }

        if (block.ConditionalSuccessor is { } conditional && block.BranchValue is { } condition)
        {
            Use(condition, state);
            bool jumpsWhenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
            RefState[] whenJumping = (RefState[])state.Clone();
            if (Refine(condition, whenJumping, isTrue: jumpsWhenTrue))
            {
                Follow(conditional, whenJumping, block, changed);
            }

            if (Refine(condition, state, isTrue: !jumpsWhenTrue))
            {
                Follow(block.FallThroughSuccessor!, state, block, changed);
            }
        }
        else if (block.FallThroughSuccessor is { } next)
        {
            if (block.BranchValue is { } value)
            {
                if (next.Semantics == ControlFlowBranchSemantics.Return)
                {
                    Return(value, state);
                }
                else
                {
                    Use(value, state);
                }
            }

            Follow(next, state, block, changed);
        }

        return changed;
    }

    private void Follow(ControlFlowBranch branch, RefState[] state, BasicBlock from, List<BasicBlock> changed)
    {
        ControlFlowRegion[] finallies = FinallyChain(branch, from);
        if (finallies.Length > 0)
        {
            EnterFinally(branch, 0, state, changed);
            return;
        }

        if (branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow && IsCaught(from))
        {
            return; // a handler of this method continues the path (it was given the state of the try)
        }

        Arrive(branch, state, from, changed);
    }

    /// <summary>
    /// The finally regions a branch runs before it arrives: those the compiler lists for a jump, and for a throw the
    /// finally blocks around it up to the first try that has a catch (exception paths are implicit in the graph).
    /// </summary>
    private ControlFlowRegion[] FinallyChain(ControlFlowBranch branch, BasicBlock from)
    {
        if (_finallyChains.TryGetValue(branch, out ControlFlowRegion[]? chain))
        {
            return chain;
        }

        if (branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow)
        {
            var finallies = new List<ControlFlowRegion>();
            for (ControlFlowRegion? region = from.EnclosingRegion; region is not null; region = region.EnclosingRegion)
            {
                if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndCatch })
                {
                    break;
                }

                if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndFinally } tryAndFinally)
                {
                    finallies.Add(tryAndFinally.NestedRegions.First(r => r.Kind == ControlFlowRegionKind.Finally));
                }
            }

            chain = finallies.ToArray();
        }
        else
        {
            chain = branch.FinallyRegions.ToArray();
        }

        _finallyChains[branch] = chain;
        return chain;
    }

    private static bool IsCaught(BasicBlock from)
    {
        for (ControlFlowRegion? region = from.EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndCatch })
            {
                return true;
            }
        }

        return false;
    }

    private void EnterFinally(ControlFlowBranch branch, int finallyIndex, RefState[] state, List<BasicBlock> changed)
    {
        ControlFlowRegion region = _finallyChains[branch][finallyIndex];
        if (!_finallyContinuations.TryGetValue(region, out var continuations))
        {
            _finallyContinuations[region] = continuations = new List<(ControlFlowBranch, int)>();
        }

        // Each continuation remembers the state it entered with: what the finally does not touch leaves it as it came.
        bool newContinuation = !_finallyEntries.TryGetValue((branch, finallyIndex), out RefState[]? entry);
        if (newContinuation)
        {
            continuations.Add((branch, finallyIndex));
            _finallyEntries[(branch, finallyIndex)] = (RefState[])state.Clone();
        }

        if (newContinuation || Join(entry!, state))
        {
            // The finally's exit state may already be known: let it flow to this continuation again.
            changed.Add(_cfg.Blocks[region.LastBlockOrdinal]);
        }

        MergeInto(_cfg.Blocks[region.FirstBlockOrdinal], state, changed);
    }

    /// <summary>
    /// The state a path continues with after a finally: the finally's exit state for the variables the finally
    /// reads or writes, and for every other variable the state that path entered with (a finally shared by a
    /// `return` and the normal exit must not mix their states).
    /// </summary>
    private RefState[] AfterFinally(ControlFlowRegion region, ControlFlowBranch branch, int finallyIndex, RefState[] exitState)
    {
        bool[] touched = FinallyTouches(region);
        RefState[] entry = _finallyEntries[(branch, finallyIndex)];
        var continued = new RefState[exitState.Length];
        for (int i = 0; i < continued.Length; i++)
        {
            continued[i] = touched[i] ? exitState[i] : entry[i];
        }

        return continued;
    }

    private bool[] FinallyTouches(ControlFlowRegion region)
    {
        if (!_finallyTouches.TryGetValue(region, out bool[]? touched))
        {
            touched = new bool[_names.Count];
            for (int ordinal = region.FirstBlockOrdinal; ordinal <= region.LastBlockOrdinal; ordinal++)
            {
                BasicBlock block = _cfg.Blocks[ordinal];
                foreach (IOperation operation in block.BranchValue is null ? block.Operations : block.Operations.Add(block.BranchValue))
                {
                    foreach (IOperation part in operation.DescendantsAndSelf())
                    {
                        int variable = part is IFlowCaptureOperation capture ? CaptureVariable(capture.Id) : VariableOf(part);
                        if (variable >= 0)
                        {
                            touched[variable] = true;
                        }
                    }
                }
            }

            _finallyTouches[region] = touched;
        }

        return touched;
    }

    private int CaptureVariable(CaptureId id) =>
        _captureAliases.TryGetValue(id, out int alias) ? alias : _captures.TryGetValue(id, out int slot) ? slot : -1;

    private void Arrive(ControlFlowBranch branch, RefState[] state, BasicBlock from, List<BasicBlock> changed)
    {
        switch (branch.Semantics)
        {
            case ControlFlowBranchSemantics.StructuredExceptionHandling when branch.Destination is null:
                // End of a finally: continue every path that entered it.
                ControlFlowRegion? region = from.EnclosingRegion;
                while (region is not null && region.Kind != ControlFlowRegionKind.Finally)
                {
                    region = region.EnclosingRegion;
                }

                if (region is not null && _finallyContinuations.TryGetValue(region, out var continuations))
                {
                    foreach ((ControlFlowBranch original, int index) in continuations.ToList())
                    {
                        RefState[] continued = AfterFinally(region, original, index, state);
                        if (index + 1 < _finallyChains[original].Length)
                        {
                            EnterFinally(original, index + 1, continued, changed);
                        }
                        else if (!(original.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow && IsCaught(original.Source)))
                        {
                            Arrive(original, continued, original.Source, changed);
                        }
                    }
                }

                return;
            case ControlFlowBranchSemantics.Throw:
            case ControlFlowBranchSemantics.Rethrow:
            case ControlFlowBranchSemantics.Return:
            case ControlFlowBranchSemantics.Regular when branch.Destination?.Kind == BasicBlockKind.Exit:
                if (_collecting)
                {
                    Location exit = ExitLocation(from, branch);
                    string kind = branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow ? "the throw at line " : "line ";
                    CheckExit(state, exit, "on the path through " + kind + (exit.GetLineSpan().StartLinePosition.Line + 1));
                }

                return;
        }

        if (branch.Destination is { } destination)
        {
            LeaveScopes(branch, state);
            MergeInto(destination, state, changed);
        }
    }

    /// <summary>
    /// Locals whose scope the branch leaves (a loop body ending, a block closing) must not still own anything, unless a
    /// longer-lived alias takes their reference over (`cursor = next;` at the end of a loop body).
    /// </summary>
    private void LeaveScopes(ControlFlowBranch branch, RefState[] state)
    {
        foreach (ControlFlowRegion region in branch.LeavingRegions)
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
                    else if (state[index].SomePath(RefState.Owned))
                    {
                        Location declared = local.Locations.FirstOrDefault() ?? Location.None;
                        Report(OwnershipProblem.Leak, () => declared, local.Name, () => "when its scope ends on the path through line " + (ExitLocation(branch.Source, branch).GetLineSpan().StartLinePosition.Line + 1));
                    }

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

    // A catch (or finally) can be entered from anywhere in its try: it starts from the union of the try's states.
    private void PropagateToHandlers(BasicBlock block, RefState[] state, List<BasicBlock> changed)
    {
        for (ControlFlowRegion? region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { } tryAndHandlers)
            {
                foreach (ControlFlowRegion handler in tryAndHandlers.NestedRegions.Where(r => r.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.FilterAndHandler))
                {
                    MergeInto(_cfg.Blocks[handler.FirstBlockOrdinal], state, changed);
                }
            }
        }
    }

    /// <summary>
    /// Joins a path's state into a block's input. Paths that disagree on a bool flag stay apart (up to
    /// <see cref="MaxVariants"/> of them), so `if (flag) x = new T(); ... if (flag) x.DecRef();` is not a leak.
    /// </summary>
    private void MergeInto(BasicBlock target, RefState[] state, List<BasicBlock> changed)
    {
        List<RefState[]>? variants = _blockInputs[target.Ordinal];
        if (variants is null)
        {
            _blockInputs[target.Ordinal] = new List<RefState[]> { (RefState[])state.Clone() };
            changed.Add(target);
            return;
        }

        foreach (RefState[] variant in variants)
        {
            if (_flags.All(flag => variant[flag] == state[flag]))
            {
                if (Join(variant, state))
                {
                    changed.Add(target);
                }

                return;
            }
        }

        if (variants.Count < MaxVariants)
        {
            variants.Add((RefState[])state.Clone());
        }
        else
        {
            // Too many flag combinations: give up the split here (the joined flags become unknown).
            RefState[] all = variants[0];
            foreach (RefState[] variant in variants.Skip(1))
            {
                Join(all, variant);
            }

            Join(all, state);
            variants.Clear();
            variants.Add(all);
        }

        changed.Add(target);
    }

    /// <summary>Unites <paramref name="state"/> into <paramref name="into"/> (Escaped absorbs); true if it grew.</summary>
    private static bool Join(RefState[] into, RefState[] state)
    {
        bool grew = false;
        for (int i = 0; i < into.Length; i++)
        {
            RefState merged = into[i] | state[i];
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

    private void Transfer(IOperation operation, RefState[] state)
    {
        TransferCore(operation, state);
        if (_flags.Count > 0)
        {
            ForgetFlagWrites(operation, state);
        }
    }

    /// <summary>Flags written other than by a plain statement `flag = value;` (compound, nested, deconstruction) become unknown.</summary>
    private void ForgetFlagWrites(IOperation operation, RefState[] state)
    {
        IOperation top = operation is IExpressionStatementOperation statement ? statement.Operation : operation;
        foreach (IOperation part in operation.DescendantsAndSelf())
        {
            IOperation? written = part switch
            {
                ISimpleAssignmentOperation assignment when !ReferenceEquals(part, top) => assignment.Target,
                ICompoundAssignmentOperation compound => compound.Target,
                ICoalesceAssignmentOperation coalesce => coalesce.Target,
                IDeconstructionAssignmentOperation deconstruction => deconstruction.Target,
                _ => null,
            };
            foreach (IOperation target in written?.DescendantsAndSelf() ?? Enumerable.Empty<IOperation>())
            {
                if (VariableOf(target) is var flag and >= 0 && _kinds[flag] == VariableKind.Flag)
                {
                    state[flag] = RefState.True | RefState.False;
                    _attemptFlags.Remove(flag);
                }
            }
        }
    }

    private void TransferCore(IOperation operation, RefState[] state)
    {
        switch (operation)
        {
            case IFlowCaptureOperation capture when _captureAliases.ContainsKey(capture.Id):
                return;
            case IFlowCaptureOperation capture:
                int slot = CaptureSlot(capture.Id);
                if (slot >= 0)
                {
                    state[slot] = Evaluate(capture.Value, state, moveAliases: false);
                }

                return;
            case IExpressionStatementOperation statement:
                TransferCore(statement.Operation, state);
                return;
            case ISimpleAssignmentOperation assignment:
                Assign(assignment, state);
                return;
            case IInvocationOperation invocation:
                // A call that is a whole statement of the graph: its result is discarded.
                Invoke(invocation, state);
                if (ReturnOf(invocation.TargetMethod) == ReturnOwnership.New)
                {
                    Report(OwnershipProblem.Leak, () => invocation.Syntax.GetLocation(), invocation.TargetMethod.Name + "(...)", () => "because the new reference it returns is discarded");
                }

                return;
            default:
                Use(operation, state);
                return;
        }
    }

    private void Assign(ISimpleAssignmentOperation assignment, RefState[] state)
    {
        IOperation target = assignment.Target;
        int variable = VariableOf(target);
        if (variable >= 0 && _kinds[variable] == VariableKind.Flag)
        {
            Use(assignment.Value, state);
            state[variable] = FlagValue(assignment.Value, state);
            if (Attempt(assignment.Value, isTrue: true) is (IInvocationOperation call, bool successWhenTrue))
            {
                _attemptFlags[variable] = (call, successWhenTrue);
            }
            else
            {
                _attemptFlags.Remove(variable);
            }

            return;
        }

        if (variable >= 0 && !IsField(variable))
        {
            RefState value = Evaluate(assignment.Value, state, moveAliases: true);
            if (_kinds[variable] == VariableKind.Local && state[variable].SomePath(RefState.Owned))
            {
                Report(OwnershipProblem.Leak, () => assignment.Syntax.GetLocation(), _names[variable], () => "when it is overwritten at line " + Line(assignment));
            }

            state[variable] = value;
            _aliasOf[variable] = VariableOf(assignment.Value);
            return;
        }

        if (variable < 0)
        {
            Use(target, state);
        }

        if (StoredField(target) is { } field)
        {
            if (variable >= 0)
            {
                Overwrite(variable, assignment, state);
            }

            // A plain store into a strong field (or an auto-property, a field by another name) moves one owned
            // reference into it.
            MoveOut(assignment.Value, state, RefState.Borrowed, "is stored in field '" + field.Name + "'");
            if (variable >= 0)
            {
                state[variable] = IsNullLiteral(assignment.Value) ? RefState.Null : RefState.Owned1;
            }
        }
        else
        {
            if (target is IPropertyReferenceOperation { Instance: IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } })
            {
                ForgetFields(state, VariableKind.InstanceField); // a setter of this object may change its fields
            }

            Use(assignment.Value, state);
        }
    }

    /// <summary>What a bool expression gives a flag: a constant, another flag (or its negation), else either value.</summary>
    private RefState FlagValue(IOperation value, RefState[] state)
    {
        bool negated = false;
        while (Unwrap(value) is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } negation)
        {
            value = negation.Operand;
            negated = !negated;
        }

        RefState known = Unwrap(value) switch
        {
            { ConstantValue: { HasValue: true, Value: bool constant } } => constant ? RefState.True : RefState.False,
            var other when VariableOf(other) is var source and >= 0 && _kinds[source] == VariableKind.Flag => state[source],
            _ => RefState.True | RefState.False,
        };
        return !negated || known == (RefState.True | RefState.False) ? known : known ^ (RefState.True | RefState.False);
    }

    /// <summary>The counted field a store writes: a field, or the backing field of an auto-property declared in source.</summary>
    private ISymbol? StoredField(IOperation target)
    {
        switch (target)
        {
            case IFieldReferenceOperation field when IsTracked(field.Field.Type):
                return field.Field;
            case IPropertyReferenceOperation { Property: { IsIndexer: false, SetMethod: not null } property } when IsTracked(property.Type):
                return _model.IsAutoProperty(property) ? property : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// A store into a field detaches what the field held. A local that read the field takes that reference over
    /// (`var old = _f; _f = x; old?.DecRef();`); otherwise an instance field that may still own it leaks it.
    /// </summary>
    private void Overwrite(int field, IOperation store, RefState[] state)
    {
        if (!state[field].SomePath(RefState.Owned))
        {
            return;
        }

        for (int i = 0; i < _names.Count; i++)
        {
            if (_aliasOf[i] == field && _kinds[i] == VariableKind.Local && state[i].AllPaths(RefState.Borrowed))
            {
                state[i] = RefState.Owned1 | (state[i] & RefState.Null);
                _aliasOf[i] = -1;
                return;
            }
        }

        if (_kinds[field] == VariableKind.InstanceField)
        {
            Report(OwnershipProblem.Leak, () => store.Syntax.GetLocation(), _names[field], () => "when the reference it holds is overwritten at line " + Line(store));
        }
    }

    /// <summary>A call that may change fields (a method of this object): what they hold is no longer known.</summary>
    private void ForgetFields(RefState[] state, VariableKind kind)
    {
        for (int i = 0; i < _names.Count; i++)
        {
            if (_kinds[i] == kind)
            {
                state[i] = RefState.Escaped;
            }
        }
    }

    private void Invoke(IInvocationOperation invocation, RefState[] state)
    {
        IMethodSymbol method = invocation.TargetMethod;
        int receiver = invocation.Instance is { } instance ? VariableOf(instance) : -1;
        bool incRef = _model.IsIncRef(method);
        bool release = !incRef && invocation.Instance is not null && _model.IsRelease(method, Unwrap(invocation.Instance).Type);
        int target = incRef || release ? receiver : -1;
        if (!incRef && !release && (_api.Increments(method) ?? _api.Decrements(method)) is int handleArgument)
        {
            incRef = _api.Increments(method) is not null;
            release = !incRef;
            target = HandleVariable(invocation, handleArgument);
            RememberSuccessFlag(invocation, target);
        }

        if (target >= 0)
        {
            int named = target;
            target = Owner(target, state);
            if (incRef)
            {
                Acquire(target, invocation, state);
            }
            else
            {
                CheckReleaseIsConditioned(named, invocation);
                Release(target, invocation, state, throughAlias: target != named);
            }

            return;
        }

        if (invocation.Instance is { } receiverOperation)
        {
            Use(receiverOperation, state);
        }

        PassArguments(method, invocation.Arguments, state);
        if (Unwrap(invocation.Instance ?? invocation) is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance }
            || invocation.Arguments.Any(a => Unwrap(a.Value) is IInstanceReferenceOperation))
        {
            ForgetFields(state, VariableKind.InstanceField);
        }

        if (_method is not null && SymbolEqualityComparer.Default.Equals(method.ContainingType, _method.ContainingType))
        {
            ForgetFields(state, VariableKind.StaticField);
        }
    }

    private void Acquire(int variable, IOperation at, RefState[] state)
    {
        if (state[variable].AllPaths(RefState.Released))
        {
            Report(OwnershipProblem.UseAfterRelease, () => at.Syntax.GetLocation(), _names[variable], () => "by IncRef at line " + Line(at));
            state[variable] = RefState.Escaped;
            return;
        }

        state[variable] = state[variable].Acquire();
    }

    private void Release(int variable, IOperation at, RefState[] state, bool throughAlias)
    {
        if (state[variable].AllPaths(RefState.Borrowed | RefState.Released))
        {
            string how = state[variable].AllPaths(RefState.Released) ? "when it is released again" : "when it is released without being owned";
            Report(OwnershipProblem.OverRelease, () => at.Syntax.GetLocation(), _names[variable], () => how + " at line " + Line(at));
            state[variable] = RefState.Escaped;
            return;
        }

        // The must-rule above keeps quiet when only some paths are released. One such path is certain, though: the
        // one on which this very release comes round again in a loop with nothing taking a new reference between.
        if (_collecting && !throughAlias && state[variable].SomePath(RefState.Released) && ReachesItselfUnrenewed(variable))
        {
            Report(OwnershipProblem.OverRelease, () => at.Syntax.GetLocation(), _names[variable], () => "when it is released again in the next iteration of the loop at line " + Line(at));
            state[variable] = RefState.Escaped;
            return;
        }

        state[variable] = state[variable].GiveUp(RefState.Released);
    }

    /// <summary>
    /// True when the current operation can run again (round a loop) without <paramref name="variable"/> being assigned,
    /// re-acquired, passed by reference, captured or re-declared on the way. A plain search over blocks, each once.
    /// </summary>
    private bool ReachesItselfUnrenewed(int variable)
    {
        (BasicBlock start, int index) = _position;
        if (Renews(start, index + 1, int.MaxValue, variable))
        {
            return false;
        }

        var seen = new bool[_cfg.Blocks.Length];
        var pending = new Stack<ControlFlowBranch>();
        PushSuccessors(start, pending);
        while (pending.Count > 0)
        {
            ControlFlowBranch branch = pending.Pop();
            if (branch.Destination is not { } block || branch.FinallyRegions.Length > 0 || branch.LeavingRegions.Any(r => r.Locals.Any(l => _variables.TryGetValue(l, out int v) && v == variable)))
            {
                continue; // leaves the method, runs a finally (not followed), or ends the variable's scope
            }

            if (block == start)
            {
                if (!Renews(start, 0, index - 1, variable))
                {
                    return true;
                }
            }
            else if (!seen[block.Ordinal] && !Renews(block, 0, int.MaxValue, variable))
            {
                seen[block.Ordinal] = true;
                PushSuccessors(block, pending);
            }
        }

        return false;
    }

    /// <summary>The variable an IncRef (or a configured increment) call adds a reference to, or -1.</summary>
    private int IncrementedVariable(IInvocationOperation call) =>
        _model.IsIncRef(call.TargetMethod) ? HandleVariable(call, -1)
            : _api.Increments(call.TargetMethod) is int argument ? HandleVariable(call, argument)
            : -1;

    /// <summary>The variable passed as argument <paramref name="argument"/> of a count call (-1: its receiver), or -1.</summary>
    private int HandleVariable(IInvocationOperation call, int argument) =>
        argument < 0 ? (call.Instance is null ? -1 : VariableOf(call.Instance))
            : argument < call.Arguments.Length ? VariableOf(call.Arguments[argument].Value)
            : -1;

    private static void PushSuccessors(BasicBlock block, Stack<ControlFlowBranch> pending)
    {
        if (block.FallThroughSuccessor is { } next)
        {
            pending.Push(next);
        }

        if (block.ConditionalSuccessor is { } conditional)
        {
            pending.Push(conditional);
        }
    }

    /// <summary>Whether the block's operations <paramref name="from"/>..<paramref name="to"/> (and its branch value) give the variable a new value or reference.</summary>
    private bool Renews(BasicBlock block, int from, int to, int variable)
    {
        ImmutableArray<IOperation> operations = block.BranchValue is null ? block.Operations : block.Operations.Add(block.BranchValue);
        for (int i = Math.Max(from, 0); i <= Math.Min(to, operations.Length - 1); i++)
        {
            foreach (IOperation part in operations[i].DescendantsAndSelf())
            {
                bool renews = part switch
                {
                    ISimpleAssignmentOperation assignment => VariableOf(assignment.Target) == variable,
                    IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument => VariableOf(argument.Value) == variable,
                    IInvocationOperation call => IncrementedVariable(call) == variable,
                    IFlowAnonymousFunctionOperation => true,
                    _ => false,
                };
                if (renews)
                {
                    return true;
                }
            }
        }

        return false;
    }

    // SafeHandle.DangerousAddRef(ref bool success) adds a reference only when it sets success: remember the flag, so
    // that the side of `if (success)` where it is false gives the reference back (see Refine).
    private void RememberSuccessFlag(IInvocationOperation invocation, int handle)
    {
        if (handle >= 0 && invocation.Arguments.FirstOrDefault(a => a.Parameter?.RefKind == RefKind.Ref)?.Value is ILocalReferenceOperation flag)
        {
            _successFlags[flag.Local] = handle;
        }
    }

    /// <summary>
    /// SafeHandle.DangerousAddRef either sets its success flag or throws, so the matching DangerousRelease (usually in a
    /// finally, reached by that throw too) must run only under <c>if (flag)</c>: otherwise it releases a reference that
    /// was never added.
    /// </summary>
    private void CheckReleaseIsConditioned(int handle, IInvocationOperation release)
    {
        if (!_collecting)
        {
            return;
        }

        foreach (KeyValuePair<ILocalSymbol, int> flag in _successFlags)
        {
            if (flag.Value == handle && !IsGuardedBy(release.Syntax, flag.Key.Name))
            {
                Report(OwnershipProblem.OverRelease, () => release.Syntax.GetLocation(), _names[handle], () => "when it is released without testing '" + flag.Key.Name + "', the success flag of its add-ref, at line " + Line(release));
            }
        }
    }

    /// <summary>Whether <paramref name="node"/> sits in the then-branch of an <c>if</c> whose condition requires <paramref name="flag"/> (<c>flag</c>, <c>flag &amp;&amp; …</c>).</summary>
    private static bool IsGuardedBy(SyntaxNode node, string flag)
    {
        for (SyntaxNode? child = node, parent = node.Parent; parent is not null and not MemberDeclarationSyntax; child = parent, parent = parent.Parent)
        {
            if (parent is IfStatementSyntax test && test.Statement == child && Requires(test.Condition, flag))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Requires(ExpressionSyntax condition, string flag) => condition switch
    {
        IdentifierNameSyntax name => name.Identifier.ValueText == flag,
        ParenthesizedExpressionSyntax inner => Requires(inner.Expression, flag),
        BinaryExpressionSyntax both when both.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.LogicalAndExpression) => Requires(both.Left, flag) || Requires(both.Right, flag),
        _ => false,
    };

    private void PassArguments(IMethodSymbol method, ImmutableArray<IArgumentOperation> arguments, RefState[] state)
    {
        foreach (IArgumentOperation argument in arguments)
        {
            if (argument.Parameter is { } parameter && (_model.Steals(parameter) || _api.Steals(method, parameter.Ordinal)))
            {
                MoveOut(argument.Value, state, RefState.Released, "is passed to [StealsReference] parameter '" + parameter.Name + "' of " + method.Name);
            }
            else if (argument.Parameter?.RefKind is RefKind.Out or RefKind.Ref && VariableOf(argument.Value) is var flag and >= 0 && _kinds[flag] == VariableKind.Flag)
            {
                state[flag] = RefState.True | RefState.False;
            }
            else if (argument.Parameter is { RefKind: RefKind.Out } output && VariableOf(argument.Value) is var received and >= 0)
            {
                if (_kinds[received] == VariableKind.Local && state[received].SomePath(RefState.Owned))
                {
                    Report(OwnershipProblem.Leak, () => argument.Syntax.GetLocation(), _names[received], () => "when it is overwritten at line " + Line(argument));
                }

                state[received] = OutOf(method, output) == ReturnOwnership.New ? RefState.Owned1 : RefState.Borrowed;
            }
            else if (argument.Parameter?.RefKind == RefKind.Ref && VariableOf(argument.Value) is var byRef and >= 0)
            {
                state[byRef] = RefState.Escaped;
            }
            else
            {
                Use(argument.Value, state);
            }
        }
    }

    /// <summary>The variable that owns what <paramref name="variable"/> names: itself, or the owner it is a borrowing alias of.</summary>
    private int Owner(int variable, RefState[] state)
    {
        int alias = _aliasOf[variable];
        return alias >= 0 && alias != variable && state[variable].AllPaths(RefState.Borrowed) && state[alias].SomePath(RefState.Owned) ? alias : variable;
    }

    /// <summary>Hands one owned reference held by <paramref name="value"/> to someone else (a field, a stealing parameter, the caller).</summary>
    private void MoveOut(IOperation value, RefState[] state, RefState lastLeaves, string how)
    {
        int variable = VariableOf(value);
        if (variable >= 0)
        {
            variable = Owner(variable, state);
        }

        if (variable < 0)
        {
            if (IsBorrowedExpression(value))
            {
                Report(OwnershipProblem.BorrowedEscapes, () => value.Syntax.GetLocation(), value.Syntax.ToString(), () => how);
            }

            Use(value, state);
            return;
        }

        RefState current = state[variable];
        if (current.AllPaths(RefState.Released))
        {
            Report(OwnershipProblem.UseAfterRelease, () => value.Syntax.GetLocation(), _names[variable], () => "because it " + how + " at line " + Line(value));
            state[variable] = RefState.Escaped;
        }
        else if (current.AllPaths(RefState.Borrowed))
        {
            Report(OwnershipProblem.BorrowedEscapes, () => value.Syntax.GetLocation(), _names[variable], () => how);
            state[variable] = RefState.Escaped;
        }
        else
        {
            state[variable] = current.GiveUp(lastLeaves);
        }
    }

    private void Return(IOperation value, RefState[] state)
    {
        ReturnOwnership declared = _method is null ? ReturnOwnership.None : _model.DeclaredReturnOf(_method);
        int variable = VariableOf(value);
        if (variable < 0)
        {
            // A returned expression: run its effects (a wrapping constructor stealing a handle, nested calls), then
            // check it against the contract.
            Evaluate(value, state, moveAliases: false);
            if (declared == ReturnOwnership.Borrowed && IsNewReference(value))
            {
                Report(OwnershipProblem.BrokenContract, () => value.Syntax.GetLocation(), value.Syntax.ToString(), () => "[BorrowedReference] method '" + _method!.Name + "' returns a new reference");
            }
            else if (declared == ReturnOwnership.New && IsBorrowedExpression(value))
            {
                Report(OwnershipProblem.BorrowedEscapes, () => value.Syntax.GetLocation(), value.Syntax.ToString(), () => "is returned from [NewReference] method '" + _method!.Name + "'");
            }

            return;
        }

        if (declared == ReturnOwnership.Borrowed)
        {
            if (state[variable].SomePath(RefState.Owned) && _kinds[variable] == VariableKind.Local)
            {
                Report(OwnershipProblem.BrokenContract, () => value.Syntax.GetLocation(), _names[variable], () => "[BorrowedReference] method '" + _method!.Name + "' returns an owned reference");
                state[variable] = RefState.Escaped;
            }

            Use(value, state);
            return;
        }

        if (declared == ReturnOwnership.New || (!IsField(variable) && state[Owner(variable, state)].SomePath(RefState.Owned)))
        {
            MoveOut(value, state, RefState.Released, "is returned from [NewReference] method '" + _method?.Name + "'");
            return;
        }

        Use(value, state);
    }

    private void CheckExit(RefState[] state, Location location, string path)
    {
        for (int i = 0; i < _names.Count; i++)
        {
            if (_kinds[i] == VariableKind.Local)
            {
                // What every path leaving here holds, leaking or not: decides which release a fix may insert.
                _exitStates.TryGetValue((location, _names[i]), out RefState seen);
                _exitStates[(location, _names[i])] = seen | state[i];
            }

            if (!state[i].SomePath(RefState.Owned) || IsField(i))
            {
                continue; // a field keeps what it owns
            }

            if (_stealsParameters.Contains(i))
            {
                Report(OwnershipProblem.BrokenContract, () => location, _names[i], () => "[StealsReference] parameter '" + _names[i] + "' is not consumed " + path);
            }
            else if (_kinds[i] == VariableKind.Local)
            {
                Report(OwnershipProblem.Leak, () => location, _names[i], () => path);
                RememberFlags((OwnershipProblem.Leak, location, _names[i]), state);
            }
            else if (!_captures.ContainsValue(i) && state[i].AllPaths(RefState.Owned))
            {
                // A parameter that took a reference of its own on every path and never gave it back. (Only on every
                // path: a borrowed parameter is often IncRef'd under a condition that its release repeats.)
                Report(OwnershipProblem.Leak, () => location, _names[i], () => path);
            }
        }
    }

    /// <summary>
    /// The state a variable gets from <paramref name="value"/>. Copying a variable makes a borrowing alias (a cursor,
    /// a second name): the source keeps its ownership, and a release through the alias is charged to the source.
    /// </summary>
    private RefState Evaluate(IOperation value, RefState[] state, bool moveAliases)
    {
        value = Unwrap(value);
        int source = VariableOf(value);
        if (source >= 0)
        {
            RefState copied = state[source];
            if (moveAliases && copied.SomePath(RefState.Owned) && _kinds[source] == VariableKind.Capture)
            {
                // A compiler temporary (the value of `c ? new T() : null`) hands its reference to the variable.
                state[source] = RefState.Borrowed | (copied & RefState.Null);
                return copied;
            }

            if (moveAliases && copied.SomePath(RefState.Owned))
            {
                copied = RefState.Borrowed | (copied & (RefState.Null | RefState.Escaped));
            }

            return copied;
        }

        switch (value)
        {
            case IObjectCreationOperation creation:
                if (creation.Constructor is { } constructor)
                {
                    PassArguments(constructor, creation.Arguments, state);
                }

                return _model.IsCounted(creation.Type) || _api.IsHandle(creation.Type) ? RefState.Owned1 : RefState.Borrowed;
            case IInvocationOperation invocation:
                Invoke(invocation, state);
                return ReturnOf(invocation.TargetMethod) == ReturnOwnership.New ? RefState.Owned1 : RefState.Borrowed;
            case ILiteralOperation { ConstantValue: { HasValue: true, Value: null } }:
            case IDefaultValueOperation:
                return RefState.Null;
            case IFlowAnonymousFunctionOperation lambda:
                EscapeCaptured(lambda, state);
                return RefState.Borrowed;
            default:
                Use(value, state);
                return RefState.Borrowed;
        }
    }

    /// <summary>Reads of variables inside <paramref name="operation"/>: a read after release is REFS003.</summary>
    private void Use(IOperation operation, RefState[] state)
    {
        // Nested calls re-enter Use through Invoke: each level gets its own stack, reused from a small pool.
        Stack<IOperation> pending = _usePool.Count > 0 ? _usePool.Pop() : new Stack<IOperation>();
        try
        {
            UseWith(operation, state, pending);
        }
        finally
        {
            pending.Clear();
            _usePool.Push(pending);
        }
    }

    private void UseWith(IOperation operation, RefState[] state, Stack<IOperation> pending)
    {
        pending.Push(operation);
        while (pending.Count > 0)
        {
            IOperation current = pending.Pop();
            if (current is IFlowAnonymousFunctionOperation lambda)
            {
                EscapeCaptured(lambda, state);
                continue;
            }

            if (current is IInvocationOperation call)
            {
                Invoke(call, state);
                continue;
            }

            int variable = VariableOf(current);
            if (variable >= 0)
            {
                if (state[variable].AllPaths(RefState.Released))
                {
                    Report(OwnershipProblem.UseAfterRelease, () => current.Syntax.GetLocation(), _names[variable], () => "at line " + Line(current));
                    state[variable] = RefState.Escaped;
                }

                continue;
            }

            foreach (IOperation child in current.ChildOperations)
            {
                pending.Push(child);
            }
        }
    }

    /// <summary>A variable captured by a lambda or local function may be used or released anywhere: stop tracking it.</summary>
    private void EscapeCaptured(IFlowAnonymousFunctionOperation lambda, RefState[] state)
    {
        if (!_capturedBy.TryGetValue(lambda, out int[]? captured))
        {
            ControlFlowGraph body = _cfg.GetAnonymousFunctionControlFlowGraph(lambda);
            _capturedBy[lambda] = captured = body.Blocks
                .SelectMany(b => b.BranchValue is null ? b.Operations : b.Operations.Add(b.BranchValue))
                .SelectMany(o => o.DescendantsAndSelf())
                .Select(reference => reference switch
                {
                    ILocalReferenceOperation local => local.Local,
                    IParameterReferenceOperation parameter => (ISymbol)parameter.Parameter,
                    _ => null,
                })
                .Where(symbol => symbol is not null && _variables.ContainsKey(symbol))
                .Select(symbol => _variables[symbol!])
                .Distinct()
                .ToArray();
        }

        foreach (int index in captured)
        {
            state[index] = RefState.Escaped;
        }
    }

    /// <summary>
    /// Refines the side of a branch where <paramref name="condition"/> is <paramref name="isTrue"/>: a flag takes that
    /// value, a null-tested variable holds nothing on its null side, a failed call handed nothing back. False when
    /// the side cannot happen on this path (a flag known to have the other value).
    /// </summary>
    private bool Refine(IOperation condition, RefState[] state, bool isTrue)
    {
        while (Unwrap(condition) is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } negation)
        {
            condition = negation.Operand;
            isTrue = !isTrue;
        }

        if (VariableOf(condition) is var flag and >= 0 && _kinds[flag] == VariableKind.Flag)
        {
            RefState side = isTrue ? RefState.True : RefState.False;
            if ((state[flag] & side) == 0)
            {
                return false;
            }

            state[flag] = side;
            if (_attemptFlags.TryGetValue(flag, out (IInvocationOperation Call, bool SuccessWhenTrue) attempted) && isTrue != attempted.SuccessWhenTrue)
            {
                HandBackNothing(attempted.Call, state);
            }
        }

        if (Attempt(condition, isTrue) is (IInvocationOperation attempt, bool succeeded))
        {
            // `if (TryCreate(out var made))`, `if (Marshal.QueryInterface(p, ref iid, out var q) == 0)`: where the
            // call failed, it handed back nothing through its out parameters.
            if (!succeeded)
            {
                HandBackNothing(attempt, state);
            }

            return true;
        }

        (IOperation? tested, bool nullWhenTrue) = condition switch
        {
            IIsNullOperation nullCheck => (nullCheck.Operand, true),
            IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals } b when IsNullLiteral(b.RightOperand) => (b.LeftOperand, true),
            IBinaryOperation { OperatorKind: BinaryOperatorKind.NotEquals } b when IsNullLiteral(b.RightOperand) => (b.LeftOperand, false),
            IIsPatternOperation { Pattern: IConstantPatternOperation c } p when IsNullLiteral(c.Value) => (p.Value, true),
            IIsPatternOperation { Pattern: INegatedPatternOperation { Pattern: IConstantPatternOperation c } } p when IsNullLiteral(c.Value) => (p.Value, false),
            IIsPatternOperation { Pattern: IDeclarationPatternOperation or ITypePatternOperation or IRecursivePatternOperation } p => (p.Value, false),
            _ => (null, false),
        };
        if (Unwrap(condition) is ILocalReferenceOperation success && _successFlags.TryGetValue(success.Local, out int handle) && !isTrue)
        {
            // The add-ref failed on this side: the reference it would have added does not exist.
            state[handle] = state[handle].GiveUp(RefState.Borrowed);
            return true;
        }

        int variable = tested is null ? -1 : VariableOf(tested);
        if (variable < 0 || (state[variable] & RefState.Escaped) != 0)
        {
            return true;
        }

        bool isNull = isTrue == nullWhenTrue;
        RefState refined = isNull ? state[variable] & RefState.Null : state[variable] & ~RefState.Null;
        state[variable] = isNull ? RefState.Null : refined == RefState.None ? state[variable] : refined;
        return true;
    }

    /// <summary>A call that failed handed back nothing through the <c>out</c> parameters that would give new references.</summary>
    private void HandBackNothing(IInvocationOperation call, RefState[] state)
    {
        foreach (IArgumentOperation argument in call.Arguments)
        {
            if (argument.Parameter is { RefKind: RefKind.Out } output && VariableOf(argument.Value) is var received and >= 0 && OutOf(call.TargetMethod, output) == ReturnOwnership.New)
            {
                state[received] = RefState.Null;
            }
        }
    }

    /// <summary>
    /// A call tested for success (a bool result, or an HRESULT compared with 0), and whether it succeeded on the
    /// side where the condition is <paramref name="isTrue"/>.
    /// </summary>
    private static (IInvocationOperation Call, bool Succeeded)? Attempt(IOperation condition, bool isTrue) => Unwrap(condition) switch
    {
        IInvocationOperation call => (call, isTrue),
        IBinaryOperation { RightOperand.ConstantValue: { HasValue: true, Value: 0 } } test when Unwrap(test.LeftOperand) is IInvocationOperation call => test.OperatorKind switch
        {
            BinaryOperatorKind.Equals or BinaryOperatorKind.GreaterThanOrEqual => (call, isTrue),
            BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan => (call, !isTrue),
            _ => null,
        },
        _ => null,
    };

    private bool IsNewReference(IOperation value) =>
        Unwrap(value) is IObjectCreationOperation creation && _model.IsCounted(creation.Type)
            || (Unwrap(value) is IInvocationOperation call && ReturnOf(call.TargetMethod) == ReturnOwnership.New);

    private static bool IsNullLiteral(IOperation operation) =>
        Unwrap(operation) is ILiteralOperation { ConstantValue: { HasValue: true, Value: null } } or IDefaultValueOperation
            or IFieldReferenceOperation { Field: { Name: "Zero", ContainingType.SpecialType: SpecialType.System_IntPtr } };

    // Field reads are not listed: moving a reference from one strong field to another (then overwriting the first)
    // is ownership transfer, not an escape.
    private bool IsBorrowedExpression(IOperation value) =>
        Unwrap(value) is IPropertyReferenceOperation or IArrayElementReferenceOperation or IParameterReferenceOperation
            || (Unwrap(value) is IInvocationOperation call && ReturnOf(call.TargetMethod) == ReturnOwnership.Borrowed);

    /// <summary>The tracked variable (local, parameter or flow capture) an operation reads, or -1.</summary>
    private int VariableOf(IOperation operation)
    {
        operation = Unwrap(operation);
        return operation switch
        {
            ILocalReferenceOperation local when _variables.TryGetValue(local.Local, out int index) => index,
            IParameterReferenceOperation parameter when _variables.TryGetValue(parameter.Parameter, out int index) => index,
            IFlowCaptureReferenceOperation capture when _captureAliases.TryGetValue(capture.Id, out int alias) => alias,
            IFlowCaptureReferenceOperation capture when _captures.TryGetValue(capture.Id, out int slot) => slot,
            IFieldReferenceOperation field when IsOwnField(field) && _variables.TryGetValue(field.Field, out int index) => index,
            _ => -1,
        };
    }

    private static IOperation Unwrap(IOperation operation)
    {
        while (operation is IConversionOperation or IDeclarationExpressionOperation)
        {
            operation = operation is IConversionOperation conversion ? conversion.Operand : ((IDeclarationExpressionOperation)operation).Expression;
        }

        return operation;
    }

    // Findings are only kept in the final replay; during the fixpoint iteration nothing is built (locations and line
    // numbers cost a syntax walk), hence the lazily computed location and detail.
    private void Report(OwnershipProblem problem, Func<Location> location, string variable, Func<string> detail)
    {
        if (_collecting && variable != "<capture>")
        {
            Location where = location();
            var key = (problem, where, variable);
            if (_reports.TryGetValue(key, out var seen))
            {
                _reports[key] = (seen.Reports + 1, seen.Block);
            }
            else
            {
                _findings[key] = new OwnershipFinding(problem, where, variable, detail());
                _reports[key] = (1, _position.Block?.Ordinal ?? -1);
            }
        }
    }

    // The flag values of the paths on which a leak was found: a flag that has one value on all of them names the branch.
    private void RememberFlags((OwnershipProblem, Location, string) key, RefState[] state)
    {
        if (_flags.Count == 0 || !_collecting)
        {
            return;
        }

        if (!_leakFlags.TryGetValue(key, out RefState[]? seen))
        {
            _leakFlags[key] = seen = new RefState[_flags.Count];
        }

        for (int f = 0; f < _flags.Count; f++)
        {
            seen[f] |= state[_flags[f]];
        }
    }

    private string BranchOf((OwnershipProblem, Location, string) key)
    {
        if (!_leakFlags.TryGetValue(key, out RefState[]? seen))
        {
            return string.Empty;
        }

        IEnumerable<string> conditions = Enumerable.Range(0, _flags.Count)
            .Where(f => seen[f] is RefState.True or RefState.False)
            .Select(f => "'" + _names[_flags[f]] + "' is " + (seen[f] == RefState.True ? "true" : "false"));
        string where = string.Join(" and ", conditions);
        return where.Length == 0 ? string.Empty : " where " + where;
    }

    /// <summary>
    /// The findings, each told whether every flag-split path through its operation is wrong (a finding reported by
    /// fewer paths than reach its block holds only on some), and for a leak at an exit which release fits there.
    /// </summary>
    private IReadOnlyCollection<OwnershipFinding> Findings()
    {
        var findings = new List<OwnershipFinding>(_findings.Count);
        foreach (KeyValuePair<(OwnershipProblem Problem, Location Where, string Variable), OwnershipFinding> entry in _findings)
        {
            OwnershipFinding finding = entry.Value;
            (int reports, int block) = _reports[entry.Key];
            bool onEveryPath = finding.Problem is not (OwnershipProblem.OverRelease or OwnershipProblem.UseAfterRelease or OwnershipProblem.BorrowedEscapes)
                || block < 0 || reports >= (_blockInputs[block]?.Count ?? 1);
            string? exitRelease = null;
            if (finding.Problem == OwnershipProblem.Leak && _exitStates.TryGetValue((finding.Location, finding.Variable), out RefState atExit)
                && (atExit & ~(RefState.Owned1 | RefState.Null)) == RefState.None)
            {
                exitRelease = (atExit & RefState.Null) != 0 ? "?.DecRef" : ".DecRef";
            }

            string detail = finding.Detail + BranchOf(entry.Key) + (onEveryPath ? string.Empty : " on some paths");
            findings.Add(new OwnershipFinding(finding.Problem, finding.Location, finding.Variable, detail, onEveryPath, exitRelease));
        }

        return findings;
    }

    /// <summary>Where a path leaves: the return or throw statement, else the closing brace of the body.</summary>
    private Location ExitLocation(BasicBlock block, ControlFlowBranch branch)
    {
        SyntaxNode body = _cfg.OriginalOperation.Syntax;
        if (block.BranchValue is { } value && block.ConditionalSuccessor is null)
        {
            SyntaxNode? statement = value.Syntax.Parent;
            return (statement is ReturnStatementSyntax or ThrowStatementSyntax ? statement : value.Syntax).GetLocation();
        }

        // A valueless `return;` leaves no operation behind: it is found in the source after the last code before it,
        // skipping the other valueless returns the graph lays out in between (`return;` in a try, then in its catch).
        if (branch.Semantics is ControlFlowBranchSemantics.Return or ControlFlowBranchSemantics.Regular)
        {
            int skipped = 0;
            SyntaxNode? last = null;
            for (int ordinal = block.Ordinal; ordinal >= 0 && last is null; ordinal--)
            {
                BasicBlock earlier = _cfg.Blocks[ordinal];
                last = earlier.BranchValue?.Syntax ?? earlier.Operations.LastOrDefault()?.Syntax;
                if (last is null && ordinal < block.Ordinal && IsValuelessReturn(earlier))
                {
                    skipped++;
                }
            }

            ReturnStatementSyntax? next = last is null ? null : body.DescendantNodes()
                .OfType<ReturnStatementSyntax>()
                .Where(r => r.Expression is null && r.SpanStart >= last.Span.End)
                .OrderBy(r => r.SpanStart)
                .Skip(IsValuelessReturn(block) ? skipped : 0)
                .FirstOrDefault();
            if (next is not null)
            {
                return next.GetLocation();
            }
        }

        return body.GetLastToken().GetLocation();
    }

    private static bool IsValuelessReturn(BasicBlock block) =>
        block.FallThroughSuccessor?.Semantics == ControlFlowBranchSemantics.Return && block.BranchValue is null && block.Operations.IsEmpty;

    private static int Line(IOperation operation) => operation.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
}

/// <summary>What a tracked slot of the state stands for.</summary>
internal enum VariableKind
{
    /// <summary>A local: starts null, must not own anything when its scope ends.</summary>
    Local,

    /// <summary>A parameter: starts borrowed (owned if it steals its argument).</summary>
    Parameter,

    /// <summary>A compiler flow capture (the receiver of `x?.M()`, a `using` resource).</summary>
    Capture,

    /// <summary>A counted field of the object the method runs on: owns what it holds.</summary>
    InstanceField,

    /// <summary>A counted static field: owns what it holds for the program's lifetime.</summary>
    StaticField,

    /// <summary>A bool local or parameter that branches test: holds <see cref="RefState.True"/> / <see cref="RefState.False"/>.</summary>
    Flag,
}

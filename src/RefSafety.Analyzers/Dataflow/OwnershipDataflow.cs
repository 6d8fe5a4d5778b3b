using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Dataflow;

/// <summary>
/// The ownership dataflow of one control flow graph: a forward worklist analysis over basic blocks in which each
/// tracked variable (counted locals, parameters and fields of this object, bool flags, plus the compiler's flow
/// captures) holds a <see cref="RefState"/>. It iterates to a fixpoint (loops any number of times), then replays every
/// block once per input with its final state to collect findings, so each mistake is reported once. Iterative
/// throughout: no recursion over the graph.
/// </summary>
/// <remarks>
/// Leaks are "may" findings (some path leaves with an owned reference), the other problems "must" findings (every
/// path reaching the operation is wrong): the classic trade that keeps correlated branches from causing false
/// over-release or use-after-release reports. Finally blocks are analysed once with the union of the states that
/// enter them; each continuation (a return, a break, the normal exit) then goes on with the finally's result for the
/// variables the finally touches and with its own entry state for the rest. Exceptions thrown by calls are not paths
/// (every call could throw); explicit <c>throw</c> statements are. After a finding, the variable is no longer tracked
/// on that path: one mistake, one diagnostic. A block's input is a few states rather than one when paths disagree on a
/// bool flag a branch tests, so branches correlated through a flag stay apart.
/// <para>This file holds the worklist and the paths between blocks; the partial files hold the variables
/// (<c>.Variables</c>), the transfer functions (<c>.Transfer</c>), branch conditions (<c>.Conditions</c>), finally
/// blocks (<c>.Finally</c>), releases repeated by loops (<c>.Loops</c>) and reporting (<c>.Findings</c>).</para>
/// </remarks>
internal sealed partial class OwnershipDataflow
{
    /// <summary>The most variables tracked in one graph; the rest are ignored (the state stays bounded).</summary>
    public const int MaxTrackedVariables = 256;

    /// <summary>The most bool flags whose values split the paths.</summary>
    public const int MaxFlags = 4;

    /// <summary>The most states (flag combinations) a block's input keeps apart before joining them.</summary>
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
    private readonly HashSet<VariableKind> _declaredKinds = new();
    private readonly HashSet<int> _stealsParameters = new();
    private readonly List<RefState[]>?[] _blockInputs;
    private readonly List<int> _flags = new();
    // The call whose success a flag was last assigned from (`bool ok = TryCreate(out x)`): a side table like _aliasOf.
    private readonly Dictionary<int, (IInvocationOperation Call, bool SuccessWhenTrue)> _attemptFlags = new();
    private readonly Dictionary<ControlFlowRegion, List<(ControlFlowBranch Branch, int FinallyIndex)>> _finallyContinuations = new();
    private readonly Dictionary<ControlFlowBranch, ControlFlowRegion[]> _finallyChains = new();
    private readonly Dictionary<(ControlFlowBranch Branch, int FinallyIndex), RefState[]> _finallyEntries = new();
    private readonly Dictionary<ControlFlowRegion, bool[]> _finallyTouches = new();
    private readonly Dictionary<IFlowAnonymousFunctionOperation, int[]> _capturedBy = new();
    private readonly Stack<Stack<IOperation>> _usePool = new();
    // Side tables, not part of the per-path state: the last write wins whatever the path (an approximation; the
    // state checks before they are trusted, e.g. Owner only follows an alias that still borrows).
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
        foreach (ControlFlowRegion region in RegionsAround(block))
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
}

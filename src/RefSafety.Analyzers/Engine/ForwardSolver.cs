using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace RefSafety.Analyzers.Engine;

/// <summary>
/// The one forward solver under every flow analysis: a worklist over the basic blocks of a Roslyn control flow graph
/// that iterates an <see cref="IForwardFlow{TState}"/> to a fixpoint, then can replay every block once with its final
/// input (the pass in which a problem records what it found). It knows no problem kinds and no strings. Iterative
/// throughout: no recursion over the graph, whatever its size or nesting.
/// </summary>
/// <remarks>
/// The meaning of exceptions, finally and loops, for every analysis:
/// <list type="bullet">
/// <item>Loops: blocks are revisited until their input stops growing (the lattice must have finite height), lowest
/// ordinal first, so a loop body settles before the code after it.</item>
/// <item>Exceptions thrown by calls are not paths of their own (every call could throw), but a catch (or filter) can be
/// entered from anywhere in its try: the problem's exception state of every block of a try (by default its input;
/// the ownership problem takes the states at its calls) joins the entry of the catch handlers of the
/// innermost try-with-catch around it. Handlers are themselves inside any outer try, so outer handlers see inner
/// states too, and the cost stays linear in the nesting.</item>
/// <item>An explicit <c>throw</c> is a path: it runs the finally blocks between it and the innermost catch of this
/// graph, then enters that catch; uncaught, it leaves the graph (<see cref="IForwardFlow{TState}.Exit"/>).</item>
/// <item>Finally: a finally region runs once on the union of the states entering it; each path that entered it (a
/// return inside the try, the normal exit, a break, a throw) then goes on from the finally's exit as the problem's
/// <see cref="IForwardFlow{TState}.ResumeAfterFinally"/> combines it with what that path carried in, through the next
/// finally of its chain, to its destination. A finally's paths are propagated again only when its exit state grew or
/// the path's own entry did, which keeps deep nesting linear.</item>
/// <item>The graph of a lambda or local function hangs inside its parent's regions; its own region tree ends at its
/// root, and the solver never walks past it.</item>
/// </list>
/// </remarks>
internal sealed class ForwardSolver<TState>
    where TState : class
{
    private readonly ControlFlowGraph _graph;
    private readonly IForwardFlow<TState> _flow;
    private readonly CancellationToken _cancellationToken;
    private readonly TState?[] _inputs;
    private readonly SortedSet<int> _work = new();
    private readonly BasicBlock[]?[] _handlersOf;
    private readonly Dictionary<ControlFlowBranch, ControlFlowRegion[]> _finallyChains = new();

    // The finally chain of each block's two successors, [2 * ordinal] falling through and [2 * ordinal + 1] jumping,
    // found on the first visit: Roslyn computes a branch's FinallyRegions afresh on every read.
    private readonly ControlFlowRegion[]?[] _chainOfSuccessor;

    // Likewise the regions each successor leaves (default until first read), for the problem's Cross.
    private readonly ImmutableArray<ControlFlowRegion>[] _leavingOfSuccessor;
    private readonly Dictionary<ControlFlowRegion, FinallyPaths> _finallies = new();

    // Where each path that ran finally blocks arrived in the end, with the union of the states it arrived with: the
    // replay goes there directly instead of walking every finally chain again.
    private readonly Dictionary<ControlFlowBranch, TState> _arrivals = new();
    private bool _replaying;

    private ForwardSolver(ControlFlowGraph graph, IForwardFlow<TState> flow, CancellationToken cancellationToken)
    {
        _graph = graph;
        _flow = flow;
        _cancellationToken = cancellationToken;
        _inputs = new TState?[graph.Blocks.Length];
        _handlersOf = new BasicBlock[]?[graph.Blocks.Length];
        _chainOfSuccessor = new ControlFlowRegion[]?[2 * graph.Blocks.Length];
        _leavingOfSuccessor = new ImmutableArray<ControlFlowRegion>[2 * graph.Blocks.Length];
    }

    /// <summary>False when the iteration budget ran out before the fixpoint: the inputs are then incomplete.</summary>
    public bool Converged { get; private set; }

    /// <summary>Iterates <paramref name="flow"/> over <paramref name="graph"/> to its fixpoint.</summary>
    public static ForwardSolver<TState> Solve(ControlFlowGraph graph, IForwardFlow<TState> flow, CancellationToken cancellationToken)
    {
        var solver = new ForwardSolver<TState>(graph, flow, cancellationToken);
        solver.Iterate();
        return solver;
    }

    /// <summary>
    /// Runs every reachable block once more with its final input, exits and finally continuations included, without
    /// changing the solution: the pass in which a problem records its findings, each once. The solver's last pass: it
    /// hands the problem the final states themselves (no copies), so it may run only once.
    /// </summary>
    public void Replay()
    {
        _replaying = true;
        foreach (BasicBlock block in _graph.Blocks)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_inputs[block.Ordinal] is { } input)
            {
                Process(block, input);
            }
        }

        foreach (KeyValuePair<ControlFlowBranch, TState> arrival in _arrivals)
        {
            Arrive(arrival.Key, arrival.Value, arrival.Key.Source);
        }
    }

    private void Iterate()
    {
        _inputs[0] = _flow.Entry();
        _work.Add(0);

        // Generous for any real method (a block settles in a few visits per lattice level); past it, give up.
        int budget = (_graph.Blocks.Length * 64) + 1024;
        while (_work.Count > 0)
        {
            if (budget-- == 0)
            {
                return;
            }

            _cancellationToken.ThrowIfCancellationRequested();
            int ordinal = _work.Min;
            _work.Remove(ordinal);
            if (_inputs[ordinal] is { } input)
            {
                Process(_graph.Blocks[ordinal], _flow.Copy(input));
            }
        }

        Converged = true;
    }

    private void Process(BasicBlock block, TState state)
    {
        // The replay changes no input: what flows into handlers, finally blocks and successors is known already.
        if (!_replaying && HandlersOf(block) is { Length: > 0 } handlers && _flow.ExceptionState(block, _flow.Copy(state)) is { } thrown)
        {
            foreach (BasicBlock handler in handlers)
            {
                MergeInto(handler, thrown);
            }
        }

        _flow.Transfer(block, state);
        if (block.ConditionalSuccessor is { } conditional && block.BranchValue is not null)
        {
            bool jumpsWhenTrue = block.ConditionKind == ControlFlowConditionKind.WhenTrue;
            if (_flow.Branch(block, _flow.Copy(state), jumpsWhenTrue) is { } jumping)
            {
                Follow(conditional, jumping, block);
            }

            if (_flow.Branch(block, state, !jumpsWhenTrue) is { } fallingThrough && block.FallThroughSuccessor is { } next)
            {
                Follow(next, fallingThrough, block);
            }
        }
        else if (block.FallThroughSuccessor is { } next)
        {
            if (block.BranchValue is { } value)
            {
                _flow.Value(block, value, state, returned: next.Semantics == ControlFlowBranchSemantics.Return);
            }

            Follow(next, state, block);
        }
    }

    private void Follow(ControlFlowBranch branch, TState state, BasicBlock from)
    {
        ControlFlowRegion[] finallies = _chainOfSuccessor[SlotOf(branch)] ??= FinallyChain(branch, from);
        if (finallies.Length > 0)
        {
            if (!_replaying)
            {
                EnterFinally(branch, 0, state); // replayed where the path arrived (see Replay)
            }
        }
        else
        {
            Arrive(branch, state, from);
        }
    }

    /// <summary>Where a path goes once the finally blocks on its way have run.</summary>
    private void Arrive(ControlFlowBranch branch, TState state, BasicBlock from)
    {
        switch (branch.Semantics)
        {
            case ControlFlowBranchSemantics.StructuredExceptionHandling when branch.Destination is null:
                LeaveFinally(from, state);
                return;
            case ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow:
                BasicBlock[] handlers = HandlersOf(branch.Source);
                if (handlers.Length == 0)
                {
                    _flow.Exit(from, branch, state);
                }

                if (!_replaying)
                {
                    foreach (BasicBlock handler in handlers)
                    {
                        MergeInto(handler, state);
                    }
                }

                return;
            case ControlFlowBranchSemantics.Return:
            case ControlFlowBranchSemantics.Regular when branch.Destination?.Kind == BasicBlockKind.Exit:
                _flow.Exit(from, branch, state);
                return;
        }

        if (branch.Destination is { } destination)
        {
            int slot = SlotOf(branch);
            if (_leavingOfSuccessor[slot].IsDefault)
            {
                _leavingOfSuccessor[slot] = branch.LeavingRegions;
            }

            _flow.Cross(branch, _leavingOfSuccessor[slot], state);
            if (!_replaying)
            {
                MergeInto(destination, state, giveAway: true);
            }
        }
    }

    /// <summary>
    /// Joins a path into a block's input. With <paramref name="giveAway"/> the caller no longer uses
    /// <paramref name="state"/> (every caller of <see cref="Arrive"/> hands it a state of its own), so the block's
    /// first input can be that state itself rather than a copy.
    /// </summary>
    private void MergeInto(BasicBlock target, TState state, bool giveAway = false)
    {
        if (_inputs[target.Ordinal] is not { } input)
        {
            _inputs[target.Ordinal] = giveAway ? state : _flow.Copy(state);
            Enqueue(target);
        }
        else if (_flow.Join(input, state))
        {
            Enqueue(target);
        }
    }

    private void Enqueue(BasicBlock block) => _work.Add(block.Ordinal); // never in the replay, which merges nothing

    private void EnterFinally(ControlFlowBranch branch, int index, TState state)
    {
        ControlFlowRegion region = _finallyChains[branch][index];
        if (!_finallies.TryGetValue(region, out FinallyPaths? paths))
        {
            _finallies[region] = paths = new FinallyPaths(region, _graph);
        }

        var key = new Continuation(branch, index);
        if (!paths.Entries.TryGetValue(key, out TState? entry))
        {
            paths.Entries[key] = state; // the caller gives its state away; MergeInto below copies what it keeps
            paths.Dirty.Add(key);
        }
        else if (_flow.Join(entry, state))
        {
            paths.Dirty.Add(key);
        }

        if (paths.Dirty.Contains(key))
        {
            // The finally's exit may be known already and not change: let it reach this path again.
            foreach (BasicBlock end in paths.Ends)
            {
                Enqueue(end);
            }
        }

        MergeInto(_graph.Blocks[region.FirstBlockOrdinal], state);
    }

    /// <summary>The end of a finally: every path that entered it goes on, through the rest of its chain.</summary>
    private void LeaveFinally(BasicBlock from, TState exit)
    {
        ControlFlowRegion? region = from.EnclosingRegion;
        while (region is not null && region.Kind != ControlFlowRegionKind.Finally && region != _graph.Root)
        {
            region = region.EnclosingRegion;
        }

        if (region is null || !_finallies.TryGetValue(region, out FinallyPaths? paths))
        {
            return;
        }

        if (_replaying)
        {
            return; // the paths' arrivals were recorded at the fixpoint; Replay goes there directly
        }

        bool exitGrew = paths.LastExit is null || _flow.Join(paths.LastExit, exit);
        paths.LastExit ??= _flow.Copy(exit);
        var resumed = exitGrew ? new List<Continuation>(paths.Entries.Keys) : new List<Continuation>(paths.Dirty);
        paths.Dirty.Clear();
        foreach (Continuation continuation in resumed)
        {
            TState state = _flow.ResumeAfterFinally(paths.Entries[continuation], exit, region);
            ControlFlowBranch original = continuation.Branch;
            if (continuation.Index + 1 < _finallyChains[original].Length)
            {
                EnterFinally(original, continuation.Index + 1, state);
            }
            else if (!_arrivals.TryGetValue(original, out TState? arrived))
            {
                _arrivals[original] = _flow.Copy(state);
                Arrive(original, state, original.Source);
            }
            else if (_flow.Join(arrived, state))
            {
                Arrive(original, state, original.Source);
            }
        }
    }

    /// <summary>Where the caches per successor keep <paramref name="branch"/>: two slots per block, falling through and jumping.</summary>
    private static int SlotOf(ControlFlowBranch branch) => (2 * branch.Source.Ordinal) + (branch == branch.Source.ConditionalSuccessor ? 1 : 0);

    /// <summary>
    /// The finally regions a branch runs before it arrives: those the compiler lists for a jump, and for a throw the
    /// finally blocks around it up to the first try that has a catch (exception paths are implicit in the graph).
    /// </summary>
    private ControlFlowRegion[] FinallyChain(ControlFlowBranch branch, BasicBlock from)
    {
        bool throws = branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow;
        if (!throws && (!FlowGraph.IsInTryOfFinally(_graph, from) || branch.FinallyRegions.IsEmpty))
        {
            return System.Array.Empty<ControlFlowRegion>(); // the common case
        }

        if (!_finallyChains.TryGetValue(branch, out ControlFlowRegion[]? chain))
        {
            if (throws)
            {
                var finallies = new List<ControlFlowRegion>();
                foreach (ControlFlowRegion region in FlowGraph.RegionsAround(_graph, from))
                {
                    if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndCatch })
                    {
                        break;
                    }

                    if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndFinally } tryAndFinally)
                    {
                        finallies.Add(tryAndFinally.NestedRegions[tryAndFinally.NestedRegions.Length - 1]);
                    }
                }

                chain = finallies.ToArray();
            }
            else
            {
                chain = branch.FinallyRegions.ToArray();
            }

            _finallyChains[branch] = chain;
        }

        return chain;
    }

    /// <summary>The first blocks of the catch and filter handlers of the innermost try-with-catch of this graph around <paramref name="block"/>.</summary>
    private BasicBlock[] HandlersOf(BasicBlock block)
    {
        if (_handlersOf[block.Ordinal] is { } known)
        {
            return known;
        }

        BasicBlock[] handlers = System.Array.Empty<BasicBlock>();
        foreach (ControlFlowRegion region in FlowGraph.RegionsAround(_graph, block))
        {
            if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndCatch } tryAndCatch)
            {
                var found = new List<BasicBlock>();
                foreach (ControlFlowRegion handler in tryAndCatch.NestedRegions)
                {
                    if (handler.Kind is ControlFlowRegionKind.Catch or ControlFlowRegionKind.FilterAndHandler)
                    {
                        found.Add(_graph.Blocks[handler.FirstBlockOrdinal]);
                    }
                }

                handlers = found.ToArray();
                break;
            }
        }

        _handlersOf[block.Ordinal] = handlers;
        return handlers;
    }

    /// <summary>A path through a finally: the branch it takes, and which finally of that branch's chain it is in.</summary>
    private readonly struct Continuation : System.IEquatable<Continuation>
    {
        public Continuation(ControlFlowBranch branch, int index)
        {
            Branch = branch;
            Index = index;
        }

        public ControlFlowBranch Branch { get; }

        public int Index { get; }

        public bool Equals(Continuation other) => ReferenceEquals(Branch, other.Branch) && Index == other.Index;

        public override bool Equals(object? obj) => obj is Continuation other && Equals(other);

        public override int GetHashCode() => (Branch.GetHashCode() * 31) + Index;
    }

    /// <summary>The paths that entered one finally region, each with the state it carried in, and the finally's exit as last propagated.</summary>
    private sealed class FinallyPaths
    {
        public FinallyPaths(ControlFlowRegion region, ControlFlowGraph graph)
        {
            var ends = new List<BasicBlock>();
            for (int ordinal = region.FirstBlockOrdinal; ordinal <= region.LastBlockOrdinal; ordinal++)
            {
                if (graph.Blocks[ordinal].FallThroughSuccessor is { Semantics: ControlFlowBranchSemantics.StructuredExceptionHandling, Destination: null })
                {
                    ends.Add(graph.Blocks[ordinal]);
                }
            }

            Ends = ends;
        }

        public Dictionary<Continuation, TState> Entries { get; } = new();

        public HashSet<Continuation> Dirty { get; } = new();

        public List<BasicBlock> Ends { get; }

        public TState? LastExit { get; set; }
    }
}

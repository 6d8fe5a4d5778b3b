using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;

namespace RefSafety.Analyzers.Engine;

/// <summary>
/// A forward dataflow problem over one control flow graph: its lattice (<see cref="Join"/>) and what blocks, branches
/// and exits do to a state. <see cref="ForwardSolver{TState}"/> drives it; the problem never sees the worklist, and
/// the solver never sees what the state means.
/// </summary>
/// <remarks>
/// States are mutable and owned by whoever holds them: the solver hands each call a state it may change (a copy
/// where the solver keeps the original), and keeps what a call returns.
/// </remarks>
internal interface IForwardFlow<TState>
    where TState : class
{
    /// <summary>The state on entry to the graph.</summary>
    TState Entry();

    /// <summary>An independent copy of <paramref name="state"/>.</summary>
    TState Copy(TState state);

    /// <summary>Unites <paramref name="incoming"/> into <paramref name="into"/>; true when <paramref name="into"/> grew.</summary>
    bool Join(TState into, TState incoming);

    /// <summary>
    /// The state a catch handler starts from when an exception leaves <paramref name="block"/>, made from the block's
    /// input (which the call may change); null when nothing in the block throws into a handler. Returning the input
    /// is the plain meaning "an exception may come before any of the block's operations".
    /// </summary>
    TState? ExceptionState(BasicBlock block, TState input);

    /// <summary>Runs the block's operations (not its branch value) on <paramref name="state"/>.</summary>
    void Transfer(BasicBlock block, TState state);

    /// <summary>
    /// The state on the side of a conditional branch where the block's branch value is <paramref name="conditionIsTrue"/>,
    /// made from <paramref name="state"/> (which the call may change); null when no path takes that side.
    /// </summary>
    TState? Branch(BasicBlock block, TState state, bool conditionIsTrue);

    /// <summary>
    /// The branch value of a block without a condition: a returned value when <paramref name="returned"/>, else a value
    /// the graph computes for its caller (a lambda's expression body) or throws.
    /// </summary>
    void Value(BasicBlock block, IOperation value, TState state, bool returned);

    /// <summary>
    /// A path crosses <paramref name="branch"/> to another block of the graph; the scopes it leaves
    /// (<paramref name="leavingRegions"/>, the branch's <see cref="ControlFlowBranch.LeavingRegions"/> read once) end here.
    /// </summary>
    void Cross(ControlFlowBranch branch, ImmutableArray<ControlFlowRegion> leavingRegions, TState state);

    /// <summary>A path leaves the graph through <paramref name="branch"/> from <paramref name="from"/>: a return, the end, or an uncaught throw.</summary>
    void Exit(BasicBlock from, ControlFlowBranch branch, TState state);

    /// <summary>
    /// The state a path goes on with after <paramref name="finallyRegion"/>, which ran once on the union of the states
    /// entering it and ended in <paramref name="finallyExit"/>; <paramref name="enteredWith"/> is what this path carried
    /// in. Returning <paramref name="finallyExit"/> is the plain union semantics; a problem may keep the path's own
    /// state for what the finally does not touch, so that a return and the normal exit do not mix. Called once per
    /// path and finally (often): it must not change its arguments, and returns a new state.
    /// </summary>
    TState ResumeAfterFinally(TState enteredWith, TState finallyExit, ControlFlowRegion finallyRegion);
}

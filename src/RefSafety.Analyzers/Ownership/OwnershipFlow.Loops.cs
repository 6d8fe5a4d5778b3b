using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Ownership;

/// <summary>A release that comes round again in a loop with nothing renewing the variable: the one over-release the must-rule cannot see.</summary>
internal sealed partial class OwnershipFlow
{
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
        CountOperation(call) is (Count.Add, int argument) && CountedOperand(call, argument) is { } counted ? VariableOf(counted) : -1;

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
        BlockOperations operations = FlowGraph.OperationsOf(block);
        for (int i = Math.Max(from, 0); i <= Math.Min(to, operations.Count - 1); i++)
        {
            foreach (IOperation part in FlowGraph.Subtree(operations[i]))
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
}

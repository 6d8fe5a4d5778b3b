using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace RefSafety.Analyzers.Dataflow;

/// <summary>Paths through finally blocks: which finallys a branch runs, and how each continuation keeps its own state for what the finally does not touch.</summary>
internal sealed partial class OwnershipDataflow
{
    /// <summary>
    /// The finally regions a branch runs before it arrives: those the compiler lists for a jump, and for a throw the
    /// finally blocks around it up to the first try that has a catch (exception paths are implicit in the graph).
    /// </summary>
    private ControlFlowRegion[] FinallyChain(ControlFlowBranch branch, BasicBlock from)
    {
        if (branch.FinallyRegions.IsEmpty && branch.Semantics is not (ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow))
        {
            return Array.Empty<ControlFlowRegion>(); // the common case, without a lookup
        }

        if (_finallyChains.TryGetValue(branch, out ControlFlowRegion[]? chain))
        {
            return chain;
        }

        if (branch.Semantics is ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow)
        {
            var finallies = new List<ControlFlowRegion>();
            foreach (ControlFlowRegion region in RegionsAround(from))
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

    private bool IsCaught(BasicBlock from) =>
        RegionsAround(from).Any(region => region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndCatch });

    /// <summary>
    /// The regions around a block, innermost first, up to this graph's root. The graph of a lambda or local function
    /// hangs inside its parent's regions: a try of the enclosing method is not a try of the lambda (its finally blocks
    /// belong to another graph), so the walk must stop at the root.
    /// </summary>
    private IEnumerable<ControlFlowRegion> RegionsAround(BasicBlock block)
    {
        for (ControlFlowRegion? region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            yield return region;
            if (region == _cfg.Root)
            {
                yield break;
            }
        }
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
}

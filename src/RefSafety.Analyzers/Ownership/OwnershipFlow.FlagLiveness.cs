using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Ownership;

/// <summary>
/// Which bool flags are still read from each block on (a backward liveness over the graph). Once no path reads a flag
/// again, the paths it split can be joined without losing any correlation: with that, any number of independent
/// flags, each guarding its own create/release pair, stays within <see cref="MaxVariants"/> paths.
/// </summary>
internal sealed partial class OwnershipFlow
{
    // Bit f: flag _flags[f] may be read on some path from the block's entry on. Null when the graph has no flags.
    private ulong[]? _liveFlags;

    private void ComputeFlagLiveness()
    {
        if (_flags.Count == 0)
        {
            return;
        }

        int blocks = _cfg.Blocks.Length;
        var uses = new ulong[blocks];
        var defines = new ulong[blocks];
        ulong all = _flags.Count == 64 ? ulong.MaxValue : (1UL << _flags.Count) - 1;
        for (int b = 0; b < blocks; b++)
        {
            // Operations in order: a read before the block writes the flag makes it live on entry.
            foreach (IOperation operation in FlowGraph.OperationsOf(_cfg.Blocks[b]))
            {
                ulong written = 0;
                foreach (IOperation part in FlowGraph.Subtree(operation))
                {
                    if (FlagBit(part) is ulong bit)
                    {
                        bool isWrite = part.Parent is ISimpleAssignmentOperation assignment && assignment.Target == part;
                        if (isWrite)
                        {
                            written |= bit;
                        }
                        else
                        {
                            uses[b] |= bit & ~defines[b];
                        }
                    }
                }

                defines[b] |= written;
            }
        }

        _liveFlags = new ulong[blocks];
        bool changed = true;
        while (changed)
        {
            changed = false;
            for (int b = blocks - 1; b >= 0; b--)
            {
                BasicBlock block = _cfg.Blocks[b];
                ulong liveOut = LiveOut(block, all);
                ulong liveIn = uses[b] | (liveOut & ~defines[b]);
                if (liveIn != _liveFlags[b])
                {
                    _liveFlags[b] = liveIn;
                    changed = true;
                }
            }
        }
    }

    private ulong LiveOut(BasicBlock block, ulong all)
    {
        ulong live = 0;
        foreach (ControlFlowBranch? branch in new[] { block.FallThroughSuccessor, block.ConditionalSuccessor })
        {
            if (branch is null)
            {
                continue;
            }

            if (branch.Destination is { } destination && (!FlowGraph.IsInTryOfFinally(_cfg, block) || branch.FinallyRegions.IsEmpty))
            {
                live |= _liveFlags![destination.Ordinal];
            }
            else if (branch.Semantics != ControlFlowBranchSemantics.Return && branch.Destination?.Kind != BasicBlockKind.Exit)
            {
                return all; // through a finally, out of one, or a throw: where it goes next is not followed here
            }
        }

        // A catch may start after any block of its try: what it reads is live here too.
        foreach (ControlFlowRegion region in FlowGraph.RegionsAround(_cfg, block))
        {
            if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion is { Kind: ControlFlowRegionKind.TryAndCatch or ControlFlowRegionKind.TryAndFinally })
            {
                return all;
            }
        }

        return live;
    }

    private ulong? FlagBit(IOperation operation)
    {
        if (FlowGraph.Unwrap(operation) is not (ILocalReferenceOperation or IParameterReferenceOperation))
        {
            return null;
        }

        int variable = VariableOf(operation);
        int index = variable >= 0 && _kinds[variable] == VariableKind.Flag ? _flags.IndexOf(variable) : -1;
        return index >= 0 ? 1UL << index : null;
    }

    /// <summary>
    /// Joins the paths of <paramref name="state"/> that differ only in flags no path reads again from
    /// <paramref name="destination"/> on; done once the paths are many, so that small splits keep naming their branch.
    /// A dead flag that still tells owning paths from the others is kept: it names the branch of a leak to come.
    /// </summary>
    private void ForgetDeadFlags(BasicBlock destination, OwnershipPaths state)
    {
        if (_liveFlags is null || state.Variants.Count < MaxVariants / 2)
        {
            return;
        }

        ulong live = _liveFlags[destination.Ordinal];
        for (int f = 0; f < _flags.Count; f++)
        {
            int flag = _flags[f];
            if ((live & (1UL << f)) != 0 || SeparatesOwners(state.Variants, flag))
            {
                continue;
            }

            var joined = new List<RefState[]>(state.Variants.Count);
            foreach (RefState[] path in state.Variants)
            {
                path[flag] = RefState.True | RefState.False;
                JoinPath(joined, path, owned: true);
            }

            state.Variants.Clear();
            state.Variants.AddRange(joined);
        }
    }

    /// <summary>Whether two paths that differ only in <paramref name="flag"/> disagree on whether some variable owns a reference.</summary>
    private bool SeparatesOwners(List<RefState[]> paths, int flag)
    {
        for (int a = 0; a < paths.Count; a++)
        {
            for (int b = a + 1; b < paths.Count; b++)
            {
                if (paths[a][flag] != paths[b][flag] && SameFlagsBut(paths[a], paths[b], flag) && OwnersDiffer(paths[a], paths[b]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private bool SameFlagsBut(RefState[] left, RefState[] right, int except)
    {
        foreach (int flag in _flags)
        {
            if (flag != except && left[flag] != right[flag])
            {
                return false;
            }
        }

        return true;
    }

    private static bool OwnersDiffer(RefState[] left, RefState[] right)
    {
        for (int i = 0; i < left.Length; i++)
        {
            if (left[i].SomePath(RefState.Owned) != right[i].SomePath(RefState.Owned))
            {
                return true;
            }
        }

        return false;
    }
}

using System.Collections.Generic;
using System.Linq;

namespace RefSafety.Analyzers.Cycles;

/// <summary>
/// The store-flow state at a program point: one <see cref="StoreFlowState"/> per group of paths that made the same
/// stores, so that a cycle is only seen where all its edges exist on one path. Joining by plain union would report
/// a cycle whose edges two branches break differently (one clears <c>a.Next</c>, the other <c>b.Next</c>).
/// </summary>
/// <remarks>
/// At most <see cref="MaxVariants"/> groups per point; past that the point gives up splitting for good: every path
/// is folded into one state whose edges not on all paths are uncertain (never part of a reported cycle). Giving up
/// for good keeps the lattice of finite height: a point splits at most <see cref="MaxVariants"/> times, then only grows.
/// </remarks>
internal sealed class StorePaths
{
    /// <summary>The most groups of paths with different stores kept apart at one point.</summary>
    public const int MaxVariants = 8;

    private bool _folded;

    public List<StoreFlowState> Variants { get; } = new();

    /// <summary>An independent copy of the paths, as a new join point (one that has not given up splitting).</summary>
    public StorePaths Copy()
    {
        var copy = new StorePaths();
        copy.Variants.AddRange(Variants.Select(v => v.Clone()));
        return copy;
    }

    /// <summary>Joins one path into this point; true when the point's state grew.</summary>
    public bool Add(StoreFlowState path)
    {
        if (!_folded)
        {
            foreach (StoreFlowState variant in Variants)
            {
                if (variant.SameStores(path))
                {
                    return variant.UniteWith(path);
                }
            }

            if (Variants.Count < MaxVariants)
            {
                Variants.Add(path.Clone());
                return true;
            }

            _folded = true;
            StoreFlowState all = Variants[0];
            foreach (StoreFlowState variant in Variants.Skip(1))
            {
                all.FoldIn(variant);
            }

            Variants.RemoveRange(1, Variants.Count - 1);
            all.FoldIn(path);
            return true;
        }

        return Variants[0].FoldIn(path);
    }

    /// <summary>Joins paths that a block's stores made equal again (both branches ended up clearing the same field).</summary>
    public void Regroup()
    {
        if (Variants.Count < 2)
        {
            return;
        }

        var paths = Variants.ToList();
        Variants.Clear();
        foreach (StoreFlowState path in paths)
        {
            Add(path);
        }
    }
}

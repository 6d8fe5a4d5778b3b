using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace RefSafety.Analyzers.Cycles;

/// <summary>A field chosen as the back edge of a type cycle, with one cycle it closes (starting with that field).</summary>
internal sealed class BackEdge
{
    public BackEdge(IFieldSymbol field, IReadOnlyList<TypeEdge> cycle, bool targetHasOtherOwner)
    {
        Field = field;
        Cycle = cycle;
        TargetHasOtherOwner = targetHasOtherOwner;
    }

    /// <summary>
    /// Some other strong field of the graph can hold the back edge's target type. When false the field may be the
    /// target's sole owner, and a weak reference there would free it at once: the weak fix is not offered.
    /// </summary>
    public bool TargetHasOtherOwner { get; }

    public IFieldSymbol Field { get; }

    public IReadOnlyList<TypeEdge> Cycle { get; }

    /// <summary>"Tree.Parent → Tree.Children[] → Tree": the fields along the cycle, back to where it starts.</summary>
    public string Describe() => string.Join(" → ", Cycle.Select(e => e.ToString())) + " → " + Cycle[0].From.Name;
}

/// <summary>
/// The cycles of a <see cref="TypeGraph"/>. A self-loop on a field not named like a back edge (<c>Next</c>,
/// <c>Children</c>, <c>Left</c>) is a recursive data structure (list, tree) that is acyclic in normal use: it is
/// left out, so a plain singly linked list or a tree of children is no cycle here. Every other strongly connected
/// component is a cycle. For each, one field is chosen as the back edge and removed, until the component has no
/// cycle left: so a cycle is reported once, on the field that is best made weak.
/// </summary>
internal sealed class CycleAnalysis
{
    private static readonly string[] BackEdgeWords = { "parent", "owner", "previous", "prev", "container", "back" };

    private readonly HashSet<INamedTypeSymbol> _cyclicDefinitions = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<INamedTypeSymbol, IReadOnlyList<TypeEdge>> _heldBy = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<INamedTypeSymbol, BackEdge> _cycleOf = new(SymbolEqualityComparer.Default);

    private readonly List<TypeEdge> _allEdges;

    private CycleAnalysis(List<TypeEdge> allEdges)
    {
        _allEdges = allEdges;
    }

    /// <summary>Back edges declared in source, one per cycle, in a stable order.</summary>
    public List<BackEdge> BackEdges { get; } = new();

    /// <summary>
    /// Some strong field other than <paramref name="field"/> can hold what <paramref name="field"/> points at. When
    /// false the field may be its target's sole owner, and making it weak would free the target at once.
    /// </summary>
    public bool TargetHasOtherOwner(IFieldSymbol field)
    {
        List<TypeEdge> own = _allEdges.Where(e => SymbolEqualityComparer.Default.Equals(e.Field.OriginalDefinition, field.OriginalDefinition)).ToList();
        return own.Count > 0 && own.All(mine => _allEdges.Any(e =>
            SymbolEqualityComparer.Default.Equals(e.To.OriginalDefinition, mine.To.OriginalDefinition) &&
            !SymbolEqualityComparer.Default.Equals(e.Field.OriginalDefinition, field.OriginalDefinition)));
    }

    /// <summary>True when the field's name says it points back: Parent, Owner, Previous, Prev, Container, Back (as a word).</summary>
    public static bool IsNamedLikeBackEdge(string fieldName) =>
        Words(fieldName).Any(w => BackEdgeWords.Contains(w, StringComparer.OrdinalIgnoreCase));

    /// <summary>The type (any construction of this definition) is part of a strong cycle; <paramref name="cycle"/> is one such cycle.</summary>
    public bool IsInCycle(INamedTypeSymbol definition, out BackEdge? cycle)
    {
        cycle = _cycleOf.TryGetValue(definition.OriginalDefinition, out BackEdge? found) ? found : null;
        return _cyclicDefinitions.Contains(definition.OriginalDefinition);
    }

    /// <summary>The type is not in a cycle but a cycle reaches it; <paramref name="path"/> leads from a cyclic type to it.</summary>
    public bool IsHeldByCycle(INamedTypeSymbol definition, out IReadOnlyList<TypeEdge> path) =>
        _heldBy.TryGetValue(definition.OriginalDefinition, out path!);

    internal static CycleAnalysis Analyze(List<INamedTypeSymbol> nodes, TypeGraph graph)
    {
        var analysis = new CycleAnalysis(nodes.SelectMany(graph.Outgoing).ToList());
        List<TypeEdge> edges = analysis._allEdges
            .Where(e => !(SymbolEqualityComparer.Default.Equals(e.From, e.To) && !IsNamedLikeBackEdge(e.Field.Name)))
            .ToList();
        var cyclicNodes = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (List<TypeEdge> component in CyclicComponents(nodes, edges))
        {
            foreach (TypeEdge edge in component)
            {
                cyclicNodes.Add(edge.From);
                analysis._cyclicDefinitions.Add(edge.From.OriginalDefinition);
            }

            analysis.ChooseBackEdges(component);
        }

        analysis.FindHeld(graph, cyclicNodes);
        analysis.BackEdges.Sort((x, y) => string.CompareOrdinal(x.Describe(), y.Describe()));
        return analysis;
    }

    /// <summary>Tarjan's strongly connected components (iterative), as the edge sets of the components with a cycle.</summary>
    private static IEnumerable<List<TypeEdge>> CyclicComponents(IReadOnlyList<INamedTypeSymbol> nodes, List<TypeEdge> edges)
    {
        var outgoing = new Dictionary<INamedTypeSymbol, List<TypeEdge>>(SymbolEqualityComparer.Default);
        foreach (INamedTypeSymbol node in nodes)
        {
            outgoing[node] = new List<TypeEdge>();
        }

        foreach (TypeEdge edge in edges)
        {
            if (!outgoing.ContainsKey(edge.From))
            {
                outgoing[edge.From] = new List<TypeEdge>();
            }

            if (!outgoing.ContainsKey(edge.To))
            {
                outgoing[edge.To] = new List<TypeEdge>();
            }

            outgoing[edge.From].Add(edge);
        }

        var index = new Dictionary<INamedTypeSymbol, int>(SymbolEqualityComparer.Default);
        var lowLink = new Dictionary<INamedTypeSymbol, int>(SymbolEqualityComparer.Default);
        var onStack = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        var stack = new Stack<INamedTypeSymbol>();
        var components = new List<List<TypeEdge>>();
        int next = 0;
        foreach (INamedTypeSymbol root in outgoing.Keys.ToList())
        {
            if (index.ContainsKey(root))
            {
                continue;
            }

            // Each frame: a node and the position of the next outgoing edge to explore.
            var frames = new Stack<(INamedTypeSymbol Node, int Edge)>();
            frames.Push((root, 0));
            index[root] = lowLink[root] = next++;
            stack.Push(root);
            onStack.Add(root);
            while (frames.Count > 0)
            {
                (INamedTypeSymbol node, int edgeIndex) = frames.Pop();
                List<TypeEdge> nodeEdges = outgoing[node];
                if (edgeIndex < nodeEdges.Count)
                {
                    frames.Push((node, edgeIndex + 1));
                    INamedTypeSymbol target = nodeEdges[edgeIndex].To;
                    if (!index.ContainsKey(target))
                    {
                        index[target] = lowLink[target] = next++;
                        stack.Push(target);
                        onStack.Add(target);
                        frames.Push((target, 0));
                    }
                    else if (onStack.Contains(target))
                    {
                        lowLink[node] = Math.Min(lowLink[node], index[target]);
                    }

                    continue;
                }

                if (frames.Count > 0)
                {
                    INamedTypeSymbol parent = frames.Peek().Node;
                    lowLink[parent] = Math.Min(lowLink[parent], lowLink[node]);
                }

                if (lowLink[node] == index[node])
                {
                    var members = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
                    INamedTypeSymbol member;
                    do
                    {
                        member = stack.Pop();
                        onStack.Remove(member);
                        members.Add(member);
                    }
                    while (!SymbolEqualityComparer.Default.Equals(member, node));

                    List<TypeEdge> internalEdges = members.SelectMany(m => outgoing[m]).Where(e => members.Contains(e.To)).ToList();
                    if (internalEdges.Count > 0)
                    {
                        components.Add(internalEdges);
                    }
                }
            }
        }

        return components;
    }

    private static IEnumerable<string> Words(string name)
    {
        var word = new System.Text.StringBuilder();
        foreach (char c in name)
        {
            if (c == '_' || char.IsDigit(c) || (char.IsUpper(c) && word.Length > 0))
            {
                if (word.Length > 0)
                {
                    yield return word.ToString();
                    word.Clear();
                }
            }

            if (char.IsLetter(c))
            {
                word.Append(c);
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }

    /// <summary>
    /// How good a back edge the field is: declared in source (else no fix or report is possible), then named like a
    /// back edge, then a plain field (a container, or a generic holder's field of type T, is the owning side),
    /// then seen on its declaring type rather than inherited.
    /// </summary>
    private static int BackEdgeScore(TypeEdge edge) =>
        (edge.Field.Locations.Any(l => l.IsInSource) ? 8 : 0) +
        (IsNamedLikeBackEdge(edge.Field.Name) ? 4 : 0) +
        (edge.ThroughContainer || edge.Field.OriginalDefinition.Type is ITypeParameterSymbol ? 0 : 2) +
        (SymbolEqualityComparer.Default.Equals(edge.From.OriginalDefinition, edge.Field.ContainingType.OriginalDefinition) ? 1 : 0);

    /// <summary>Picks back edges (whole fields) in the component until no cycle is left in it.</summary>
    private void ChooseBackEdges(List<TypeEdge> component)
    {
        var remaining = new List<List<TypeEdge>> { component };
        while (remaining.Count > 0)
        {
            List<TypeEdge> edges = remaining[remaining.Count - 1];
            remaining.RemoveAt(remaining.Count - 1);
            TypeEdge chosen = edges
                .OrderByDescending(BackEdgeScore)
                .ThenBy(e => e.Field.ToDisplayString(), StringComparer.Ordinal)
                .First();
            if (chosen.Field.Locations.Any(l => l.IsInSource))
            {
                var backEdge = new BackEdge(chosen.Field, new[] { chosen }.Concat(ShortestPath(edges, chosen.To, chosen.From)).ToList(), TargetHasOtherOwner(chosen.Field));
                BackEdges.Add(backEdge);
                foreach (TypeEdge edge in edges)
                {
                    if (!_cycleOf.ContainsKey(edge.From.OriginalDefinition))
                    {
                        _cycleOf[edge.From.OriginalDefinition] = backEdge;
                    }
                }
            }

            List<TypeEdge> rest = edges.Where(e => !SymbolEqualityComparer.Default.Equals(e.Field.OriginalDefinition, chosen.Field.OriginalDefinition)).ToList();
            IEnumerable<INamedTypeSymbol> restNodes = rest.Select(e => e.From).Distinct<INamedTypeSymbol>(SymbolEqualityComparer.Default).ToList();
            remaining.AddRange(CyclicComponents(restNodes.ToList(), rest));
        }
    }

    /// <summary>Breadth-first path of edges from <paramref name="from"/> to <paramref name="to"/> (empty when they are equal).</summary>
    private static IEnumerable<TypeEdge> ShortestPath(List<TypeEdge> edges, INamedTypeSymbol from, INamedTypeSymbol to)
    {
        var cameBy = new Dictionary<INamedTypeSymbol, TypeEdge?>(SymbolEqualityComparer.Default) { [from] = null };
        var queue = new Queue<INamedTypeSymbol>();
        queue.Enqueue(from);
        while (queue.Count > 0 && !cameBy.ContainsKey(to))
        {
            INamedTypeSymbol node = queue.Dequeue();
            foreach (TypeEdge edge in edges.Where(e => SymbolEqualityComparer.Default.Equals(e.From, node)))
            {
                if (!cameBy.ContainsKey(edge.To))
                {
                    cameBy[edge.To] = edge;
                    queue.Enqueue(edge.To);
                }
            }
        }

        var path = new List<TypeEdge>();
        for (INamedTypeSymbol? node = to; node is not null && cameBy.TryGetValue(node, out TypeEdge? edge) && edge is not null; node = edge.From)
        {
            path.Add(edge);
            if (SymbolEqualityComparer.Default.Equals(edge.From, from))
            {
                break;
            }
        }

        path.Reverse();
        return path;
    }

    /// <summary>Multi-source breadth-first search from the cyclic nodes: every other node it reaches is held by a cycle.</summary>
    private void FindHeld(TypeGraph graph, HashSet<INamedTypeSymbol> cyclicNodes)
    {
        var cameBy = new Dictionary<INamedTypeSymbol, TypeEdge?>(SymbolEqualityComparer.Default);
        var queue = new Queue<INamedTypeSymbol>();
        foreach (INamedTypeSymbol node in cyclicNodes)
        {
            cameBy[node] = null;
            queue.Enqueue(node);
        }

        while (queue.Count > 0)
        {
            INamedTypeSymbol node = queue.Dequeue();
            foreach (TypeEdge edge in graph.Outgoing(node))
            {
                if (!cameBy.ContainsKey(edge.To))
                {
                    cameBy[edge.To] = edge;
                    queue.Enqueue(edge.To);
                }
            }
        }

        foreach (KeyValuePair<INamedTypeSymbol, TypeEdge?> entry in cameBy)
        {
            if (entry.Value is null || _cyclicDefinitions.Contains(entry.Key.OriginalDefinition) || _heldBy.ContainsKey(entry.Key.OriginalDefinition))
            {
                continue;
            }

            var path = new List<TypeEdge>();
            for (TypeEdge? edge = entry.Value; edge is not null; edge = cameBy[edge.From])
            {
                path.Add(edge);
            }

            path.Reverse();
            _heldBy[entry.Key.OriginalDefinition] = path;
        }
    }
}

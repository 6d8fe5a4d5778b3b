using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace RefSafety.Analyzers.Engine;

/// <summary>Control-flow-graph and operation-tree helpers shared by every flow analysis. All iterative: no recursion over a graph or a tree.</summary>
internal static class FlowGraph
{
    /// <summary>
    /// Bodies whose protected regions (try, using, lock, foreach) nest deeper than this get no graph and no flow
    /// analysis. Roslyn's graph builder is superlinear in that nesting (1,000 levels take tens of seconds to build,
    /// before any analysis runs); real code nests a handful. Refusing such a body up front keeps every method's
    /// analysis bounded: it reports nothing there rather than stall the build or the IDE.
    /// </summary>
    public const int MaxProtectedNesting = 64;

    // `lock(a)`: no protected statement (try, using, lock, foreach, using declaration) is written in fewer characters.
    private const int ShortestProtectedStatement = 7;

    /// <summary>Whether <paramref name="operation"/>'s body nests protected regions deeper than <see cref="MaxProtectedNesting"/>: a walk of its syntax, before any graph is built.</summary>
    public static bool IsTooDeepForAGraph(IOperation operation)
    {
        // Each level takes at least `lock(a)`, 7 characters: most bodies are too short to nest that deep.
        if (operation.Syntax.Span.Length < ShortestProtectedStatement * (MaxProtectedNesting + 1))
        {
            return false;
        }

        Stack<(SyntaxNode Node, int Depth)> pending = StackPool<(SyntaxNode Node, int Depth)>.Rent();
        pending.Push((operation.Syntax, 0));
        while (pending.Count > 0)
        {
            (SyntaxNode node, int depth) = pending.Pop();
            foreach (SyntaxNode child in node.ChildNodes())
            {
                if (child is ExpressionSyntax)
                {
                    continue; // a lambda's body gets a graph of its own, and no other expression holds a statement
                }

                // A using declaration protects the rest of its block: each one adds a level for what follows.
                int inner = child is TryStatementSyntax or UsingStatementSyntax or LockStatementSyntax or CommonForEachStatementSyntax
                    || child is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 } ? depth + 1 : depth;
                if (inner > MaxProtectedNesting)
                {
                    StackPool<(SyntaxNode Node, int Depth)>.Return(pending);
                    return true;
                }

                if (child is LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 })
                {
                    depth = inner;
                }

                pending.Push((child, inner));
            }
        }

        StackPool<(SyntaxNode Node, int Depth)>.Return(pending);
        return false;
    }

    /// <summary>
    /// The regions around a block, innermost first, up to the graph's root. The graph of a lambda or local function
    /// hangs inside its parent's regions: a try of the enclosing method is not a try of the lambda (its finally blocks
    /// belong to another graph), so the walk stops at the root.
    /// </summary>
    public static IEnumerable<ControlFlowRegion> RegionsAround(ControlFlowGraph graph, BasicBlock block)
    {
        for (ControlFlowRegion? region = block.EnclosingRegion; region is not null; region = region.EnclosingRegion)
        {
            yield return region;
            if (region == graph.Root)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="block"/> lies in the try of a try/finally of this graph: only a branch from such a block
    /// can run finally blocks. A cheap test before <see cref="ControlFlowBranch.FinallyRegions"/>, which Roslyn
    /// computes afresh, with an array, on every read.
    /// </summary>
    public static bool IsInTryOfFinally(ControlFlowGraph graph, BasicBlock block)
    {
        for (ControlFlowRegion? region = block.EnclosingRegion; region is not null && region != graph.Root; region = region.EnclosingRegion)
        {
            if (region.Kind == ControlFlowRegionKind.Try && region.EnclosingRegion?.Kind == ControlFlowRegionKind.TryAndFinally)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A block's operations followed by its branch value, if any.</summary>
    public static BlockOperations OperationsOf(BasicBlock block) => new(block);

    /// <summary>Every operation of the graph, nested ones included, each once (in no particular order).</summary>
    public static IEnumerable<IOperation> AllOperations(ControlFlowGraph graph)
    {
        Stack<IOperation> pending = StackPool<IOperation>.Rent();
        foreach (BasicBlock block in graph.Blocks)
        {
            foreach (IOperation operation in OperationsOf(block))
            {
                pending.Push(operation);
            }
        }

        return Drain(pending);
    }

    /// <summary><paramref name="root"/> and every operation below it, each once (in no particular order).</summary>
    public static IEnumerable<IOperation> Subtree(IOperation root)
    {
        Stack<IOperation> pending = StackPool<IOperation>.Rent();
        pending.Push(root);
        return Drain(pending);
    }

    /// <summary>The operation under conversions, parentheses and declaration expressions.</summary>
    public static IOperation Unwrap(IOperation operation)
    {
        while (true)
        {
            switch (operation)
            {
                case IConversionOperation conversion:
                    operation = conversion.Operand;
                    break;
                case IParenthesizedOperation parenthesized:
                    operation = parenthesized.Operand;
                    break;
                case IDeclarationExpressionOperation declaration:
                    operation = declaration.Expression;
                    break;
                default:
                    return operation;
            }
        }
    }

    /// <summary>The root of the operation tree <paramref name="operation"/> belongs to (the method or constructor body).</summary>
    public static IOperation TopOf(IOperation operation)
    {
        while (operation.Parent is not null)
        {
            operation = operation.Parent;
        }

        return operation;
    }

    /// <summary>
    /// The graph of <paramref name="root"/> and those of the local functions and lambdas nested in it, at any depth,
    /// each with the function it is the body of. Lambdas are looked for only when <paramref name="withLambdas"/>.
    /// </summary>
    public static IEnumerable<(ControlFlowGraph Graph, IMethodSymbol Function)> WithNestedGraphs(
        ControlFlowGraph root, IMethodSymbol function, bool withLambdas, CancellationToken cancellationToken)
    {
        var graphs = new Queue<(ControlFlowGraph Graph, IMethodSymbol Function)>();
        graphs.Enqueue((root, function));
        while (graphs.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            (ControlFlowGraph graph, IMethodSymbol owner) = graphs.Dequeue();
            yield return (graph, owner);
            foreach (IMethodSymbol localFunction in graph.LocalFunctions)
            {
                graphs.Enqueue((graph.GetLocalFunctionControlFlowGraph(localFunction, cancellationToken), localFunction));
            }

            if (withLambdas)
            {
                foreach (IOperation operation in AllOperations(graph))
                {
                    if (operation is IFlowAnonymousFunctionOperation lambda)
                    {
                        graphs.Enqueue((graph.GetAnonymousFunctionControlFlowGraph(lambda, cancellationToken), lambda.Symbol));
                    }
                }
            }
        }
    }

    /// <summary>A shortest path of edges from <paramref name="from"/> to <paramref name="to"/> (breadth first), or null.</summary>
    public static List<TEdge>? ShortestPath<TNode, TEdge>(IEnumerable<TEdge> edges, TNode from, TNode to, Func<TEdge, TNode> source, Func<TEdge, TNode> target)
        where TEdge : class
    {
        var outgoing = new Dictionary<TNode, List<TEdge>>();
        foreach (TEdge edge in edges)
        {
            if (!outgoing.TryGetValue(source(edge), out List<TEdge>? list))
            {
                outgoing[source(edge)] = list = new List<TEdge>();
            }

            list.Add(edge);
        }

        var cameBy = new Dictionary<TNode, TEdge?> { [from] = null };
        var queue = new Queue<TNode>();
        queue.Enqueue(from);
        while (queue.Count > 0 && !cameBy.ContainsKey(to))
        {
            TNode node = queue.Dequeue();
            if (!outgoing.TryGetValue(node, out List<TEdge>? next))
            {
                continue;
            }

            foreach (TEdge edge in next)
            {
                if (!cameBy.ContainsKey(target(edge)))
                {
                    cameBy[target(edge)] = edge;
                    queue.Enqueue(target(edge));
                }
            }
        }

        if (!cameBy.ContainsKey(to))
        {
            return null;
        }

        var path = new List<TEdge>();
        for (TEdge? edge = cameBy[to]; edge is not null; edge = cameBy[source(edge)])
        {
            path.Add(edge);
        }

        path.Reverse();
        return path;
    }

    /// <summary>Where a path leaves: the return or throw statement, else the closing brace of the body.</summary>
    public static Location ExitLocation(ControlFlowGraph graph, BasicBlock block, ControlFlowBranch branch)
    {
        SyntaxNode body = graph.OriginalOperation.Syntax;
        if (block.BranchValue is { } value && block.ConditionalSuccessor is null)
        {
            SyntaxNode? statement = value.Syntax.Parent;
            return (statement is ReturnStatementSyntax or ThrowStatementSyntax ? statement : value.Syntax).GetLocation();
        }

        // A valueless `return;` or a rethrowing `throw;` leaves no operation behind: it is found in the source after
        // the last code before it, skipping the others of its kind the graph lays out in between (`return;` in a try,
        // then in its catch).
        bool rethrows = branch.Semantics == ControlFlowBranchSemantics.Rethrow;
        if (!rethrows && (FallsOffTheEnd(block) || SkipsToTheEnd(block, branch)))
        {
            return EndOf(body);
        }

        if (rethrows || branch.Semantics is ControlFlowBranchSemantics.Return or ControlFlowBranchSemantics.Regular)
        {
            int skipped = 0;
            SyntaxNode? last = null;
            for (int ordinal = block.Ordinal; ordinal >= 0 && last is null; ordinal--)
            {
                BasicBlock earlier = graph.Blocks[ordinal];
                last = earlier.BranchValue?.Syntax ?? earlier.Operations.LastOrDefault()?.Syntax;
                if (last is null && ordinal < block.Ordinal && IsValuelessExit(earlier, rethrows))
                {
                    skipped++;
                }
            }

            StatementSyntax? next = null;
            if (last is not null)
            {
                // The valueless exits of this kind, in source order, found once per graph (a method may have thousands).
                List<StatementSyntax> exits = ValuelessExits(graph, rethrows);
                int first = exits.FindIndex(statement => statement.SpanStart >= last.Span.End);
                int index = first < 0 ? -1 : first + (IsValuelessExit(block, rethrows) ? skipped : 0);
                next = index >= 0 && index < exits.Count ? exits[index] : null;
            }

            if (next is not null)
            {
                return next.GetLocation();
            }
        }

        return EndOf(body);
    }

    /// <summary>The end of a body: its closing brace; a top-level program's last statement, not the last type declared after it.</summary>
    private static Location EndOf(SyntaxNode body) =>
        body is CompilationUnitSyntax program && program.Members.OfType<GlobalStatementSyntax>().LastOrDefault() is { } lastStatement
            ? lastStatement.GetLocation()
            : body.GetLastToken().GetLocation();

    /// <summary>
    /// The jump a false condition takes around a branch's body (or out of a loop) straight to the exit: the path falls
    /// off the end (`if (keep) { …; return; }` as the last statement). A `return;` is a then-part, taken when true.
    /// </summary>
    private static bool SkipsToTheEnd(BasicBlock block, ControlFlowBranch branch) =>
        branch == block.ConditionalSuccessor && block.ConditionKind == ControlFlowConditionKind.WhenFalse && branch.Destination?.Kind == BasicBlockKind.Exit;

    /// <summary>
    /// An empty block that only the jumps around the bodies of conditions reach (`if (keep) { …; return; }` then the
    /// end): the path falls off the end of the body there, it runs no `return;` statement of its own. A `return;` that
    /// is a branch's whole body is reached by falling into that branch instead.
    /// </summary>
    private static bool FallsOffTheEnd(BasicBlock block) =>
        block.Operations.IsEmpty && block.BranchValue is null && !block.Predecessors.IsEmpty
            && block.Predecessors.All(p => p.Source.ConditionalSuccessor is { } jump && jump.Destination == block && p.Source.FallThroughSuccessor?.Destination != block);

    private static readonly ConditionalWeakTable<ControlFlowGraph, List<StatementSyntax>[]> ValuelessExitCache = new();

    /// <summary>The method's valueless <c>return;</c> (or, with <paramref name="rethrows"/>, <c>throw;</c>) statements in source order.</summary>
    private static List<StatementSyntax> ValuelessExits(ControlFlowGraph graph, bool rethrows) =>
        ValuelessExitCache.GetValue(graph, g =>
        {
            IEnumerable<StatementSyntax> statements = g.OriginalOperation.Syntax.DescendantNodes().OfType<StatementSyntax>();
            return new[]
            {
                statements.Where(s => s is ReturnStatementSyntax { Expression: null }).OrderBy(s => s.SpanStart).ToList(),
                statements.Where(s => s is ThrowStatementSyntax { Expression: null }).OrderBy(s => s.SpanStart).ToList(),
            };
        })[rethrows ? 1 : 0];

    private static bool IsValuelessExit(BasicBlock block, bool rethrows) =>
        block.FallThroughSuccessor?.Semantics == (rethrows ? ControlFlowBranchSemantics.Rethrow : ControlFlowBranchSemantics.Return)
            && block.BranchValue is null && block.Operations.IsEmpty;

    // Gives the stack back when the walk ends or its consumer stops early (foreach and LINQ dispose the iterator).
    private static IEnumerable<IOperation> Drain(Stack<IOperation> pending)
    {
        try
        {
            while (pending.Count > 0)
            {
                IOperation operation = pending.Pop();
                yield return operation;
                foreach (IOperation child in operation.ChildOperations)
                {
                    pending.Push(child);
                }
            }
        }
        finally
        {
            StackPool<IOperation>.Return(pending);
        }
    }
}

/// <summary>A block's operations followed by its branch value, if any, without building an array.</summary>
internal readonly struct BlockOperations
{
    private readonly BasicBlock _block;

    public BlockOperations(BasicBlock block)
    {
        _block = block;
    }

    public int Count => _block.Operations.Length + (_block.BranchValue is null ? 0 : 1);

    public IOperation this[int index] => index < _block.Operations.Length ? _block.Operations[index] : _block.BranchValue!;

    public Enumerator GetEnumerator() => new(_block);

    /// <summary>The operations in order, then the branch value.</summary>
    public struct Enumerator
    {
        private readonly BasicBlock _block;
        private int _index;

        public Enumerator(BasicBlock block)
        {
            _block = block;
            _index = -1;
        }

        public IOperation Current => _index < _block.Operations.Length ? _block.Operations[_index] : _block.BranchValue!;

        public bool MoveNext() => ++_index < _block.Operations.Length || (_index == _block.Operations.Length && _block.BranchValue is not null);
    }
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

using RefSafety.Analyzers.Engine;

// The edges of a state that leaves the graph, and whether it returns normally (not by a throw).
using ExitPath = (
    System.Collections.Immutable.ImmutableHashSet<RefSafety.Analyzers.Cycles.HeapEdge> Edges,
    System.Collections.Immutable.ImmutableHashSet<RefSafety.Analyzers.Cycles.HeapEdge> Uncertain,
    bool Returned);

namespace RefSafety.Analyzers.Cycles;

/// <summary>
/// Tracks, along a method's control flow graph, which objects its locals and parameters name and which strong
/// edges its stores create (fields, auto-properties, RefField.Set/Move/Clear, RefList/RefDictionary slots, and
/// delegates stored into an object's own field that capture it). A problem for the shared
/// <see cref="ForwardSolver{TState}"/>, so catch handlers, finally blocks and loops mean what they mean for every
/// analysis. What may hold where the method returns, normally or by a throw no handler of its own catches, is
/// recorded per path (<see cref="StorePaths"/>): a cycle built and broken again on every path, even by different
/// stores on different paths, leaves no cycle there.
/// </summary>
internal sealed class StoreFlowAnalysis : IForwardFlow<StorePaths>
{
    private static readonly ImmutableHashSet<AbstractObject> None = ImmutableHashSet<AbstractObject>.Empty;

    private readonly RefHeapSymbols _symbols;
    private readonly ControlFlowGraph _graph;
    private readonly StoreSummaries? _summaries;
    private readonly CancellationToken _cancellationToken;
    private readonly ContainerSlots _slots;
    private readonly StoreFlowState _entry = StoreFlowState.Empty();

    // Side tables, not part of any path's state: which operations removed container items when they ran (whether a
    // call removes does not depend on the path), and what each finally region can change.
    private readonly HashSet<IOperation> _removers = new();
    private readonly Dictionary<ControlFlowRegion, FinallyFootprint> _footprints = new();
    private StorePaths? _resumedFrom;
    private ControlFlowRegion? _resumedRegion;
    private HashSet<string>? _storedHere;
    private bool _removesItems;

    // Filled in the solver's replay pass only, so that only the fixpoint's states are seen: the states that leave
    // the graph, each set of edges once (by reference: cheap, and a duplicate only costs a second look).
    private readonly List<ExitPath> _exits = new();
    private readonly HashSet<ExitPath> _exitsSeen = new();
    private bool _recording;

    private StoreFlowAnalysis(RefHeapSymbols symbols, ControlFlowGraph graph, StoreSummaries? summaries, CancellationToken cancellationToken)
    {
        _symbols = symbols;
        _graph = graph;
        _summaries = summaries;
        _cancellationToken = cancellationToken;
        _slots = new ContainerSlots(symbols, graph);
    }

    /// <summary>The name each allocation site got from the first local it was stored in ("a" for <c>var a = new Node()</c>).</summary>
    public Dictionary<SyntaxNode, string> AllocationNames { get; } = new();

    /// <summary>
    /// The cycles left at the method's exits that contain at least one edge this method stored, each once
    /// (cycles made of the same stores are one), as edge lists starting with the earliest store. A cycle is looked for
    /// in each exit path's own edges, not in their union; uncertain edges (<see cref="StoreFlowState.Uncertain"/>) close
    /// none. Self-edges of a loop's summary object are no cycle: they may join different objects of one allocation site.
    /// </summary>
    public List<List<HeapEdge>> CyclesAtExit()
    {
        var cycles = new List<List<HeapEdge>>();
        var seen = new HashSet<string>();
        foreach (ExitPath exit in _exits)
        {
            List<HeapEdge> edges = exit.Edges
                .Where(e => e.Target.Kind != AbstractObject.ObjectKind.Untracked && !(e.Source.IsSummary && e.Source.Equals(e.Target)) && !exit.Uncertain.Contains(e))
                .ToList();
            foreach (HeapEdge stored in StoreFlowState.Stored(edges).OrderBy(e => e.Store!.Syntax.SpanStart))
            {
                if (FlowGraph.ShortestPath(edges, stored.Target, stored.Source, e => e.Source, e => e.Target) is not { } path)
                {
                    continue;
                }

                var cycle = new List<HeapEdge> { stored };
                cycle.AddRange(path);
                string key = string.Join(",", StoreFlowState.Stored(cycle).Select(e => e.Store!.Syntax.SpanStart).Distinct().OrderBy(p => p));
                if (seen.Add(key))
                {
                    cycles.Add(cycle);
                }
            }
        }

        return cycles;
    }

    /// <summary>Analyzes one body; calls into methods that have a store summary in <paramref name="summaries"/> make that summary's edges.</summary>
    public static StoreFlowAnalysis Run(RefHeapSymbols symbols, ControlFlowGraph graph, StoreSummaries summaries, CancellationToken cancellationToken)
    {
        var analysis = new StoreFlowAnalysis(symbols, graph, summaries, cancellationToken);
        analysis.Solve();
        return analysis;
    }

    /// <summary>
    /// What <paramref name="method"/>, whose body <paramref name="graph"/> is, leaves stored into the objects its caller
    /// passes when it returns normally, and which of their container items it removes. The calls it makes are not
    /// followed (no summaries): one level deep. What each field or container it changes held before the call is in
    /// the entry state (<see cref="HeldBefore"/>), so that seeing it still held at the return tells a change made on
    /// some paths from one made on all of them.
    /// </summary>
    public static MethodSummary Summarize(RefHeapSymbols symbols, ControlFlowGraph graph, IMethodSymbol method, CancellationToken cancellationToken)
    {
        var analysis = new StoreFlowAnalysis(symbols, graph, null, cancellationToken);
        analysis._entry.AddEdges(FlowGraph.AllOperations(graph).SelectMany(analysis.HeldBefore));
        analysis.Solve();

        // What may hold at some normal return: the union of the returning paths.
        var atReturn = new HashSet<HeapEdge>(analysis._exits.Where(exit => exit.Returned).SelectMany(exit => exit.Edges));
        IEnumerable<HeapEdge> before = analysis._entry.Edges; // the solver starts from a copy: still "what was held before"
        ImmutableArray<SummaryStore> stores = atReturn
            .Where(e => e.Store is not null)
            .GroupBy(e => (e.Source, e.Field))
            .Select(group => SummaryOf(group.ToList(), method, before, atReturn))
            .OfType<SummaryStore>()
            .ToImmutableArray();
        ImmutableArray<SummaryRemoval> removals = before
            .Where(e => e.IsSlot && !atReturn.Contains(e))
            .Select(e => AccessPath.Of(e.Source, method) is not { } container ? null :
                new SummaryRemoval(container, e.Target.Kind == AbstractObject.ObjectKind.Untracked ? null : AccessPath.Of(e.Target, method)))
            .OfType<SummaryRemoval>()
            .ToImmutableArray();
        return new MethodSummary(stores, removals);
    }

    /// <summary>
    /// Solves the graph, then replays the fixpoint to record the exits. When the solver's budget runs out first
    /// nothing is recorded: a partial solution may lack the path that breaks a cycle, and a missed cycle costs less
    /// than a false one (and a summary that stores nothing less than a wrong one).
    /// </summary>
    private void Solve()
    {
        ForwardSolver<StorePaths> solver = ForwardSolver<StorePaths>.Solve(_graph, this, _cancellationToken);
        if (solver.Converged)
        {
            _recording = true;
            solver.Replay();
            _recording = false;
        }
    }

    public StorePaths Entry()
    {
        var entry = new StorePaths();
        entry.Add(_entry);
        return entry;
    }

    public StorePaths Copy(StorePaths state) => state.Copy();

    public bool Join(StorePaths into, StorePaths incoming)
    {
        bool grew = false;
        foreach (StoreFlowState path in incoming.Variants)
        {
            grew |= into.Add(path);
        }

        return grew;
    }

    /// <summary>Runs the block's operations on each path; a condition runs here too, before the paths part: both sides see what it did.</summary>
    /// <summary>An exception may come before any store of the block: a catch starts from its input.</summary>
    public StorePaths? ExceptionState(BasicBlock block, StorePaths input) => input;

    public void Transfer(BasicBlock block, StorePaths state)
    {
        foreach (StoreFlowState path in state.Variants)
        {
            foreach (IOperation operation in block.Operations)
            {
                Evaluate(operation, path);
            }

            if (block.ConditionalSuccessor is not null && block.BranchValue is { } condition)
            {
                Evaluate(condition, path);
            }
        }

        state.Regroup();
    }

    /// <summary>Conditions do not tell which stores happened: both sides go on with the same paths.</summary>
    public StorePaths? Branch(BasicBlock block, StorePaths state, bool conditionIsTrue) => state;

    public void Value(BasicBlock block, IOperation value, StorePaths state, bool returned)
    {
        foreach (StoreFlowState path in state.Variants)
        {
            Evaluate(value, path);
        }
    }

    /// <summary>Drops the locals and captures whose scope the branch leaves.</summary>
    public void Cross(ControlFlowBranch branch, ImmutableArray<ControlFlowRegion> leavingRegions, StorePaths state)
    {
        if (leavingRegions.IsEmpty)
        {
            return;
        }

        List<object> gone = leavingRegions.SelectMany(r => r.Locals.Cast<object>().Concat(r.CaptureIds.Cast<object>())).ToList();
        foreach (StoreFlowState path in state.Variants)
        {
            path.Forget(gone);
        }
    }

    public void Exit(BasicBlock from, ControlFlowBranch branch, StorePaths state)
    {
        if (!_recording)
        {
            return; // nothing flows on from an exit: only the replay has something to record
        }

        bool returned = branch.Semantics is not (ControlFlowBranchSemantics.Throw or ControlFlowBranchSemantics.Rethrow);
        foreach (StoreFlowState path in state.Variants)
        {
            ExitPath exit = (path.Edges, path.Uncertain, returned);
            if (_exitsSeen.Add(exit))
            {
                _exits.Add(exit);
            }
        }
    }

    /// <summary>
    /// A path after a finally, which ran once on the union of the paths entering it. The path goes on with the finally's
    /// exit states that came from it: those that agree with it on every edge the finally did not store and on every
    /// stored edge of a field the finally did not touch (a return and the normal exit through one finally stay apart,
    /// and so do branches that broke a cycle differently). Each is taken for what the finally touched (the fields it
    /// stored, container slots if it removed items, the variables it names) and the path's own state for the rest,
    /// the same split the ownership analysis makes. When none came from it (the finally had to fold its paths
    /// together), every exit state is combined that way: what differed between the folded paths is uncertain there.
    /// </summary>
    public StorePaths ResumeAfterFinally(StorePaths enteredWith, StorePaths finallyExit, ControlFlowRegion finallyRegion)
    {
        if (!_footprints.TryGetValue(finallyRegion, out FinallyFootprint? footprint))
        {
            _footprints[finallyRegion] = footprint = new FinallyFootprint(_graph, finallyRegion);
            footprint.Inert = footprint.Variables.Count == 0 && footprint.Operations.All(IsInert);
        }

        if (footprint.Inert)
        {
            // The finally stores, removes, allocates and names nothing: each path goes on with its own state, as it came in.
            return enteredWith.Copy();
        }

        // Every path that entered the finally resumes from the same exit, one after the other: what the finally stored
        // is worked out once per exit.
        if (!ReferenceEquals(_resumedFrom, finallyExit) || _resumedRegion != finallyRegion)
        {
            _storedHere = new HashSet<string>(finallyExit.Variants
                .SelectMany(exit => StoreFlowState.Stored(exit.Edges))
                .Where(e => footprint.Operations.Contains(e.Store!))
                .Select(e => e.Field));
            _removesItems = footprint.Operations.Overlaps(_removers);
            (_resumedFrom, _resumedRegion) = (finallyExit, finallyRegion);
        }

        HashSet<string> storedHere = _storedHere!;
        bool removesItems = _removesItems;
        bool Touched(HeapEdge edge) => storedHere.Contains(edge.Field) || (removesItems && edge.IsSlot);
        bool CameFrom(StoreFlowState exit, StoreFlowState path) =>
            StoreFlowState.Stored(exit.Edges).All(e => footprint.Operations.Contains(e.Store!) || path.Edges.Contains(e)) &&
            StoreFlowState.Stored(path.Edges).All(e => Touched(e) || exit.Edges.Contains(e));

        var resumed = new StorePaths();
        foreach (StoreFlowState path in enteredWith.Variants)
        {
            List<StoreFlowState> own = finallyExit.Variants.Where(exit => CameFrom(exit, path)).ToList();
            foreach (StoreFlowState exit in own.Count > 0 ? own : finallyExit.Variants)
            {
                resumed.Add(path.AfterFinally(exit, Touched, footprint.Variables));
            }
        }

        return resumed;
    }

    /// <summary>
    /// The edges, as they were before the call, that an operation of a summarized method changes on <c>this</c> or
    /// a parameter: the field a direct store writes (<c>p.Next</c> held "what p.Next held"), and for a list's
    /// <c>Remove(p)</c> or a container's <c>Clear()</c> on <c>this.F</c> or a parameter, the item it takes out (an
    /// untracked item stands for every item a Clear takes). A dictionary's Remove names a key of the callee: not seen.
    /// </summary>
    private IEnumerable<HeapEdge> HeldBefore(IOperation operation)
    {
        if (StoredMember(operation) is { } written && Root(written.Instance) is { } root && StrongMember(written) is { } name &&
            AbstractObject.FieldValue(root, name) is { } before)
        {
            yield return new HeapEdge(root, name, before, null);
        }

        if (operation is not IInvocationOperation { Instance: { } list, TargetMethod.Name: "Remove" or "Clear" } invocation ||
            !_symbols.IsContainer(list.Type) || (_slots.IsDictionary(list.Type) && invocation.TargetMethod.Name == "Remove"))
        {
            yield break;
        }

        AbstractObject? container = Root(list);
        if (list is IMemberReferenceOperation member && StrongMember(member) is { } field && Root(member.Instance) is { } owner)
        {
            container = AbstractObject.FieldValue(owner, field);
            yield return new HeapEdge(owner, field, container!, null);
        }

        AbstractObject? item = invocation.TargetMethod.Name == "Clear" ? AbstractObject.Untracked : Root(invocation.Arguments.FirstOrDefault()?.Value);
        if (container is not null && item is not null)
        {
            yield return new HeapEdge(container, ContainerSlots.Any, item, null);
        }
    }

    /// <summary><c>this</c> or a parameter's object on entry, when <paramref name="operation"/> names one directly.</summary>
    private static AbstractObject? Root(IOperation? operation) =>
        operation is null ? null : FlowGraph.Unwrap(operation) switch
        {
            IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } => AbstractObject.This,
            IParameterReferenceOperation parameter => AbstractObject.Parameter(parameter.Parameter),
            _ => null,
        };

    /// <summary>
    /// The summary entry for the edges the method stored into one field of one object, or null when its caller cannot
    /// name that object. A field (not a container slot) is replaced when what it held before (a
    /// <paramref name="before"/> edge) is gone at the return.
    /// </summary>
    private static SummaryStore? SummaryOf(List<HeapEdge> stores, IMethodSymbol method, IEnumerable<HeapEdge> before, HashSet<HeapEdge> atReturn)
    {
        HeapEdge first = stores[0];
        if (AccessPath.Of(first.Source, method) is not { } owner)
        {
            return null;
        }

        List<AccessPath?> values = stores.Select(e => AccessPath.Of(e.Target, method)).ToList();
        HeapEdge? held = first.IsSlot ? null : before.FirstOrDefault(e => e.Source.Equals(first.Source) && e.Field == first.Field);
        return new SummaryStore(
            owner,
            first.IsSlot ? ContainerSlots.Any : first.Field, // a key of the callee names nothing in its caller
            values.OfType<AccessPath>().ToImmutableArray(),
            alsoUntracked: values.Contains(null),
            replaces: held is not null && !atReturn.Contains(held));
    }

    /// <summary>Applies the operation's effects to <paramref name="state"/> and returns the objects its value may be.</summary>
    private ImmutableHashSet<AbstractObject> Evaluate(IOperation operation, StoreFlowState state)
    {
        operation = FlowGraph.Unwrap(operation);
        switch (operation)
        {
            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance }:
                return ImmutableHashSet.Create(AbstractObject.This);
            case ILocalReferenceOperation local:
                return ValueOf(local.Local, state);
            case IParameterReferenceOperation parameter:
                return ValueOf(parameter.Parameter, state);
            case IFlowCaptureReferenceOperation captured:
                return state.Values.TryGetValue(captured.Id, out ImmutableHashSet<AbstractObject>? value) ? value : None;
            case IFlowCaptureOperation capture:
                state.Set(capture.Id, Evaluate(capture.Value, state));
                return None;
            case IObjectCreationOperation creation:
            {
                Dictionary<int, ImmutableHashSet<AbstractObject>> arguments = EvaluateArguments(creation.Arguments, state);
                if (creation.Initializer is { } initializer)
                {
                    Evaluate(initializer, state);
                }

                ImmutableHashSet<AbstractObject> created = None;
                if (_symbols.IsRefObjectType(creation.Type))
                {
                    AbstractObject fresh = AbstractObject.Allocation(creation.Syntax);
                    state.Allocate(fresh);
                    created = ImmutableHashSet.Create(fresh);
                }

                // The constructor's stores, into the new object (as `this`) or into its arguments.
                ApplySummary(creation.Constructor, created, arguments, creation, state);
                return created;
            }

            case IFieldReferenceOperation or IPropertyReferenceOperation when StrongMember(operation) is { } member:
                return Read(Evaluate(((IMemberReferenceOperation)operation).Instance!, state), member, state);
            case ISimpleAssignmentOperation assignment:
                return Assign(assignment, state);
            case IEventAssignmentOperation { Adds: true } subscription:
                StoreCapturingDelegate(subscription, subscription.EventReference, subscription.HandlerValue, state);
                return None;
            case IInvocationOperation invocation:
                return Invoke(invocation, state);
            case IIsPatternOperation isPattern:
                ImmutableHashSet<AbstractObject> tested = Evaluate(isPattern.Value, state);
                foreach (IDeclarationPatternOperation declaration in isPattern.Pattern.DescendantsAndSelf().OfType<IDeclarationPatternOperation>())
                {
                    if (declaration.DeclaredSymbol is ILocalSymbol declared)
                    {
                        state.Set(declared, tested);
                    }
                }

                return None;
            case IFlowAnonymousFunctionOperation:
                return None;
            default:
                EvaluateChildren(operation, state);
                return None;
        }
    }

    /// <summary>
    /// Cheap pre-check on the operation tree, so most bodies never build a control flow graph: only a store into a
    /// strong or delegate member or a container slot, an event subscription, a RefField call, a container Add/Insert,
    /// or (with <paramref name="summaries"/>) a call, property assignment or <c>new</c> whose summary stores, can
    /// create an edge.
    /// </summary>
    public static bool MayCreateEdge(IOperation root, RefHeapSymbols symbols, StoreSummaries? summaries, CancellationToken cancellationToken)
    {
        bool Stores(IMethodSymbol? method) => summaries is not null && !summaries.Of(method, cancellationToken).Stores.IsEmpty;
        return FlowGraph.Subtree(root).Any(o => o switch
        {
            ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Property.IsIndexer: true } indexer } => symbols.IsContainer(indexer.Instance?.Type),
            ISimpleAssignmentOperation { Target: IMemberReferenceOperation member } =>
                symbols.IsRefObjectType(member.Type) || member.Type?.TypeKind == TypeKind.Delegate || Stores((member as IPropertyReferenceOperation)?.Property.SetMethod),
            IEventAssignmentOperation { Adds: true } => true,
            IInvocationOperation invocation => SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, symbols.RefField) ||
                                               (invocation.TargetMethod.Name is "Add" or "Insert" && symbols.IsContainer(invocation.Instance?.Type)) ||
                                               Stores(invocation.TargetMethod),
            IObjectCreationOperation creation => Stores(creation.Constructor),
            _ => false,
        });
    }

    /// <summary>The strong member an operation writes directly (<c>x.F = v</c>, <c>RefField.Set(ref x.F, v)</c>), or null.</summary>
    private IMemberReferenceOperation? StoredMember(IOperation operation) =>
        operation switch
        {
            ISimpleAssignmentOperation { Target: IMemberReferenceOperation member } when StrongMember(member) is not null => member,
            IInvocationOperation { Arguments: { Length: > 0 } arguments } invocation when SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, _symbols.RefField) &&
                arguments[0].Value is IMemberReferenceOperation member && StrongMember(member) is not null => member,
            _ => null,
        };

    /// <summary>
    /// Makes at a call site (<paramref name="store"/>) the edges a callee's summary says it leaves: each path is read
    /// from the objects the caller passes (<paramref name="receiver"/> for <c>this</c>, the arguments by parameter ordinal).
    /// </summary>
    private void ApplySummary(IMethodSymbol? method, ImmutableHashSet<AbstractObject> receiver, IReadOnlyDictionary<int, ImmutableHashSet<AbstractObject>> arguments, IOperation store, StoreFlowState state)
    {
        if (_summaries is null)
        {
            return;
        }

        ImmutableHashSet<AbstractObject> Resolve(AccessPath path)
        {
            ImmutableHashSet<AbstractObject> objects = path.Root < 0 ? receiver : arguments.TryGetValue(path.Root, out ImmutableHashSet<AbstractObject>? argument) ? argument : None;
            foreach (string field in path.Fields)
            {
                objects = Read(objects, field, state);
            }

            return objects;
        }

        // Every path is read before anything changes, as the callee read what the caller had left. Then the items are
        // removed (a callee that clears a list and refills it keeps the new items), the fields replaced are cleared,
        // and only then are edges added, so two entries that meet in one object of the caller (Link(x, x)) keep both
        // their edges, whatever the order of the entries.
        MethodSummary summary = _summaries.Of(method, _cancellationToken);
        if (!summary.Removals.IsEmpty)
        {
            _removers.Add(store);
        }

        List<(ImmutableHashSet<AbstractObject> Containers, ImmutableHashSet<AbstractObject>? Items)> removed = summary.Removals
            .Select(removal => (Resolve(removal.Container), removal.Item is null ? null : Resolve(removal.Item)))
            .ToList();
        List<(SummaryStore Entry, ImmutableHashSet<AbstractObject> Owners, ImmutableHashSet<AbstractObject> Values)> stored = summary.Stores
            .Select(entry => (entry, Resolve(entry.Owner), entry.Values.SelectMany(Resolve).ToImmutableHashSet()))
            .ToList();
        foreach ((ImmutableHashSet<AbstractObject> containers, ImmutableHashSet<AbstractObject>? items) in removed)
        {
            state.Remove(containers, null, items);
        }

        foreach ((SummaryStore entry, ImmutableHashSet<AbstractObject> owners, _) in stored.Where(s => s.Entry.Replaces))
        {
            state.Store(owners, entry.Field, None, store, overwrite: true);
        }

        foreach ((SummaryStore entry, ImmutableHashSet<AbstractObject> owners, ImmutableHashSet<AbstractObject> values) in stored)
        {
            bool untracked = entry.AlsoUntracked || values.IsEmpty;
            state.Store(owners, entry.Field, untracked ? values.Add(AbstractObject.Untracked) : values, store, overwrite: false);
        }
    }

    /// <summary>The objects each argument names, by the ordinal of its parameter.</summary>
    private Dictionary<int, ImmutableHashSet<AbstractObject>> EvaluateArguments(ImmutableArray<IArgumentOperation> arguments, StoreFlowState state)
    {
        var values = new Dictionary<int, ImmutableHashSet<AbstractObject>>();
        foreach (IArgumentOperation argument in arguments)
        {
            ImmutableHashSet<AbstractObject> value = Evaluate(argument.Value, state);
            if (argument.Parameter is { } parameter)
            {
                values[parameter.Ordinal] = value;
            }
        }

        return values;
    }

    private void EvaluateChildren(IOperation operation, StoreFlowState state)
    {
        foreach (IOperation child in operation.ChildOperations)
        {
            Evaluate(child, state);
        }
    }

    private static ImmutableHashSet<AbstractObject> ValueOf(ISymbol symbol, StoreFlowState state) =>
        state.Values.TryGetValue(symbol, out ImmutableHashSet<AbstractObject>? value) ? value : ImmutableHashSet.Create(AbstractObject.Parameter(symbol));

    /// <summary>The name of a strong instance field or auto-property (whose backing field is strong), or null.</summary>
    private string? StrongMember(IOperation reference)
    {
        switch (reference)
        {
            case IFieldReferenceOperation { Instance: not null } field when _symbols.IsStrongField(field.Field):
                return field.Field.Name;
            case IPropertyReferenceOperation { Instance: not null, Property.IsIndexer: false } property when _symbols.IsRefObjectType(property.Property.Type):
                bool isAutoProperty = property.Property.ContainingType.GetMembers().OfType<IFieldSymbol>()
                    .Any(f => SymbolEqualityComparer.Default.Equals(f.AssociatedSymbol, property.Property));
                return isAutoProperty ? property.Property.Name : null;
            default:
                return null;
        }
    }

    /// <summary>The objects <paramref name="owners"/>.<paramref name="member"/> may hold; a field not yet seen holds what it held before the method.</summary>
    private static ImmutableHashSet<AbstractObject> Read(ImmutableHashSet<AbstractObject> owners, string member, StoreFlowState state)
    {
        ImmutableHashSet<AbstractObject>.Builder result = ImmutableHashSet.CreateBuilder<AbstractObject>();
        foreach (AbstractObject owner in owners)
        {
            List<HeapEdge> known = state.Edges.Where(e => e.Source.Equals(owner) && e.Field == member).ToList();
            if (known.Count == 0 && AbstractObject.FieldValue(owner, member) is { } previous)
            {
                state.AddEdges(new[] { new HeapEdge(owner, member, previous, null) });
                result.Add(previous);
            }

            result.UnionWith(known.Select(e => e.Target).Where(t => t.Kind != AbstractObject.ObjectKind.Untracked));
        }

        return result.ToImmutable();
    }

    private ImmutableHashSet<AbstractObject> Assign(ISimpleAssignmentOperation assignment, StoreFlowState state)
    {
        IOperation target = assignment.Target;
        switch (target)
        {
            case ILocalReferenceOperation or IParameterReferenceOperation:
            {
                ISymbol variable = target is ILocalReferenceOperation local ? local.Local : ((IParameterReferenceOperation)target).Parameter;
                ImmutableHashSet<AbstractObject> value = Evaluate(assignment.Value, state);
                state.Set(variable, value);
                foreach (AbstractObject obj in value)
                {
                    if (obj.Kind == AbstractObject.ObjectKind.Allocation && !AllocationNames.ContainsKey(obj.Site!))
                    {
                        AllocationNames[obj.Site!] = variable.Name;
                    }
                }

                return value;
            }

            case IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } container } indexer when _symbols.IsContainer(container.Type):
            {
                ImmutableHashSet<AbstractObject> owners = Evaluate(container, state);
                IOperation? key = indexer.Arguments.FirstOrDefault()?.Value;
                ImmutableHashSet<AbstractObject> keys = key is null ? None : Evaluate(key, state);
                ImmutableHashSet<AbstractObject> value = Evaluate(assignment.Value, state);
                string slot = _slots.Of(container, key);
                // A dictionary slot named by its key holds one value: storing replaces it (and keeps the key).
                state.Store(owners, slot, value.Union(keys), assignment, overwrite: slot != ContainerSlots.Any);
                return value;
            }

            case IMemberReferenceOperation member when StrongMember(member) is { } name:
            {
                ImmutableHashSet<AbstractObject> owners = Evaluate(member.Instance!, state);
                ImmutableHashSet<AbstractObject> value = Evaluate(assignment.Value, state);
                state.Store(owners, name, value.IsEmpty ? ImmutableHashSet.Create(AbstractObject.Untracked) : value, assignment, overwrite: true);
                return value;
            }

            case IMemberReferenceOperation { Instance: not null } member when member.Type?.TypeKind == TypeKind.Delegate:
                StoreCapturingDelegate(assignment, member, assignment.Value, state);
                return None;
            case IPropertyReferenceOperation { Property: { IsIndexer: false, SetMethod: { } setter } } property:
            {
                // A property with a setter body: the setter's summary, with `value` as its one parameter.
                ImmutableHashSet<AbstractObject> owners = property.Instance is null ? None : Evaluate(property.Instance, state);
                ImmutableHashSet<AbstractObject> value = Evaluate(assignment.Value, state);
                ApplySummary(setter, owners, new Dictionary<int, ImmutableHashSet<AbstractObject>> { [0] = value }, assignment, state);
                return value;
            }

            default:
                Evaluate(target, state);
                return Evaluate(assignment.Value, state);
        }
    }

    /// <summary>A lambda stored into a delegate member of an object it captures: an edge from the object to itself.</summary>
    private void StoreCapturingDelegate(IOperation store, IOperation member, IOperation value, StoreFlowState state)
    {
        if (member is not IMemberReferenceOperation { Instance: { } instance } reference)
        {
            return;
        }

        ImmutableHashSet<AbstractObject> owners = Evaluate(instance, state);
        IOperation handler = value;
        while (handler is IConversionOperation or IDelegateCreationOperation)
        {
            handler = handler is IConversionOperation conversion ? conversion.Operand : ((IDelegateCreationOperation)handler).Target;
        }

        if (handler is not IFlowAnonymousFunctionOperation lambda)
        {
            return;
        }

        ImmutableHashSet<AbstractObject> captured = CapturedObjects(_graph.GetAnonymousFunctionControlFlowGraph(lambda, _cancellationToken), state);
        string name = reference.Member.Name;
        foreach (AbstractObject owner in owners.Intersect(captured))
        {
            state.Store(ImmutableHashSet.Create(owner), name, ImmutableHashSet.Create(owner), store, overwrite: false);
        }
    }

    /// <summary>The objects a lambda's body names through captured locals, parameters and <c>this</c>.</summary>
    private static ImmutableHashSet<AbstractObject> CapturedObjects(ControlFlowGraph lambda, StoreFlowState state)
    {
        ImmutableHashSet<AbstractObject>.Builder captured = ImmutableHashSet.CreateBuilder<AbstractObject>();
        foreach (IOperation operation in FlowGraph.AllOperations(lambda))
        {
            switch (operation)
            {
                case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance }:
                    captured.Add(AbstractObject.This);
                    break;
                case ILocalReferenceOperation local when state.Values.TryGetValue(local.Local, out ImmutableHashSet<AbstractObject>? objects):
                    captured.UnionWith(objects);
                    break;
                case IParameterReferenceOperation parameter:
                    captured.UnionWith(ValueOf(parameter.Parameter, state));
                    break;
            }
        }

        return captured.ToImmutable();
    }

    private ImmutableHashSet<AbstractObject> Invoke(IInvocationOperation invocation, StoreFlowState state)
    {
        IMethodSymbol method = invocation.TargetMethod;
        ImmutableHashSet<AbstractObject> receiver = invocation.Instance is null ? None : Evaluate(invocation.Instance, state);
        if (SymbolEqualityComparer.Default.Equals(method.ContainingType, _symbols.RefField) && invocation.Arguments.Length >= 1 &&
            StrongMember(invocation.Arguments[0].Value) is { } field)
        {
            ImmutableHashSet<AbstractObject> owners = Evaluate(((IMemberReferenceOperation)invocation.Arguments[0].Value).Instance!, state);
            ImmutableHashSet<AbstractObject> value = invocation.Arguments.Length > 1 ? Evaluate(invocation.Arguments[1].Value, state) : None;
            state.Store(owners, field, value.IsEmpty ? ImmutableHashSet.Create(AbstractObject.Untracked) : value, invocation, overwrite: true);
            return None;
        }

        Dictionary<int, ImmutableHashSet<AbstractObject>> arguments = EvaluateArguments(invocation.Arguments, state);
        if (invocation.Instance is null || !_symbols.IsContainer(invocation.Instance.Type))
        {
            ApplySummary(method, receiver, arguments, invocation, state);
            return None;
        }

        ImmutableHashSet<AbstractObject> Argument(int ordinal) => arguments.TryGetValue(ordinal, out ImmutableHashSet<AbstractObject>? value) ? value : None;
        bool isDictionary = _slots.IsDictionary(invocation.Instance.Type);
        if (method.Name is "Remove" or "Clear")
        {
            _removers.Add(invocation);
        }

        IOperation? key = invocation.Arguments.FirstOrDefault(a => a.Parameter?.Ordinal == 0)?.Value;
        switch (method.Name)
        {
            // A dictionary holds a RefObject key as strongly as the value.
            case "Add" when isDictionary:
                state.Store(receiver, _slots.Of(invocation.Instance, key), Argument(0).Union(Argument(1)), invocation, overwrite: false);
                break;
            case "Add" or "Insert":
                state.Store(receiver, ContainerSlots.Any, Argument(method.Parameters.Length - 1), invocation, overwrite: false);
                break;
            case "Remove" when !isDictionary:
                state.Remove(receiver, ContainerSlots.Any, Argument(0));
                break;
            case "Remove" when _slots.Of(invocation.Instance, key) is var slot && slot != ContainerSlots.Any:
                state.Remove(receiver, slot, null);
                break;
            case "Clear":
                state.Remove(receiver, null, null);
                break;
        }

        return None;
    }

    /// <summary>
    /// True when evaluating <paramref name="operation"/> (itself, not its children) changes no edge, allocation or
    /// removal: not an assignment, subscription or <c>new</c>, nor a call that stores or removes (a RefField call, a
    /// container's, or one whose summary stores or removes).
    /// </summary>
    private bool IsInert(IOperation operation) =>
        operation switch
        {
            ISimpleAssignmentOperation or IEventAssignmentOperation or IObjectCreationOperation or IFlowCaptureOperation or IIsPatternOperation or IFlowAnonymousFunctionOperation => false,
            IInvocationOperation invocation => !SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, _symbols.RefField) &&
                                               !_symbols.IsContainer(invocation.Instance?.Type) &&
                                               (_summaries is null || _summaries.Of(invocation.TargetMethod, _cancellationToken) is { Stores.IsEmpty: true, Removals.IsEmpty: true }),
            _ => true,
        };

    /// <summary>What a finally region can change: the operations in it (to tell the edges it stores from the others) and the variables it names.</summary>
    private sealed class FinallyFootprint
    {
        public FinallyFootprint(ControlFlowGraph graph, ControlFlowRegion region)
        {
            for (int ordinal = region.FirstBlockOrdinal; ordinal <= region.LastBlockOrdinal; ordinal++)
            {
                foreach (IOperation operation in FlowGraph.OperationsOf(graph.Blocks[ordinal]))
                {
                    foreach (IOperation part in FlowGraph.Subtree(operation))
                    {
                        Operations.Add(part);
                        object? variable = part switch
                        {
                            ILocalReferenceOperation local => local.Local,
                            IParameterReferenceOperation parameter => parameter.Parameter,
                            IFlowCaptureOperation capture => capture.Id,
                            IDeclarationPatternOperation { DeclaredSymbol: { } declared } => declared,
                            _ => null,
                        };
                        if (variable is not null)
                        {
                            Variables.Add(variable);
                        }
                    }
                }
            }
        }

        public HashSet<IOperation> Operations { get; } = new();

        public HashSet<object> Variables { get; } = new();

        /// <summary>The finally changes nothing a path holds (<see cref="IsInert"/>): a path resumes as it came in.</summary>
        public bool Inert { get; set; }
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Ownership;

/// <summary>The tracked variables: which locals, parameters, fields, flags and compiler captures get a slot, what each starts as, and which slot an operation names.</summary>
internal sealed partial class OwnershipFlow
{
    private void DeclareVariables()
    {
        if (_method is not null)
        {
            foreach (IParameterSymbol parameter in _method.Parameters.Where(p => IsTracked(p.Type) && p.RefKind == RefKind.None))
            {
                int index = Declare(parameter, parameter.Name, VariableKind.Parameter);
                if (index >= 0 && Steals(_method, parameter))
                {
                    _stealsParameters.Add(index);
                }
                else if (index >= 0 && _model.IsCounted(parameter.Type))
                {
                    _countedParameters.Add(index); // a RefHeap object is counted whatever the body does with it
                }
            }

            // An out parameter that hands the caller a new reference by contract: what is assigned to it is handed out.
            foreach (IParameterSymbol output in _method.Parameters.Where(p => p.RefKind == RefKind.Out && IsTracked(p.Type) && _model.DeclaredOutOf(p) == ReturnOwnership.New))
            {
                Declare(output, output.Name, VariableKind.NewReferenceOut);
            }
        }

        DeclareLocals();

        // One walk over the graph's operations declares the counted fields of this object (and static fields) the body
        // names, and collects what the next steps need. A field's state is what it holds, so that overwriting a field
        // that still owns a reference is a leak and `_f?.DecRef(); _f = x;` is not.
        var captures = new List<IFlowCaptureOperation>();
        var assignments = new List<ISimpleAssignmentOperation>();
        foreach (IOperation operation in FlowGraph.AllOperations(_cfg))
        {
            switch (operation)
            {
                case IFieldReferenceOperation reference when IsOwnField(reference) && !_variables.ContainsKey(reference.Field) && IsTracked(reference.Field.Type):
                    Declare(reference.Field, reference.Field.Name, reference.Field.IsStatic ? VariableKind.StaticField : VariableKind.InstanceField);
                    break;
                case IFlowCaptureOperation capture:
                    captures.Add(capture);
                    break;
                case ISimpleAssignmentOperation assignment:
                    assignments.Add(assignment);
                    break;
                case IInvocationOperation call when _api.Mentions(call.TargetMethod):
                    MarkCountedParameters(call.Instance, call.Arguments);
                    break;
                case IObjectCreationOperation { Constructor: { } constructor } creation when _api.Mentions(constructor):
                    MarkCountedParameters(null, creation.Arguments);
                    break;
                case IFieldReferenceOperation or IPropertyReferenceOperation:
                    DeclarePath(operation);
                    break;
            }
        }

        TrackReassignedParameters(assignments);
        DeclareFlags(assignments);
        DeclareCaptureAliases(captures);
        _aliasOf = Enumerable.Repeat(-1, _names.Count).ToArray();
    }

    // A parameter the body assigns is a local that starts borrowed: what it is given later must be released like a
    // local's (on some path), not only on every path as for a parameter IncRef'd in place. A stealing parameter keeps
    // its contract (REFS005).
    private void TrackReassignedParameters(List<ISimpleAssignmentOperation> assignments)
    {
        foreach (ISimpleAssignmentOperation assignment in assignments)
        {
            if (Unwrap(assignment.Target) is IParameterReferenceOperation { Parameter: var parameter } && _variables.TryGetValue(parameter, out int index)
                && _kinds[index] == VariableKind.Parameter && !_stealsParameters.Contains(index))
            {
                _kinds[index] = VariableKind.Local;
                _declaredKinds.Add(VariableKind.Local);
                _borrowedAtEntry.Add(index);
            }
        }
    }

    /// <summary>
    /// Handle parameters the body hands to a configured API (as argument or receiver): their values are counted, and
    /// the caller's, so they start borrowed, like RefHeap parameters. Every other IntPtr parameter holds a plain value
    /// (see <see cref="RefState.Uncounted"/>).
    /// </summary>
    private void MarkCountedParameters(IOperation? instance, ImmutableArray<IArgumentOperation> arguments)
    {
        foreach (IOperation? handed in arguments.Select(a => a.Value).Append(instance))
        {
            if (handed is not null && VariableOf(handed) is var variable and >= 0 && _kinds[variable] == VariableKind.Parameter)
            {
                _countedParameters.Add(variable);
            }
        }
    }

    // Bool locals and parameters that branches test directly (`if (owned)`, `while (!done)`): their values split the
    // paths, so that branches correlated through them are not mixed. Not those a lambda or local function could set.
    private void DeclareFlags(List<ISimpleAssignmentOperation> assignments)
    {
        var tests = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
        foreach (BasicBlock block in _cfg.Blocks)
        {
            if (block.ConditionalSuccessor is not null && block.BranchValue is { } condition && FlagSymbol(condition) is { } tested && !_variables.ContainsKey(tested))
            {
                // A branch whose sides may change what is owned counts twice: the paths it splits differ from there on.
                int weight = ChangesOwnership(condition.Syntax) ? 2 : 1;
                tests[tested] = (tests.TryGetValue(tested, out int count) ? count : 0) + weight;
            }
        }

        if (tests.Count == 0)
        {
            return;
        }

        // A flag splits the paths only where that can matter: tested twice (two branches to correlate), or written
        // on the way (`owned = true;` under the first branch, `ok = TryCreate(out x)`). Splitting costs work.
        var writes = new Dictionary<ISymbol, int>(SymbolEqualityComparer.Default);
        foreach (ISimpleAssignmentOperation assignment in assignments)
        {
            if (FlagSymbol(assignment.Target) is { } written && tests.ContainsKey(written))
            {
                writes[written] = (writes.TryGetValue(written, out int count) ? count : 0) + (Attempt(assignment.Value, isTrue: true) is null ? 1 : 2);
            }
        }

        List<ISymbol> useful = tests
            .Where(t => t.Value >= 2 || (writes.TryGetValue(t.Key, out int written) && written >= 2))
            .Select(t => t.Key)
            .ToList();
        if (useful.Count == 0)
        {
            return; // the common case: no walk of the body's syntax for nested code
        }

        var nestedCode = new HashSet<string>(_cfg.OriginalOperation.Syntax.DescendantNodes()
            .Where(n => n is LocalFunctionStatementSyntax or AnonymousFunctionExpressionSyntax)
            .SelectMany(n => n.DescendantNodes().OfType<IdentifierNameSyntax>())
            .Select(i => i.Identifier.ValueText));
        foreach (ISymbol flag in useful.Where(flag => !nestedCode.Contains(flag.Name)).Take(MaxFlags))
        {
            int index = Declare(flag, flag.Name, VariableKind.Flag);
            if (index >= 0)
            {
                _flags.Add(index);
            }
        }
    }

    /// <summary>
    /// Whether the statement or expression a condition decides may take, give up or move a reference on one of its
    /// sides (a count call, a `new`, an assignment): only then do the two sides leave different ownership states.
    /// Syntax only; a loop condition or anything unrecognised counts as yes.
    /// </summary>
    private static bool ChangesOwnership(SyntaxNode condition)
    {
        SyntaxNode node = condition;
        while (node.Parent is ParenthesizedExpressionSyntax or PrefixUnaryExpressionSyntax or BinaryExpressionSyntax)
        {
            node = node.Parent;
        }

        SyntaxNode[]? sides = node.Parent switch
        {
            IfStatementSyntax test when test.Condition == node => test.Else is null ? new SyntaxNode[] { test.Statement } : new SyntaxNode[] { test.Statement, test.Else },
            ConditionalExpressionSyntax choice when choice.Condition == node => new SyntaxNode[] { choice.WhenTrue, choice.WhenFalse },
            _ => null,
        };

        return sides is null || sides.SelectMany(side => side.DescendantNodesAndSelf()).Any(part => part switch
        {
            BaseObjectCreationExpressionSyntax or AssignmentExpressionSyntax or ReturnStatementSyntax or ThrowStatementSyntax => true,
            InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "IncRef" or "DecRef" or "Dispose" } } => true,
            InvocationExpressionSyntax { Expression: MemberBindingExpressionSyntax { Name.Identifier.ValueText: "IncRef" or "DecRef" or "Dispose" } } => true,
            _ => false,
        });
    }

    /// <summary>
    /// The bool local or parameter an operation names (through negations), or null. Not the compiler's own (the
    /// `lockTaken` of a lock statement has no name: a finding's message names its flags).
    /// </summary>
    private static ISymbol? FlagSymbol(IOperation operation) =>
        WithoutNegations(operation, out _) switch
        {
            ILocalReferenceOperation { Local: { RefKind: RefKind.None, Type.SpecialType: SpecialType.System_Boolean, IsImplicitlyDeclared: false, Name.Length: > 0 } local } => local,
            IParameterReferenceOperation { Parameter: { RefKind: RefKind.None, Type.SpecialType: SpecialType.System_Boolean } parameter } => parameter,
            _ => null,
        };

    /// <summary>A field of the object the method runs on (not of an object being initialised), or a static field.</summary>
    private static bool IsOwnField(IFieldReferenceOperation reference) =>
        reference.Field.IsStatic || reference.Instance is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance };

    private void DeclareLocals()
    {
        Stack<ControlFlowRegion> regions = StackPool<ControlFlowRegion>.Rent();
        regions.Push(_cfg.Root);
        while (regions.Count > 0)
        {
            ControlFlowRegion region = regions.Pop();
            foreach (ILocalSymbol local in region.Locals)
            {
                if (local.RefKind == RefKind.None && IsTracked(local.Type))
                {
                    Declare(local, local.Name, VariableKind.Local);
                }
            }

            foreach (ControlFlowRegion nested in region.NestedRegions)
            {
                regions.Push(nested);
            }
        }

        StackPool<ControlFlowRegion>.Return(regions);
    }

    // The compiler captures a variable before `x?.M()`, `using`, `??` and the like. A capture whose every definition
    // reads the same tracked variable is that variable under another name.
    private void DeclareCaptureAliases(List<IFlowCaptureOperation> captures)
    {
        var definitions = new Dictionary<CaptureId, List<int>>();
        foreach (IFlowCaptureOperation capture in captures)
        {
            if (!definitions.TryGetValue(capture.Id, out List<int>? sources))
            {
                definitions[capture.Id] = sources = new List<int>();
            }

            sources.Add(VariableOf(capture.Value));
        }

        foreach (KeyValuePair<CaptureId, List<int>> definition in definitions)
        {
            if (definition.Value[0] >= 0 && definition.Value.All(v => v == definition.Value[0]))
            {
                _captureAliases[definition.Key] = definition.Value[0];
            }
            else
            {
                CaptureSlot(definition.Key);
            }
        }
    }

    /// <summary>
    /// The parameter takes its caller's reference: by attribute or inference (<see cref="OwnershipModel.Steals"/>), by
    /// configuration, or as a constructor parameter handed on to a stealing parameter of the constructor it chains to
    /// (`Derived(IntPtr p) : base(p)`: whoever calls <c>new Derived(h)</c> gives <c>h</c> away).
    /// </summary>
    private bool Steals(IMethodSymbol method, IParameterSymbol parameter)
    {
        for (int depth = 0; depth < 8; depth++)
        {
            if (_model.Steals(parameter) || _api.Steals(method, parameter.Ordinal) || ReturnsWhatTakesIt(method, parameter))
            {
                return true;
            }

            if (ChainedParameters(method, parameter) is not { Count: > 0 } chained)
            {
                return false;
            }

            (method, parameter) = chained[0];
            if (chained.Skip(1).Any(next => _model.Steals(next.Parameter) || _api.Steals(next.Constructor, next.Parameter.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A method with source whose whole body is <c>return new T(…, p, …)</c> (or <c>=> new T(…)</c>), where that
    /// constructor takes the handle <paramref name="parameter"/>: the method takes it too (a factory wrapping a handle).
    /// </summary>
    private bool ReturnsWhatTakesIt(IMethodSymbol method, IParameterSymbol parameter)
    {
        if (!_api.TracksHandles || !_api.IsHandle(parameter.Type) || method.DeclaringSyntaxReferences.Length != 1)
        {
            return false;
        }

        if (!_returnsWhatTakes.TryGetValue(parameter, out bool takes))
        {
            _returnsWhatTakes[parameter] = takes = method.DeclaringSyntaxReferences[0].GetSyntax() is BaseMethodDeclarationSyntax declaration
                && (declaration.ExpressionBody?.Expression ?? (declaration.Body?.Statements is { Count: 1 } statements && statements[0] is ReturnStatementSyntax { Expression: { } returned } ? returned : null))
                    is ObjectCreationExpressionSyntax { ArgumentList.Arguments: var arguments } creation
                && arguments.IndexOf(a => a.NameColon is null && a.Expression is IdentifierNameSyntax name && name.Identifier.ValueText == parameter.Name) is var position and >= 0
                && _cfg.OriginalOperation.SemanticModel?.Compilation is { } compilation
                && compilation.ContainsSyntaxTree(creation.SyntaxTree)
                && compilation.GetSemanticModel(creation.SyntaxTree).GetSymbolInfo(creation).Symbol is IMethodSymbol constructor
                && _api.Steals(constructor, position);
        }

        return takes;
    }

    /// <summary>The parameters of the constructors (overloads of the right length) a constructor passes <paramref name="parameter"/> on to through `: base(...)` or `: this(...)`.</summary>
    private static List<(IMethodSymbol Constructor, IParameterSymbol Parameter)>? ChainedParameters(IMethodSymbol method, IParameterSymbol parameter)
    {
        if (method.MethodKind != MethodKind.Constructor
            || method.DeclaringSyntaxReferences.FirstOrDefault()?.GetSyntax() is not ConstructorDeclarationSyntax { Initializer: { } initializer })
        {
            return null;
        }

        SeparatedSyntaxList<ArgumentSyntax> arguments = initializer.ArgumentList.Arguments;
        int position = arguments.IndexOf(a => a.NameColon is null && a.Expression is IdentifierNameSyntax name && name.Identifier.ValueText == parameter.Name);
        INamedTypeSymbol? target = initializer.ThisOrBaseKeyword.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.ThisKeyword) ? method.ContainingType : method.ContainingType.BaseType;
        return position < 0 || target is null ? null : target.InstanceConstructors
            .Where(constructor => constructor.Parameters.Length == arguments.Count && !SymbolEqualityComparer.Default.Equals(constructor, method))
            .Select(constructor => (constructor, constructor.Parameters[position]))
            .ToList();
    }

    private bool IsTracked(ITypeSymbol type) => _model.IsCounted(type) || _api.IsHandle(type);

    /// <summary>Gives a variable a slot; <paramref name="register"/>: the symbol names it (an access path is named by its key instead).</summary>
    private int Declare(ISymbol symbol, string name, VariableKind kind, bool register = true)
    {
        if (_names.Count >= MaxTrackedVariables)
        {
            return -1;
        }

        if (register)
        {
            _variables[symbol] = _names.Count;
        }

        _names.Add(name);
        _kinds.Add(kind);
        _declaredKinds.Add(kind);
        return _names.Count - 1;
    }

    /// <summary>The name of a compiler capture slot: events about it are not reported.</summary>
    private const string CaptureName = "<capture>";

    private int CaptureSlot(CaptureId id)
    {
        if (!_captures.TryGetValue(id, out int slot) && _names.Count < MaxTrackedVariables)
        {
            slot = _names.Count;
            _captures[id] = slot;
            _names.Add(CaptureName);
            _kinds.Add(VariableKind.Capture);
        }

        return _captures.TryGetValue(id, out slot) ? slot : -1;
    }

    private RefState[] InitialState()
    {
        // Every variable and capture slot is declared before solving, so states are exactly this long.
        var state = new RefState[_names.Count];
        for (int i = 0; i < _names.Count; i++)
        {
            state[i] = _kinds[i] switch
            {
                VariableKind.Local when _borrowedAtEntry.Contains(i) => RefState.Borrowed,
                VariableKind.Local or VariableKind.NewReferenceOut => RefState.Null,
                VariableKind.Flag => RefState.True | RefState.False,
                VariableKind.InstanceField or VariableKind.StaticField => InitialFieldState(i),
                VariableKind.AccessPath => _pathInitialStates[i],
                _ => _stealsParameters.Contains(i) ? RefState.Owned1 : _countedParameters.Contains(i) ? RefState.Borrowed : RefState.Uncounted,
            };
        }

        return state;
    }

    /// <summary>
    /// A field starts empty in its own type's constructor (when it has no initializer and the constructor does not chain
    /// to another one); elsewhere a counted field may hold a reference, which it owns, and a handle field a value no
    /// one has shown to be counted (an IntPtr field is as often an address, or SafeHandle's own <c>handle</c>).
    /// </summary>
    private RefState InitialFieldState(int slot)
    {
        IFieldSymbol field = (IFieldSymbol)_variables.First(v => v.Value == slot).Key;
        bool ownConstructor = _method is { MethodKind: MethodKind.Constructor or MethodKind.StaticConstructor } constructor
            && constructor.IsStatic == field.IsStatic
            && SymbolEqualityComparer.Default.Equals(constructor.ContainingType, field.ContainingType)
            && !constructor.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is ConstructorDeclarationSyntax { Initializer.ThisOrBaseKeyword.RawKind: (int)Microsoft.CodeAnalysis.CSharp.SyntaxKind.ThisKeyword })
            && !field.DeclaringSyntaxReferences.Any(r => r.GetSyntax() is VariableDeclaratorSyntax { Initializer: not null });
        return ownConstructor ? RefState.Null : (_model.IsCounted(field.Type) ? RefState.Owned1 : RefState.Uncounted) | RefState.Null;
    }

    private bool IsField(int variable) => _kinds[variable] is VariableKind.InstanceField or VariableKind.StaticField;

    private int CaptureVariable(CaptureId id) =>
        _captureAliases.TryGetValue(id, out int alias) ? alias : _captures.TryGetValue(id, out int slot) ? slot : -1;

    /// <summary>The tracked variable (local, parameter, field of this object or flow capture) an operation reads, or -1.</summary>
    private int VariableOf(IOperation operation)
    {
        operation = Unwrap(operation);
        return operation switch
        {
            ILocalReferenceOperation local when _variables.TryGetValue(local.Local, out int index) => index,
            IParameterReferenceOperation parameter when _variables.TryGetValue(parameter.Parameter, out int index) => index,
            IFlowCaptureReferenceOperation capture => CaptureVariable(capture.Id),
            IFieldReferenceOperation field when IsOwnField(field) && _variables.TryGetValue(field.Field, out int index) => index,
            IFieldReferenceOperation or IPropertyReferenceOperation => PathVariable(operation),
            _ => -1,
        };
    }

    private static IOperation Unwrap(IOperation operation) => FlowGraph.Unwrap(operation);
}

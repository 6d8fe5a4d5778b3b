using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Ownership;

/// <summary>The transfer functions: what each operation does to the state (stores, calls, count operations, moves, returns, reads).</summary>
internal sealed partial class OwnershipFlow
{
    private ReturnOwnership ReturnOf(IMethodSymbol method) =>
        _api.ReturnOf(method) is var external and not ReturnOwnership.None ? external : _model.ReturnOf(method);

    private ReturnOwnership OutOf(IMethodSymbol method, IParameterSymbol parameter) =>
        _api.OutOf(method, parameter.Ordinal) is var external and not ReturnOwnership.None ? external : _model.OutOf(parameter);

    private void Transfer(IOperation operation, RefState[] state)
    {
        TransferCore(operation, state);
        if (_flags.Count > 0)
        {
            ForgetFlagWrites(operation, state);
        }
    }

    /// <summary>Flags written other than by a plain statement `flag = value;` (compound, nested, deconstruction) become unknown.</summary>
    private void ForgetFlagWrites(IOperation operation, RefState[] state)
    {
        IOperation top = operation is IExpressionStatementOperation statement ? statement.Operation : operation;
        foreach (IOperation part in FlowGraph.Subtree(operation))
        {
            IOperation? written = part switch
            {
                ISimpleAssignmentOperation assignment when !ReferenceEquals(part, top) => assignment.Target,
                ICompoundAssignmentOperation compound => compound.Target,
                ICoalesceAssignmentOperation coalesce => coalesce.Target,
                IDeconstructionAssignmentOperation deconstruction => deconstruction.Target,
                _ => null,
            };
            if (written is null)
            {
                continue;
            }

            foreach (IOperation target in FlowGraph.Subtree(written))
            {
                if (VariableOf(target) is var flag and >= 0 && _kinds[flag] == VariableKind.Flag)
                {
                    state[flag] = RefState.True | RefState.False;
                    _attemptFlags.Remove(flag);
                }
            }
        }
    }

    private void TransferCore(IOperation operation, RefState[] state)
    {
        switch (operation)
        {
            case IFlowCaptureOperation capture when _captureAliases.ContainsKey(capture.Id):
                return;
            case IFlowCaptureOperation capture:
                int slot = CaptureSlot(capture.Id);
                if (slot >= 0)
                {
                    state[slot] = Evaluate(capture.Value, state, moveAliases: false);
                }

                return;
            case IExpressionStatementOperation statement:
                TransferCore(statement.Operation, state);
                return;
            case ISimpleAssignmentOperation assignment:
                Assign(assignment, state);
                return;
            case IInvocationOperation or IObjectCreationOperation:
                // A call or `new` that is a whole statement of the graph: its result is discarded.
                Drop(operation, state);
                return;
            default:
                Use(operation, state);
                return;
        }
    }

    /// <summary>Runs a value nobody keeps (a statement's value, <c>_ = value</c>): a new reference in it is lost.</summary>
    private void Drop(IOperation value, RefState[] state)
    {
        bool isNew = IsNewReference(value);
        Evaluate(value, state, moveAliases: false);
        if (isNew && Recording)
        {
            string name = Unwrap(value) is IInvocationOperation call ? call.TargetMethod.Name + "(...)" : Unwrap(value).Syntax.ToString();
            Emit(new DiscardedNew(name, value, DiscardKind.Dropped));
        }
    }

    private void Assign(ISimpleAssignmentOperation assignment, RefState[] state)
    {
        // A wrapper made here and written into a local may owe the reference its constructor stole (see MoveOut).
        _wrapper = Unwrap(assignment.Value) is IObjectCreationOperation creation
            ? Unwrap(assignment.Target) switch
            {
                ILocalReferenceOperation local => (local.Local, creation),
                IParameterReferenceOperation parameter => (parameter.Parameter, creation),
                _ => null,
            }
            : null;
        AssignCore(assignment, state);
        _wrapper = null;
    }

    private void AssignCore(ISimpleAssignmentOperation assignment, RefState[] state)
    {
        IOperation target = assignment.Target;
        if (Unwrap(target) is ILocalReferenceOperation { Local: var status } && !_variables.ContainsKey(status))
        {
            RememberStatus(status, assignment.Value);
        }
        if (Unwrap(target) is IDiscardOperation)
        {
            Drop(assignment.Value, state);
            return;
        }

        int variable = VariableOf(target);
        RememberKeeper(variable, assignment.Value);
        if (variable >= 0 && _kinds[variable] == VariableKind.AccessPath)
        {
            // A store through a path writes another object's member: the path leaves the analysis, the store is a store.
            state[variable] = RefState.Escaped;
            variable = -1;
        }

        if (variable >= 0 && _kinds[variable] == VariableKind.Flag)
        {
            Use(assignment.Value, state);
            state[variable] = FlagValue(assignment.Value, state);
            if (Attempt(assignment.Value, isTrue: true) is (IInvocationOperation call, bool successWhenTrue))
            {
                _attemptFlags[variable] = (call, successWhenTrue);
            }
            else
            {
                _attemptFlags.Remove(variable);
            }

            return;
        }

        if (variable >= 0 && _kinds[variable] == VariableKind.NewReferenceOut)
        {
            // The caller will own what the parameter holds when the method returns: an owned local's reference moves
            // into it (the local still names a live object); a borrowed value must be IncRef'd through it before then.
            int source = VariableOf(assignment.Value) is var named and >= 0 ? Owner(named, state) : -1;
            if (source >= 0 && _kinds[source] != VariableKind.Capture && state[source].SomePath(RefState.Owned))
            {
                state[variable] = RefState.Owned1 | (state[source] & RefState.Null);
                state[source] = state[source].GiveUp(RefState.Borrowed);
            }
            else
            {
                state[variable] = Evaluate(assignment.Value, state, moveAliases: true);
            }

            return;
        }

        if (variable >= 0 && !IsField(variable))
        {
            ISymbol? root = Unwrap(target) switch
            {
                ILocalReferenceOperation local => local.Local,
                IParameterReferenceOperation parameter => parameter.Parameter,
                _ => null,
            };
            if (root is not null)
            {
                ForgetPathsOf(root, state); // the paths through it name other objects now
            }

            RefState value = Evaluate(assignment.Value, state, moveAliases: true);
            CheckOverwrittenLocal(variable, assignment, state);
            state[variable] = value;
            _aliasOf[variable] = VariableOf(assignment.Value);
            return;
        }

        if (variable < 0 && Unwrap(target) is IParameterReferenceOperation { Parameter.RefKind: RefKind.Ref }
            && VariableOf(assignment.Value) is var written and >= 0 && state[Owner(written, state)].SomePath(RefState.Owned))
        {
            // A `ref` parameter is the caller's own storage: an owned reference written there is the caller's now.
            int owner = Owner(written, state);
            state[owner] = state[owner].GiveUp(RefState.Borrowed);
            return;
        }

        if (variable < 0)
        {
            Use(target, state);
        }

        if (StoredField(target) is { } field)
        {
            if (variable >= 0)
            {
                Overwrite(variable, assignment, state);
            }

            if (variable >= 0 && _kinds[variable] == VariableKind.InstanceField && (BorrowsFromOwnedField(assignment.Value, state) || KeptAliveByOwned(assignment.Value, state)))
            {
                // `_dict = Api.GetDict(_module)` with `_module` owned: the object keeps the owner, the owner keeps
                // what it lent, so the field may borrow it for as long as the object lives. Likewise `_type = tp`
                // where an owned `py = Alloc(tp)` keeps tp alive (see RememberKeeper).
                Use(assignment.Value, state);
                state[variable] = RefState.Uncounted;
                return;
            }

            // A plain store into a strong field (or an auto-property, a field by another name) moves one owned
            // reference into it; a value no API counts stays uncounted in the field.
            int source = VariableOf(assignment.Value);
            bool uncounted = (source >= 0 ? state[source] : Origin(assignment.Value)).AllPaths(RefState.Uncounted);
            MoveOut(assignment.Value, state, RefState.Borrowed, EscapeRoute.Field(field.Name));
            if (variable >= 0)
            {
                state[variable] = IsNullLiteral(assignment.Value) ? RefState.Null : uncounted ? RefState.Uncounted : RefState.Owned1;
            }
        }
        else
        {
            if (target is IPropertyReferenceOperation { Instance: IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } })
            {
                ForgetFields(state, VariableKind.InstanceField); // a setter of this object may change its fields
            }

            Use(assignment.Value, state);
        }
    }

    /// <summary>A local that still owns a reference when something else is written into it leaks that reference.</summary>
    private void CheckOverwrittenLocal(int variable, IOperation write, RefState[] state)
    {
        if (_kinds[variable] == VariableKind.Local && state[variable].SomePath(RefState.Owned))
        {
            if (Recording)
            {
                Emit(new OverwrittenOwned(_names[variable], write, isField: false));
            }
        }
    }

    /// <summary>What a bool expression gives a flag: a constant, another flag (or its negation), else either value.</summary>
    private RefState FlagValue(IOperation value, RefState[] state)
    {
        value = WithoutNegations(value, out bool negated);
        RefState known = value switch
        {
            { ConstantValue: { HasValue: true, Value: bool constant } } => constant ? RefState.True : RefState.False,
            var other when VariableOf(other) is var source and >= 0 && _kinds[source] == VariableKind.Flag => state[source],
            _ => RefState.True | RefState.False,
        };
        return !negated || known == (RefState.True | RefState.False) ? known : known ^ (RefState.True | RefState.False);
    }

    /// <summary>The counted field a store writes: a field, or the backing field of an auto-property declared in source.</summary>
    private ISymbol? StoredField(IOperation target)
    {
        switch (target)
        {
            case IFieldReferenceOperation field when IsTracked(field.Field.Type):
                return field.Field;
            case IPropertyReferenceOperation { Property: { IsIndexer: false, SetMethod: not null } property } when IsTracked(property.Type):
                return _model.IsAutoProperty(property) ? property : null;
            default:
                return null;
        }
    }

    /// <summary>
    /// A store into a field detaches what the field held. A local that read the field takes that reference over
    /// (`var old = _f; _f = x; old?.DecRef();`); otherwise an instance field that may still own it leaks it.
    /// </summary>
    private void Overwrite(int field, IOperation store, RefState[] state)
    {
        if (!state[field].SomePath(RefState.Owned))
        {
            return;
        }

        for (int i = 0; i < _names.Count; i++)
        {
            if (_aliasOf[i] == field && _kinds[i] == VariableKind.Local && state[i].AllPaths(RefState.Borrowed))
            {
                state[i] = RefState.Owned1 | (state[i] & RefState.Null);
                _aliasOf[i] = -1;
                return;
            }
        }

        if (_kinds[field] == VariableKind.InstanceField)
        {
            if (Recording)
            {
                Emit(new OverwrittenOwned(_names[field], store, isField: true));
            }
        }
    }

    /// <summary>
    /// After a finding, this path says nothing more about the variable (the state of no fact, the join's identity): its
    /// next step would repeat the same mistake, while the other paths keep their own facts, so a finding on one path
    /// never hides another path's (a leak merging in later is still reported).
    /// </summary>
    private static void Forget(int variable, RefState[] state) => state[variable] = RefState.None;

    /// <summary>A call that may change fields (a method of this object): what they hold is no longer known.</summary>
    private void ForgetFields(RefState[] state, VariableKind kind)
    {
        if (!_declaredKinds.Contains(kind))
        {
            return; // most bodies name no field: every call would pay the loop
        }

        for (int i = 0; i < _names.Count; i++)
        {
            if (_kinds[i] == kind)
            {
                state[i] = RefState.Escaped;
            }
        }
    }

    private void Invoke(IInvocationOperation invocation, RefState[] state)
    {
        IMethodSymbol method = invocation.TargetMethod;
        (Count Kind, int Argument)? count = CountOperation(invocation);
        IOperation? counted = count is { } operation ? CountedOperand(invocation, operation.Argument) : null;
        if (count is { Kind: not Count.Add } && counted is not null && IsNewReference(counted))
        {
            // `Create().DecRef()`: the release consumes the new reference it is given.
            Evaluate(counted, state, moveAliases: false);
            return;
        }

        int target = counted is null ? -1 : VariableOf(counted);
        if (target >= 0)
        {
            RememberSuccessFlag(invocation, target);
            int named = target;
            target = Owner(target, state);
            switch (count!.Value.Kind)
            {
                case Count.Add:
                    Acquire(target, invocation, state);
                    break;
                case Count.Dispose when !state[target].SomePath(RefState.Owned):
                    // A SafeHandle may be disposed again, and by whoever it was handed to: only its owner's dispose counts.
                    break;
                default:
                    CheckReleaseIsConditioned(named, invocation);
                    Release(target, invocation, state, throughAlias: target != named);
                    break;
            }

            return;
        }

        if (invocation.Instance is { } receiverOperation)
        {
            DiscardOperand(receiverOperation, DiscardKind.MemberUsed, method.Name);
            Use(receiverOperation, state);
        }

        PassArguments(method, invocation.Arguments, state);
        if (!method.IsExtern && !_api.Mentions(method))
        {
            MayThrow(state); // a native function (or the configured API over one) reports failure by its result, not by throwing
        }
        if ((invocation.Instance is { } receiver && Unwrap(receiver) is IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance })
            || invocation.Arguments.Any(a => Unwrap(a.Value) is IInstanceReferenceOperation))
        {
            ForgetFields(state, VariableKind.InstanceField);
        }

        // Any method may change a static field (it is everybody's), or what a path names; count operations returned above.
        ForgetFields(state, VariableKind.StaticField);
        ForgetPaths(state);
    }

    /// <summary>What a count operation does: add a reference, release one, or dispose a SafeHandle (a release only for its owner).</summary>
    private enum Count
    {
        Add,
        Release,
        Dispose,
    }

    /// <summary>
    /// The count operation a call is, if any, and the argument it counts (-1: its receiver). RefHeap's IncRef, DecRef
    /// and Dispose, then the .editorconfig APIs (with SafeHandle's own Dispose and Close).
    /// </summary>
    private (Count Kind, int Argument)? CountOperation(IInvocationOperation call)
    {
        IMethodSymbol method = call.TargetMethod;
        if (_model.IsIncRef(method))
        {
            return (Count.Add, -1);
        }

        ITypeSymbol? receiverType = call.Instance is null ? null : Unwrap(call.Instance).Type;
        if (call.Instance is not null && _model.IsRelease(method, receiverType))
        {
            return (Count.Release, -1);
        }

        return _api.Increments(method) is int added ? (Count.Add, added)
            : _api.Decrements(method) is int released ? (Count.Release, released)
            : _api.Disposes(method, receiverType) ? (Count.Dispose, -1)
            : null;
    }

    /// <summary>What a count call counts: its argument <paramref name="argument"/> (-1: its receiver), if it has one.</summary>
    private static IOperation? CountedOperand(IInvocationOperation call, int argument) =>
        argument < 0 ? call.Instance
            : argument < call.Arguments.Length ? call.Arguments[argument].Value
            : null;

    private void Acquire(int variable, IOperation at, RefState[] state)
    {
        if (state[variable].AllPaths(RefState.Released))
        {
            if (Recording)
            {
                Emit(new UsedAfterRelease(_names[variable], at, UseKind.IncRef, ReleaseOf(variable)));
            }

            Forget(variable, state);
            return;
        }

        state[variable] = state[variable].Acquire();
    }

    /// <summary>The release (or steal) that last gave up the variable's reference, for messages; null when unknown.</summary>
    private IOperation? ReleaseOf(int variable) => _releasedBy.TryGetValue(variable, out IOperation? release) ? release : null;

    private void Release(int variable, IOperation at, RefState[] state, bool throughAlias)
    {
        if (state[variable].AllPaths(RefState.Borrowed | RefState.Released | RefState.Owes))
        {
            if (Recording)
            {
                Emit(new ReleasedUnowned(_names[variable], at, state[variable]));
            }

            Forget(variable, state);
            return;
        }

        // The must-rule above keeps quiet when only some paths are released. One such path is certain, though: the
        // one on which this very release comes round again in a loop with nothing taking a new reference between.
        if (Recording && !throughAlias && state[variable].SomePath(RefState.Released) && ReachesItselfUnrenewed(variable))
        {
            Emit(new ReleasedAgainInLoop(_names[variable], at));
            Forget(variable, state);
            return;
        }

        state[variable] = state[variable].GiveUp(RefState.Released);
        _releasedBy[variable] = at;
    }

    /// <summary>
    /// The value parameter of a store into memory the analysis does not see: <c>Marshal.WriteIntPtr</c> (a slot of a
    /// native object), or <c>FieldInfo.SetValue</c> / <c>PropertyInfo.SetValue</c> (a field, by reflection).
    /// </summary>
    private static bool IsMemoryStore(IMethodSymbol method, IParameterSymbol parameter) =>
        method.Name is "WriteIntPtr" or "SetValue" && parameter.Ordinal == method.Parameters.Length - 1 && method.Parameters.Length > 1
            && method.ContainingType.ToDisplayString() is "System.Runtime.InteropServices.Marshal" or "System.Reflection.FieldInfo" or "System.Reflection.PropertyInfo";

    /// <summary>The item parameter of a generic collection's Add/Push/Enqueue/Insert (its element type is the parameter's).</summary>
    private bool IsCollectionAdd(IMethodSymbol method, IParameterSymbol parameter) =>
        method.Name is "Add" or "Push" or "Enqueue" or "Insert" or "TryAdd"
            && method.ContainingType is { IsGenericType: true } collection
            && collection.TypeArguments.Any(t => SymbolEqualityComparer.Default.Equals(t, parameter.Type))
            && IsTracked(parameter.Type);

    /// <summary>Under the com preset, whether a function-pointer call through a vtable slot adds (<c>AddRef</c>) or releases (<c>Release</c>) its first argument.</summary>
    private bool? VtableCount(IFunctionPointerInvocationOperation call)
    {
        if (!_api.ComVtables || call.Arguments.IsEmpty)
        {
            return null;
        }

        string? slot = Unwrap(call.Target) switch
        {
            IFieldReferenceOperation field => field.Field.Name,
            IPropertyReferenceOperation property => property.Property.Name,
            _ => null,
        };
        return slot switch
        {
            "AddRef" => true,
            "Release" => false,
            _ => null,
        };
    }

    /// <summary>How a message names a callee: its name, or <c>new T</c> for a constructor.</summary>
    private static string CalleeName(IMethodSymbol method) =>
        method.MethodKind == MethodKind.Constructor ? "new " + method.ContainingType.Name : method.Name;

    private void PassArguments(IMethodSymbol method, ImmutableArray<IArgumentOperation> arguments, RefState[] state)
    {
        foreach (IArgumentOperation argument in arguments)
        {
            if (argument.Parameter is { } parameter && Steals(method, parameter))
            {
                // A constructor keeps what it takes alive in the new object; any other stealing call may free it.
                RefState lastLeaves = method.MethodKind == MethodKind.Constructor ? RefState.Borrowed : RefState.Released;
                MoveOut(argument.Value, state, lastLeaves, EscapeRoute.StealingParameter(parameter.Name, CalleeName(method)));
            }
            else if (argument.Parameter is { } slot && _api.TracksHandles && IsMemoryStore(method, slot))
            {
                // `Marshal.WriteIntPtr(obj, offset, value)` fills a slot of a native object, `field.SetValue(o, value)`
                // a field: a store, like a field's.
                MoveOut(argument.Value, state, RefState.Borrowed, EscapeRoute.Memory(method.Name));
            }
            else if (argument.Parameter is { } item && IsCollectionAdd(method, item) && VariableOf(argument.Value) is var kept and >= 0 && !IsField(kept))
            {
                // A reference kept in a local collection (`toRelease.Add(h)`) is released from it later, which the
                // analysis does not follow: it leaves the analysis rather than be reported as leaked.
                state[Owner(kept, state)] = RefState.Escaped;
            }
            else if (argument.Parameter?.RefKind is RefKind.Out or RefKind.Ref && VariableOf(argument.Value) is var flag and >= 0 && _kinds[flag] == VariableKind.Flag)
            {
                state[flag] = RefState.True | RefState.False;
            }
            else if (argument.Parameter is { RefKind: RefKind.Out or RefKind.Ref } output && VariableOf(argument.Value) is var received and >= 0
                && (output.RefKind == RefKind.Out || _api.OutOf(method, output.Ordinal) == ReturnOwnership.New))
            {
                // An out parameter, or a ref parameter configured to hand back a new reference (`Type.Method(index)`):
                // what the variable holds afterwards is what the callee put there.
                CheckOverwrittenLocal(received, argument, state);
                state[received] = OutOf(method, output) switch
                {
                    ReturnOwnership.New => RefState.Owned1,
                    // Values, not types: a handle an unconfigured method hands back is no counted reference.
                    ReturnOwnership.None when _api.IsHandle(output.Type) && !_model.IsCounted(output.Type) => RefState.Uncounted,
                    _ => RefState.Borrowed,
                };
            }
            else if (argument.Parameter?.RefKind == RefKind.Ref && VariableOf(argument.Value) is var byRef and >= 0)
            {
                state[byRef] = RefState.Escaped;
                ForgetPaths(state);
            }
            else if (IsNewReference(argument.Value))
            {
                // `list.Add(new Node())`, `Use(Api.Create())`: the callee does not take the new reference (it would be
                // [StealsReference]), and nothing else can release it.
                Evaluate(argument.Value, state, moveAliases: false);
                if (Recording)
                {
                    Emit(new DiscardedNew(Unwrap(argument.Value).Syntax.ToString(), argument, DiscardKind.PassedOn, CalleeName(method)));
                }
            }
            else
            {
                Use(argument.Value, state);
            }
        }
    }

    /// <summary>The variable that owns what <paramref name="variable"/> names: itself, or the owner it is a borrowing alias of.</summary>
    private int Owner(int variable, RefState[] state)
    {
        int alias = _aliasOf[variable];
        return alias >= 0 && alias != variable && state[variable].AllPaths(RefState.Borrowed) && state[alias].SomePath(RefState.Owned) ? alias : variable;
    }

    /// <summary>Hands one owned reference held by <paramref name="value"/> to someone else (a field, a stealing parameter, the caller).</summary>
    private void MoveOut(IOperation value, RefState[] state, RefState lastLeaves, EscapeRoute route)
    {
        int variable = VariableOf(value);
        if (variable >= 0)
        {
            variable = Owner(variable, state);
        }

        if (variable < 0)
        {
            if (IsBorrowedExpression(value))
            {
                if (lastLeaves == RefState.Borrowed && HandlePathOfWrapper(value) is int wrapperPath and >= 0)
                {
                    // `w = new W(Api.Borrowed(...))`: the wrapper keeps the handle alive, and an increment through
                    // it (`Inc(w.Handle)`) may still give it the reference it took.
                    state[wrapperPath] = RefState.Owes;
                    _unbackedStores[wrapperPath] = (value, route);
                }
                else if (Recording)
                {
                    Emit(new BorrowedEscaped(value.Syntax.ToString(), value.Syntax.GetLocation(), route));
                }
            }

            Use(value, state);
            return;
        }

        RefState current = state[variable];
        if (current.AllPaths(RefState.Released))
        {
            if (Recording)
            {
                Emit(new UsedAfterRelease(_names[variable], value, UseKind.Escape, ReleaseOf(variable), route));
            }

            Forget(variable, state);
        }
        else if (current.AllPaths(RefState.Borrowed) && lastLeaves == RefState.Borrowed)
        {
            // The field (or the object a stealing constructor makes) keeps the value alive and needs a reference of
            // its own, which an increment after the store may still give it.
            state[variable] = RefState.Owes | (current & RefState.Null);
            _unbackedStores[variable] = (value, route);
        }
        else if (current.AllPaths(RefState.Borrowed))
        {
            if (Recording)
            {
                Emit(new BorrowedEscaped(_names[variable], value.Syntax.GetLocation(), route));
            }

            Forget(variable, state);
        }
        else
        {
            state[variable] = current.GiveUp(lastLeaves);
            if (lastLeaves == RefState.Released)
            {
                _releasedBy[variable] = value;
            }
        }
    }

    private void Return(IOperation value, RefState[] state)
    {
        // The method's own contract: its attributes, or configured in .editorconfig as returning a new reference
        // (`refsafety.new_reference_methods` naming a method with a body): either way the body must keep it.
        bool configuredNew = _method is not null && _api.ReturnOf(_method) == ReturnOwnership.New;
        ReturnOwnership declared = configuredNew ? ReturnOwnership.New : _method is null ? ReturnOwnership.None : _model.DeclaredReturnOf(_method);
        EscapeRoute returned = EscapeRoute.Returned(_method?.Name, configuredNew);
        int variable = VariableOf(value);
        if (variable < 0)
        {
            // A returned expression: run its effects (a wrapping constructor stealing a handle, nested calls), then
            // check it against the contract.
            Evaluate(value, state, moveAliases: false);
            if (declared == ReturnOwnership.Borrowed && IsNewReference(value))
            {
                if (Recording)
                {
                    Emit(new OwnedReturnedAsBorrowed(value.Syntax.ToString(), value, _method!.Name, isNewExpression: true));
                }
            }
            else if (declared == ReturnOwnership.New && (IsBorrowedExpression(value) || Unwrap(value) is IFieldReferenceOperation))
            {
                // A field read is borrowed here (IsBorrowedExpression leaves fields out for stores, where moving a
                // reference from one field to another is a transfer): the object keeps its field's reference.
                if (Recording)
                {
                    Emit(new BorrowedEscaped(value.Syntax.ToString(), value.Syntax.GetLocation(), returned));
                }
            }

            return;
        }

        if (declared == ReturnOwnership.Borrowed)
        {
            // A compiler temporary that owns its value holds an expression that made it (`new T { Init = x }`).
            if (state[variable].SomePath(RefState.Owned) && _kinds[variable] is VariableKind.Local or VariableKind.Capture)
            {
                if (Recording)
                {
                    bool made = _kinds[variable] == VariableKind.Capture;
                    Emit(new OwnedReturnedAsBorrowed(made ? value.Syntax.ToString() : _names[variable], value, _method!.Name, isNewExpression: made));
                }

                Forget(variable, state);
            }

            Use(value, state);
            return;
        }

        int owner = Owner(variable, state);
        if (declared == ReturnOwnership.New && IsField(owner) && state[owner].AllPaths(RefState.Owned1 | RefState.Borrowed))
        {
            // A field (read directly or through a local) that holds only its own reference keeps it: what the caller
            // gets is borrowed unless the method took one more (`_f.IncRef(); return _f;`) or cleared the field.
            if (Recording)
            {
                Emit(new BorrowedEscaped(_names[variable], value.Syntax.GetLocation(), returned));
            }

            state[owner] = RefState.Escaped;
            return;
        }

        if (declared == ReturnOwnership.New || (!IsField(variable) && state[owner].SomePath(RefState.Owned)))
        {
            MoveOut(value, state, RefState.Released, returned);
            return;
        }

        Use(value, state);
    }

    /// <summary>
    /// The state a variable gets from <paramref name="original"/>. Copying a variable makes a borrowing alias (a cursor,
    /// a second name): the source keeps its ownership, and a release through the alias is charged to the source.
    /// </summary>
    private RefState Evaluate(IOperation original, RefState[] state, bool moveAliases)
    {
        IOperation value = Unwrap(original);
        int source = VariableOf(value);
        if (source >= 0)
        {
            RefState copied = state[source];
            if (moveAliases && copied.SomePath(RefState.Owned) && _kinds[source] == VariableKind.Capture)
            {
                // A compiler temporary (the value of `c ? new T() : null`) hands its reference to the variable.
                state[source] = RefState.Borrowed | (copied & RefState.Null);
                return copied;
            }

            // A copy borrows; so does a compiler temporary reading a field (`c ? s_a : s_b`): the field keeps what it
            // owns, as it does when a local reads it.
            if ((moveAliases || IsField(source)) && copied.SomePath(RefState.Owned))
            {
                copied = RefState.Borrowed | (copied & (RefState.Null | RefState.Escaped));
            }

            return copied;
        }

        switch (value)
        {
            case IObjectCreationOperation creation when creation.Constructor is { } constructor:
                PassArguments(constructor, creation.Arguments, state);
                MayThrow(state);
                break;
            case IInvocationOperation invocation:
                Invoke(invocation, state);
                break;
            case IFlowAnonymousFunctionOperation lambda:
                EscapeCaptured(lambda, state);
                break;
            default:
                Use(value, state);
                break;
        }

        return Origin(original);
    }

    /// <summary>
    /// The fact a value that is no tracked variable starts with: null; a new reference (a counted or SafeHandle
    /// object created, a new-reference call); a borrowed one (a borrowed-reference call, a borrowed view, any other
    /// value of a RefHeap type); or, for an IntPtr (or SafeHandle) that no configured API produced, an uncounted
    /// value: values, not types, are counted.
    /// </summary>
    private RefState Origin(IOperation original)
    {
        IOperation value = Unwrap(original);
        ITypeSymbol? type = original.Type ?? value.Type;
        RefState other = _api.IsHandle(type) && !_model.IsCounted(type) ? RefState.Uncounted : RefState.Borrowed;
        return value switch
        {
            _ when IsNullLiteral(value) => RefState.Null,
            IObjectCreationOperation creation => _model.IsCounted(creation.Type) || _api.IsSafeHandle(creation.Type) ? RefState.Owned1 : other,
            IInvocationOperation invocation => ReturnOf(invocation.TargetMethod) switch
            {
                ReturnOwnership.New => RefState.Owned1,
                ReturnOwnership.Borrowed => RefState.Borrowed,
                _ => other,
            },
            IPropertyReferenceOperation { Property: var property } when _api.IsBorrowedView(property) => RefState.Borrowed,
            _ => other,
        };
    }

    /// <summary>Reads of variables inside <paramref name="operation"/>: a read after release is REFS003.</summary>
    private void Use(IOperation operation, RefState[] state)
    {
        // Nested calls re-enter Use through Invoke: each level rents its own stack.
        Stack<IOperation> pending = StackPool<IOperation>.Rent();
        try
        {
            UseWith(operation, state, pending);
        }
        finally
        {
            StackPool<IOperation>.Return(pending);
        }
    }

    private void UseWith(IOperation operation, RefState[] state, Stack<IOperation> pending)
    {
        pending.Push(operation);
        while (pending.Count > 0)
        {
            IOperation current = pending.Pop();
            if (current is IFlowAnonymousFunctionOperation lambda)
            {
                EscapeCaptured(lambda, state);
                continue;
            }

            if (current is IInvocationOperation call)
            {
                Invoke(call, state);
                continue;
            }

            if (current is IFunctionPointerInvocationOperation slotCall && VtableCount(slotCall) is { } adds
                && VariableOf(slotCall.Arguments[0].Value) is var counted and >= 0)
            {
                if (adds)
                {
                    Acquire(Owner(counted, state), slotCall, state);
                }
                else
                {
                    Release(Owner(counted, state), slotCall, state, throughAlias: false);
                }

                continue;
            }

            if (current is IObjectCreationOperation { Constructor: { } constructor } creation)
            {
                // A wrapper takes the handles its constructor steals wherever it is created: a local, a using, an
                // argument, a store.
                PassArguments(constructor, creation.Arguments, state);
                MayThrow(state);
                if (creation.Initializer is { } initializer)
                {
                    pending.Push(initializer);
                }

                continue;
            }

            if (current is IIsPatternOperation test)
            {
                DeclarePatternLocals(test, state);
            }

            DiscardOperands(current);
            if (current is IPropertyReferenceOperation { Instance: { } watched } probe && _model.IsLivenessProbe(probe.Property) && VariableOf(watched) >= 0)
            {
                continue; // `x.IsAlive` after `x.DecRef()` watches the object die: not a use
            }

            if (NullTested(current) is { } tested && VariableOf(tested) >= 0)
            {
                continue; // `x != null`, `x is null`, `p != IntPtr.Zero` read only the reference, never the object
            }

            int variable = VariableOf(current);
            if (variable >= 0)
            {
                if (state[variable].AllPaths(RefState.Released))
                {
                    if (Recording)
                    {
                        Emit(new UsedAfterRelease(_names[variable], current, UseKind.Read, ReleaseOf(variable)));
                    }

                    Forget(variable, state);
                }

                continue;
            }

            foreach (IOperation child in current.ChildOperations)
            {
                pending.Push(child);
            }
        }
    }

    /// <summary>
    /// An operator or a member access consumes its operands: a new reference that is one (<c>Create() != t</c>,
    /// <c>Make() is null</c>, <c>new T().Next</c>) is never held by anything that could release it. The whole value
    /// of a used expression is not an operand: where it goes (a store, an argument, a return) decides its fate.
    /// </summary>
    private void DiscardOperands(IOperation consumer)
    {
        switch (consumer)
        {
            case IBinaryOperation binary:
                DiscardOperand(binary.LeftOperand, DiscardKind.Compared);
                DiscardOperand(binary.RightOperand, DiscardKind.Compared);
                break;
            case IIsPatternOperation test:
                DiscardOperand(test.Value, DiscardKind.Tested);
                break;
            case IIsNullOperation test:
                DiscardOperand(test.Operand, DiscardKind.Tested);
                break;
            case IIsTypeOperation test:
                DiscardOperand(test.ValueOperand, DiscardKind.Tested);
                break;
            case IMemberReferenceOperation { Instance: { } instance } member:
                DiscardOperand(instance, DiscardKind.MemberUsed, member.Member.Name);
                break;
        }
    }

    private void DiscardOperand(IOperation operand, DiscardKind how, string? member = null)
    {
        if (Recording && IsNewReference(operand))
        {
            Emit(new DiscardedNew(Unwrap(operand).Syntax.ToString(), Unwrap(operand), how, member));
        }
    }

    /// <summary>
    /// <c>x is Node n</c> (and recursive patterns) names the tested object again: <c>n</c> borrows it, as a second
    /// name of <c>x</c> when <c>x</c> is tracked (a release through <c>n</c> is charged to <c>x</c>).
    /// </summary>
    private void DeclarePatternLocals(IIsPatternOperation test, RefState[] state)
    {
        int source = VariableOf(test.Value);
        foreach (IOperation part in test.Pattern.DescendantsAndSelf())
        {
            ISymbol? declared = part switch
            {
                IDeclarationPatternOperation declaration => declaration.DeclaredSymbol,
                IRecursivePatternOperation recursive => recursive.DeclaredSymbol,
                _ => null,
            };
            if (declared is not null && _variables.TryGetValue(declared, out int local))
            {
                state[local] = source >= 0 && (state[source] & RefState.Escaped) != 0 ? RefState.Escaped : RefState.Borrowed;
                _aliasOf[local] = source;
            }
        }
    }

    /// <summary>A variable captured by a lambda or local function may be used or released anywhere: stop tracking it.</summary>
    private void EscapeCaptured(IFlowAnonymousFunctionOperation lambda, RefState[] state)
    {
        if (!_capturedBy.TryGetValue(lambda, out int[]? captured))
        {
            // The lambda's own graph and those nested in it at any depth: a release three lambdas down is a capture too.
            ControlFlowGraph body = _cfg.GetAnonymousFunctionControlFlowGraph(lambda);
            _capturedBy[lambda] = captured = FlowGraph.WithNestedGraphs(body, lambda.Symbol, withLambdas: true, System.Threading.CancellationToken.None)
                .SelectMany(nested => FlowGraph.AllOperations(nested.Graph))
                .Select(reference => reference switch
                {
                    ILocalReferenceOperation local => local.Local,
                    IParameterReferenceOperation parameter => (ISymbol)parameter.Parameter,
                    _ => null,
                })
                .Where(symbol => symbol is not null && _variables.ContainsKey(symbol))
                .Select(symbol => _variables[symbol!])
                .Distinct()
                .ToArray();
        }

        foreach (int index in captured)
        {
            state[index] = RefState.Escaped;
        }

        if (captured.Length > 0)
        {
            ForgetPaths(state); // the lambda may change what paths through its captures name
        }
    }

    /// <summary>
    /// <c>py = Alloc(tp, 0)</c> with Alloc configured in refsafety.keeps_alive_parameters at 0: while py's reference
    /// lives, tp does too. A side table like the attempt flags (the last assignment wins); the state checks that the
    /// keeper still owns before it is trusted.
    /// </summary>
    private void RememberKeeper(int keeper, IOperation value)
    {
        if (keeper < 0)
        {
            return;
        }

        _keptAliveBy.Remove(keeper); // it names another value now: what kept the old one alive does not keep this one
        if (Unwrap(value) is IInvocationOperation call)
        {
            foreach (IArgumentOperation argument in call.Arguments)
            {
                if (argument.Parameter is { } parameter && VariableOf(argument.Value) is var kept and >= 0 && kept != keeper
                    && _api.KeepsAlive(call.TargetMethod, parameter.Ordinal))
                {
                    _keptAliveBy[kept] = keeper;
                }
            }
        }
    }

    /// <summary>
    /// A borrowed value that a reference this method owns on every path (in a local or a field of this object) keeps
    /// alive. A keeper that may be null (or anything but owned) on some path keeps nothing alive there; an owned value
    /// is stored like any other (its reference moves into the field).
    /// </summary>
    private bool KeptAliveByOwned(IOperation value, RefState[] state) =>
        VariableOf(value) is var kept and >= 0 && !state[kept].SomePath(RefState.Owned) && _keptAliveBy.TryGetValue(kept, out int keeper)
            && state[keeper] != RefState.None && (state[keeper] & ~RefState.Owned) == RefState.None;

    /// <summary>A borrowed-reference call (<c>Api.GetDict(_module)</c>) lending from a field of this object that owns its reference on every path.</summary>
    private bool BorrowsFromOwnedField(IOperation value, RefState[] state) =>
        Unwrap(value) is IInvocationOperation call && ReturnOf(call.TargetMethod) == ReturnOwnership.Borrowed
            && call.Arguments.Any(argument => VariableOf(argument.Value) is var lender and >= 0 && _kinds[lender] == VariableKind.InstanceField && state[lender].AllPaths(RefState.Owned));

    private bool IsNewReference(IOperation value) =>
        Unwrap(value) is IObjectCreationOperation creation && _model.IsCounted(creation.Type)
            || (Unwrap(value) is IInvocationOperation call && ReturnOf(call.TargetMethod) == ReturnOwnership.New);

    // Field reads are not listed: moving a reference from one strong field to another (then overwriting the first)
    // is ownership transfer, not an escape.
    private bool IsBorrowedExpression(IOperation value) =>
        Origin(value) == RefState.Borrowed && Unwrap(value) switch
        {
            IInvocationOperation call => ReturnOf(call.TargetMethod) == ReturnOwnership.Borrowed,
            IPropertyReferenceOperation or IArrayElementReferenceOperation or IParameterReferenceOperation => true,
            _ => false,
        };
}

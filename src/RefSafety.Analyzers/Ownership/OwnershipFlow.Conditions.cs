using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace RefSafety.Analyzers.Ownership;

/// <summary>What a branch condition tells each side: null tests, flags, calls tested for success, SafeHandle success flags.</summary>
internal sealed partial class OwnershipFlow
{
    // SafeHandle.DangerousAddRef(ref bool success) adds a reference only when it sets success: remember the flag, so
    // that the side of `if (success)` where it is false gives the reference back (see Refine).
    private void RememberSuccessFlag(IInvocationOperation invocation, int handle)
    {
        if (handle >= 0 && invocation.Arguments.FirstOrDefault(a => a.Parameter?.RefKind == RefKind.Ref)?.Value is ILocalReferenceOperation flag)
        {
            _successFlags[flag.Local] = handle;
        }
    }

    /// <summary>
    /// SafeHandle.DangerousAddRef either sets its success flag or throws, so the matching DangerousRelease (usually in a
    /// finally, reached by that throw too) must run only under <c>if (flag)</c>: otherwise it releases a reference that
    /// was never added.
    /// </summary>
    private void CheckReleaseIsConditioned(int handle, IInvocationOperation release)
    {
        if (!Recording)
        {
            return;
        }

        foreach (KeyValuePair<ILocalSymbol, int> flag in _successFlags)
        {
            if (flag.Value == handle && !IsGuardedBy(release.Syntax, flag.Key.Name))
            {
                Emit(new ReleaseNotGuarded(_names[handle], release, flag.Key.Name));
            }
        }
    }

    /// <summary>Whether <paramref name="node"/> sits in the then-branch of an <c>if</c> whose condition requires <paramref name="flag"/> (<c>flag</c>, <c>flag &amp;&amp; …</c>).</summary>
    private static bool IsGuardedBy(SyntaxNode node, string flag)
    {
        for (SyntaxNode? child = node, parent = node.Parent; parent is not null and not MemberDeclarationSyntax; child = parent, parent = parent.Parent)
        {
            if (parent is IfStatementSyntax test && test.Statement == child && Requires(test.Condition, flag))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Requires(ExpressionSyntax condition, string flag) => condition switch
    {
        IdentifierNameSyntax name => name.Identifier.ValueText == flag,
        ParenthesizedExpressionSyntax inner => Requires(inner.Expression, flag),
        BinaryExpressionSyntax both when both.IsKind(Microsoft.CodeAnalysis.CSharp.SyntaxKind.LogicalAndExpression) => Requires(both.Left, flag) || Requires(both.Right, flag),
        _ => false,
    };

    /// <summary>
    /// Refines the side of a branch where <paramref name="condition"/> is <paramref name="isTrue"/>: a flag takes that
    /// value, a null-tested variable holds nothing on its null side, a failed call handed nothing back. False when
    /// the side cannot happen on this path (a flag known to have the other value).
    /// </summary>
    private bool Refine(IOperation condition, RefState[] state, bool isTrue)
    {
        condition = WithoutNegations(condition, out bool negated);
        isTrue ^= negated;

        if (VariableOf(condition) is var flag and >= 0 && _kinds[flag] == VariableKind.Flag)
        {
            RefState side = isTrue ? RefState.True : RefState.False;
            if ((state[flag] & side) == 0)
            {
                return false;
            }

            state[flag] = side;
            if (_attemptFlags.TryGetValue(flag, out (IInvocationOperation Call, bool SuccessWhenTrue) attempted) && isTrue != attempted.SuccessWhenTrue)
            {
                HandBackNothing(attempted.Call, state);
            }
        }

        if (Attempt(condition, isTrue) is (IInvocationOperation attempt, bool succeeded))
        {
            // `if (TryCreate(out var made))`, `if (Marshal.QueryInterface(p, ref iid, out var q) == 0)`: where the
            // call failed, it handed back nothing through its out parameters.
            if (!succeeded)
            {
                HandBackNothing(attempt, state);
            }

            return true;
        }

        (IOperation? tested, bool nullWhenTrue) = NullTest(condition) is { } test ? (test.Tested, test.NullWhenTrue) : (null, false);
        if (Unwrap(condition) is ILocalReferenceOperation success && _successFlags.TryGetValue(success.Local, out int handle) && !isTrue)
        {
            // The add-ref failed on this side: the reference it would have added does not exist.
            state[handle] = state[handle].GiveUp(RefState.Borrowed);
            return true;
        }

        int variable = tested is null ? -1 : VariableOf(tested);
        if (variable < 0 || (state[variable] & RefState.Escaped) != 0)
        {
            return true;
        }

        bool isNull = isTrue == nullWhenTrue;
        RefState refined = isNull ? state[variable] & RefState.Null : state[variable] & ~RefState.Null;
        state[variable] = isNull ? RefState.Null : refined == RefState.None ? state[variable] : refined;
        return true;
    }

    /// <summary>The operand under any number of <c>!</c> (and conversions); <paramref name="negated"/> when their count is odd.</summary>
    private static IOperation WithoutNegations(IOperation operation, out bool negated)
    {
        negated = false;
        while (Unwrap(operation) is IUnaryOperation { OperatorKind: UnaryOperatorKind.Not } negation)
        {
            operation = negation.Operand;
            negated = !negated;
        }

        return Unwrap(operation);
    }

    /// <summary>A call that failed handed back nothing through the <c>out</c> parameters that would give new references.</summary>
    private void HandBackNothing(IInvocationOperation call, RefState[] state)
    {
        foreach (IArgumentOperation argument in call.Arguments)
        {
            if (argument.Parameter is { RefKind: RefKind.Out } output && VariableOf(argument.Value) is var received and >= 0 && OutOf(call.TargetMethod, output) == ReturnOwnership.New)
            {
                state[received] = RefState.Null;
            }
        }
    }

    /// <summary>
    /// What a condition tests for null, and whether it is true when that is null: <c>x == null</c>, <c>x is null</c>,
    /// <c>x is not null</c>, <c>x is T t</c>, and for handles <c>p == IntPtr.Zero</c> or <c>p != 0</c>.
    /// </summary>
    private static (IOperation Tested, bool NullWhenTrue)? NullTest(IOperation condition) => Unwrap(condition) switch
    {
        IIsNullOperation nullCheck => (nullCheck.Operand, true),
        IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals } b when IsNullLiteral(b.RightOperand) => (b.LeftOperand, true),
        IBinaryOperation { OperatorKind: BinaryOperatorKind.NotEquals } b when IsNullLiteral(b.RightOperand) => (b.LeftOperand, false),
        IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals } b when IsNullLiteral(b.LeftOperand) => (b.RightOperand, true),
        IBinaryOperation { OperatorKind: BinaryOperatorKind.NotEquals } b when IsNullLiteral(b.LeftOperand) => (b.RightOperand, false),
        IIsPatternOperation { Pattern: IConstantPatternOperation c } p when IsNullLiteral(c.Value) => (p.Value, true),
        IIsPatternOperation { Pattern: INegatedPatternOperation { Pattern: IConstantPatternOperation c } } p when IsNullLiteral(c.Value) => (p.Value, false),
        IIsPatternOperation { Pattern: IDeclarationPatternOperation or ITypePatternOperation or IRecursivePatternOperation } p => (p.Value, false),
        // An invalid SafeHandle holds no resource: on that side it owns nothing, as a null handle does.
        IPropertyReferenceOperation { Property.Name: "IsInvalid", Instance: { } handle } when ExternalApi.DerivesFromSafeHandle(handle.Type) => (handle, true),
        _ => null,
    };

    /// <summary>The variable operand of a null test (not a use of the object), or null.</summary>
    private static IOperation? NullTested(IOperation operation) =>
        operation is IIsNullOperation or IBinaryOperation { OperatorKind: BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals }
            or IIsPatternOperation { Pattern: IConstantPatternOperation or INegatedPatternOperation } && NullTest(operation) is { } test
            ? test.Tested
            : null;

    private static bool IsNullLiteral(IOperation operation) =>
        Unwrap(operation) is ILiteralOperation { ConstantValue: { HasValue: true, Value: null } } or IDefaultValueOperation
            or IFieldReferenceOperation { Field: { Name: "Zero", ContainingType.SpecialType: SpecialType.System_IntPtr } }
            // A handle compared with 0 (`p != 0` on an nint, `(IntPtr)0`): the null handle.
            or { Type.SpecialType: SpecialType.System_IntPtr, ConstantValue: { HasValue: true, Value: 0 or 0L } }
            or ILiteralOperation { ConstantValue: { HasValue: true, Value: 0 }, Parent: IBinaryOperation { LeftOperand.Type.SpecialType: SpecialType.System_IntPtr } or IConversionOperation { Type.SpecialType: SpecialType.System_IntPtr } };

    /// <summary>
    /// `int hr = QueryInterface(p, ref iid, out q);` … `if (hr == 0)`: a status local keeps the call it was assigned
    /// from, when that call hands references back through out parameters, so testing it later tells the same as
    /// testing the call inline. A side table like the attempt flags: the last assignment wins.
    /// </summary>
    private void RememberStatus(ILocalSymbol status, IOperation value)
    {
        if (Unwrap(value) is IInvocationOperation call && call.Arguments.Any(a => a.Parameter?.RefKind is RefKind.Out or RefKind.Ref))
        {
            _statusCalls[status] = call;
        }
        else
        {
            _statusCalls.Remove(status);
        }
    }

    /// <summary>The call an operand tests: the call itself, or the call a status local was assigned from.</summary>
    private IInvocationOperation? StatusCall(IOperation operand) => Unwrap(operand) switch
    {
        IInvocationOperation call => call,
        ILocalReferenceOperation { Local: var status } when _statusCalls.TryGetValue(status, out IInvocationOperation? call) => call,
        _ => null,
    };

    /// <summary>
    /// A call tested for success (a bool result, or an HRESULT compared with 0), and whether it succeeded on the
    /// side where the condition is <paramref name="isTrue"/>.
    /// </summary>
    private (IInvocationOperation Call, bool Succeeded)? Attempt(IOperation condition, bool isTrue) => Unwrap(condition) switch
    {
        IInvocationOperation call => (call, isTrue),
        ILocalReferenceOperation when StatusCall(condition) is { } call => (call, isTrue), // `if (hr)`: a status struct's operator bool
        IBinaryOperation { RightOperand.ConstantValue: { HasValue: true, Value: 0 } } test when StatusCall(test.LeftOperand) is { } call => test.OperatorKind switch
        {
            BinaryOperatorKind.Equals or BinaryOperatorKind.GreaterThanOrEqual => (call, isTrue),
            BinaryOperatorKind.NotEquals or BinaryOperatorKind.LessThan => (call, !isTrue),
            _ => null,
        },
        _ => null,
    };
}

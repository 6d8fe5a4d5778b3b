using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Engine;
using RefSafety.Analyzers.Ownership;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// What the operation tree of one body (its lambdas and local functions included) tells before any control flow
/// graph is built: whether the ownership dataflow could report anything in it, and whether it has lambdas whose
/// graphs must be analysed too. Exact, not a heuristic: every finding of the dataflow needs a tracked (counted)
/// variable or value, which shows as an operation of a counted type, or a declared contract (a counted or
/// <c>[StealsReference]</c> parameter, a <c>[NewReference]</c>/<c>[BorrowedReference]</c> result), which the scan
/// checks on every function of the body. For the .editorconfig APIs, values, not types, are counted: an IntPtr
/// counts only once a configured method, constructor or borrowed view has made it, or been handed it, so a body
/// that names none of them (and no SafeHandle under the safehandle preset) holds only uncounted values.
/// </summary>
internal readonly struct OwnershipBodyScan
{
    private OwnershipBodyScan(bool mayFind, bool hasLambdas)
    {
        MayFind = mayFind;
        HasLambdas = hasLambdas;
    }

    /// <summary>The dataflow may report something in the body: it must run.</summary>
    public bool MayFind { get; }

    /// <summary>The body contains lambdas or anonymous methods (each has its own graph).</summary>
    public bool HasLambdas { get; }

    public static OwnershipBodyScan Of(IOperation body, IMethodSymbol method, OwnershipModel model, ExternalApi api)
    {
        bool mayFind = false;
        bool hasLambdas = false;
        // An explicit stack over ChildOperations: the order does not matter here, and it walks about three times
        // faster than DescendantsAndSelf (which every body of the project pays for).
        Stack<IOperation> pending = StackPool<IOperation>.Rent();
        pending.Push(body);
        while (pending.Count > 0)
        {
            IOperation operation = pending.Pop();
            foreach (IOperation child in operation.ChildOperations)
            {
                pending.Push(child);
            }

            switch (operation)
            {
                case IAnonymousFunctionOperation lambda:
                    hasLambdas = true;
                    mayFind = mayFind || HasContract(lambda.Symbol, model, api);
                    break;
                case ILocalFunctionOperation localFunction:
                    mayFind = mayFind || HasContract(localFunction.Symbol, model, api);
                    break;
                default:
                    mayFind = mayFind || Involves(operation, model, api);
                    break;
            }
        }

        StackPool<IOperation>.Return(pending);
        return new OwnershipBodyScan(mayFind || HasContract(method, model, api), hasLambdas);
    }

    /// <summary>
    /// A function whose signature alone can make the dataflow report (REFS005 on an unconsumed stolen parameter,
    /// REFS004/REFS005 on a returned value): counted parameters or contracts, or a function configured in .editorconfig.
    /// </summary>
    private static bool HasContract(IMethodSymbol function, OwnershipModel model, ExternalApi api) =>
        function.Parameters.Any(p => model.IsCounted(p.Type)) || model.DeclaredReturnOf(function) != ReturnOwnership.None || api.Mentions(function);

    /// <summary>
    /// An operation that can give the dataflow something to track or report: a value of a counted type (a variable,
    /// a call result, a new object, a field being stored into), or an argument a <c>[StealsReference]</c> parameter
    /// takes (a borrowed value of any type passed there is REFS004); a call, creation or property read the
    /// .editorconfig names, or a SafeHandle. <c>this</c> is never a tracked variable.
    /// </summary>
    private static bool Involves(IOperation operation, OwnershipModel model, ExternalApi api) =>
        operation switch
        {
            IInstanceReferenceOperation => false,
            IArgumentOperation { Parameter: { } parameter } => model.Steals(parameter),
            IInvocationOperation call when api.Mentions(call.TargetMethod) => true,
            IObjectCreationOperation { Constructor: { } constructor } when api.Mentions(constructor) => true,
            IPropertyReferenceOperation { Property: var property } when api.IsBorrowedView(property) => true,
            _ => model.IsCounted(operation.Type) || api.IsSafeHandle(operation.Type),
        };
}

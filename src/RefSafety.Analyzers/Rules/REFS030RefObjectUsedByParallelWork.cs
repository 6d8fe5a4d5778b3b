using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS030: a RefObject local, parameter, field or <c>this</c> captured by work that runs in parallel with the flow
/// that starts it (Task.Run, TaskFactory.StartNew, Parallel.For/ForEach/Invoke, ThreadPool.QueueUserWorkItem and
/// UnsafeQueueUserWorkItem, a new Thread), while that flow may still hold the object's heap.
/// </summary>
/// <remarks>
/// The runtime's model (docs/runtime.md, "Threads and async"): one thread holds a heap at a time, and gives it up when
/// its async flow leaves the thread or at <c>heap.Release()</c>. So the work can use the captured object only once
/// the starter lets go. The rule stays silent where the starter provably does: the started task is awaited (directly,
/// through a local awaited later, ConfigureAwait or Task.WhenAll/WhenAny) or returned to a caller that decides, or a <c>Heap.Release()</c>
/// call precedes the start in the same body. A heap activated inside the work changes nothing for the captured
/// objects (they keep their heap), so it does not silence the rule; objects the work makes itself are not reported,
/// although without such an activation they land on the starter's <c>Heap.Current</c>. Reads that are safe from any
/// thread (RefCount, IsAlive, IsImmortal, Heap) are not uses. A syntax rule first: only calls spelled with one of
/// the APIs' names get an operation tree.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class REFS030RefObjectUsedByParallelWork : DiagnosticAnalyzer
{
    private static readonly ImmutableHashSet<string> StartMethodNames = ImmutableHashSet.Create(
        "Run", "StartNew", "For", "ForEach", "Invoke", "QueueUserWorkItem", "UnsafeQueueUserWorkItem");

    private static readonly ImmutableHashSet<string> ReadsSafeAnywhere = ImmutableHashSet.Create("RefCount", "IsAlive", "IsImmortal", "Heap");

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.REFS030RefObjectUsedByParallelWork);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            if (RefHeapSymbols.For(start.Compilation) is not { } symbols)
            {
                return;
            }

            start.RegisterSyntaxNodeAction(
                node => AnalyzeSyntax(node, symbols),
                SyntaxKind.InvocationExpression,
                SyntaxKind.ObjectCreationExpression,
                SyntaxKind.ImplicitObjectCreationExpression);
        });
    }

    private static void AnalyzeSyntax(SyntaxNodeAnalysisContext context, RefHeapSymbols symbols)
    {
        bool candidate = context.Node switch
        {
            InvocationExpressionSyntax invocation => CalledName(invocation.Expression) is { } name && StartMethodNames.Contains(name),
            ObjectCreationExpressionSyntax creation => TypeName(creation.Type) == "Thread",
            _ => true,
        };
        if (!candidate || !HasDelegateLikeArgument(context.Node))
        {
            return;
        }

        IOperation? start = context.SemanticModel.GetOperation(context.Node, context.CancellationToken);
        (IMethodSymbol? method, ImmutableArray<IArgumentOperation> arguments) = start switch
        {
            IInvocationOperation invocation => (invocation.TargetMethod, invocation.Arguments),
            IObjectCreationOperation creation => (creation.Constructor, creation.Arguments),
            _ => (null, ImmutableArray<IArgumentOperation>.Empty),
        };
        if (start is null || method is null || symbols.ParallelWorkApi(method) is not { } api)
        {
            return;
        }

        bool startsTask = api is "Task.Run" or "Task.Factory.StartNew";
        if ((startsTask && IsAwaitedOrReturned(start, symbols)) || ReleasedBefore(start, symbols))
        {
            return;
        }

        bool blockedOn = startsTask && IsBlockedOn(start);
        foreach (IOperation work in arguments.SelectMany(a => WorkFunctions(a.Value)))
        {
            foreach ((string Name, IOperation Use, bool MayBeNull) captured in CapturedObjects(work, start, symbols))
            {
                ImmutableDictionary<string, string?> properties = blockedOn
                    ? DiagnosticProperties.Empty
                        .Add(DiagnosticProperties.HandOff, $"{captured.Name}{(captured.MayBeNull ? "?" : "")}.Heap?.Release();")
                        .Add(DiagnosticProperties.HandOffStart, start.Syntax.SpanStart.ToString(CultureInfo.InvariantCulture))
                    : DiagnosticProperties.Empty;
                context.ReportDiagnostic(Diagnostic.Create(
                    Descriptors.REFS030RefObjectUsedByParallelWork, captured.Use.Syntax.GetLocation(), properties, captured.Name, api));
            }
        }
    }

    private static string? CalledName(ExpressionSyntax expression) =>
        expression switch
        {
            SimpleNameSyntax name => name.Identifier.ValueText,
            MemberAccessExpressionSyntax memberAccess => memberAccess.Name.Identifier.ValueText,
            _ => null,
        };

    private static string? TypeName(TypeSyntax type) =>
        type switch
        {
            SimpleNameSyntax name => name.Identifier.ValueText,
            QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax aliased => aliased.Name.Identifier.ValueText,
            _ => null,
        };

    // A lambda, anonymous method or method group among the arguments: without one there is no work to look into.
    private static bool HasDelegateLikeArgument(SyntaxNode node) =>
        node is BaseObjectCreationExpressionSyntax { ArgumentList: null }
            ? false
            : node.ChildNodes().OfType<BaseArgumentListSyntax>().SelectMany(list => list.Arguments).Any(argument =>
                argument.Expression is AnonymousFunctionExpressionSyntax or IdentifierNameSyntax or MemberAccessExpressionSyntax);

    /// <summary>The lambdas and method groups an argument passes as work (Parallel.Invoke's params array included).</summary>
    private static IEnumerable<IOperation> WorkFunctions(IOperation value)
    {
        while (value is IConversionOperation conversion)
        {
            value = conversion.Operand;
        }

        switch (value)
        {
            case IDelegateCreationOperation { Target: IAnonymousFunctionOperation or IMethodReferenceOperation } creation:
                yield return creation.Target;
                break;
            case IArrayCreationOperation { Initializer: { } initializer }:
                foreach (IOperation element in initializer.ElementValues.SelectMany(WorkFunctions))
                {
                    yield return element;
                }

                break;
        }
    }

    /// <summary>
    /// The started task is awaited, or returned to the caller (which awaits it or not: the rule cannot see), directly
    /// or through ConfigureAwait, Task.WhenAll/WhenAny or an array of tasks: the awaiting flow gives the heap up when
    /// it yields.
    /// </summary>
    private static bool IsAwaitedOrReturned(IOperation start, RefHeapSymbols symbols)
    {
        IOperation current = start;
        while (true)
        {
            switch (current.Parent)
            {
                case IConversionOperation or IArrayCreationOperation:
                    current = current.Parent;
                    break;
                case IArrayInitializerOperation initializer:
                    current = initializer;
                    break;
                case IInvocationOperation call when call.TargetMethod.Name == "ConfigureAwait" && ReferenceEquals(call.Instance, current):
                    current = call;
                    break;
                case IArgumentOperation { Parent: IInvocationOperation combinator }
                    when combinator.TargetMethod.Name is "WhenAll" or "WhenAny"
                         && SymbolEqualityComparer.Default.Equals(combinator.TargetMethod.ContainingType, symbols.Task):
                    current = combinator;
                    break;
                case IAwaitOperation or IReturnOperation:
                    return true;
                case IVariableInitializerOperation { Parent: IVariableDeclaratorOperation { Symbol: var local } }:
                    return IsAwaitedLater(local, current, symbols);
                case ISimpleAssignmentOperation { Target: ILocalReferenceOperation { Local: var local } } assignment when ReferenceEquals(assignment.Value, current):
                    return IsAwaitedLater(local, current, symbols);
                default:
                    return false;
            }
        }
    }

    /// <summary>
    /// <c>var t = Task.Run(…); … await t;</c>: the task kept in <paramref name="local"/> is awaited later in the same
    /// body (directly or through the shapes above), where the starting flow gives the heap up.
    /// </summary>
    private static bool IsAwaitedLater(ILocalSymbol local, IOperation start, RefHeapSymbols symbols)
    {
        IOperation body = start;
        while (body.Parent is { } parent)
        {
            body = parent;
        }

        // Only a local written once (here): another write could replace the task before the await.
        var uses = body.Descendants().OfType<ILocalReferenceOperation>().Where(use => SymbolEqualityComparer.Default.Equals(use.Local, local)).ToList();
        bool IsWrite(IOperation use) => use.Parent is ISimpleAssignmentOperation write && ReferenceEquals(write.Target, use);
        bool declaredHere = start.Parent is IVariableInitializerOperation;
        return uses.Count(IsWrite) == (declaredHere ? 0 : 1)
            && uses.Any(read => !IsWrite(read) && read.Syntax.SpanStart > start.Syntax.SpanStart && IsAwaitedOrReturned(read, symbols));
    }

    /// <summary>The started task is waited on at once: <c>.Wait(…)</c>, <c>.Result</c> or <c>.GetAwaiter().GetResult()</c>.</summary>
    private static bool IsBlockedOn(IOperation start)
    {
        IOperation current = start;
        while (current.Parent is IConversionOperation conversion)
        {
            current = conversion;
        }

        return current.Parent switch
        {
            IInvocationOperation { TargetMethod.Name: "Wait" } wait => ReferenceEquals(wait.Instance, current),
            IPropertyReferenceOperation { Property.Name: "Result" } result => ReferenceEquals(result.Instance, current),
            IInvocationOperation { TargetMethod.Name: "GetAwaiter", Parent: IInvocationOperation { TargetMethod.Name: "GetResult" } getResult } awaiter =>
                ReferenceEquals(awaiter.Instance, current) && ReferenceEquals(getResult.Instance, awaiter),
            _ => false,
        };
    }

    /// <summary>A <c>Heap.Release()</c> call before the start, in the body (method, lambda or local function) that starts the work.</summary>
    private static bool ReleasedBefore(IOperation start, RefHeapSymbols symbols)
    {
        IOperation body = start;
        while (body.Parent is { } parent && body is not (IAnonymousFunctionOperation or ILocalFunctionOperation))
        {
            body = parent;
        }

        return body.Descendants().Any(o =>
            o is IInvocationOperation call
            && SymbolEqualityComparer.Default.Equals(call.TargetMethod, symbols.HeapRelease)
            && call.Syntax.SpanStart < start.Syntax.SpanStart);
    }

    /// <summary>
    /// Each RefObject variable the work uses but did not declare (a captured local or parameter, an instance field
    /// reached through <c>this</c>, <c>this</c> itself in a RefObject type), with its first use and whether its declared
    /// type is nullable; for a method group, its receiver, or what the local function it names captures.
    /// </summary>
    private static IEnumerable<(string Name, IOperation Use, bool MayBeNull)> CapturedObjects(IOperation work, IOperation start, RefHeapSymbols symbols)
    {
        IOperation? body;
        SyntaxNode declaration;
        switch (work)
        {
            case IAnonymousFunctionOperation { Symbol.IsStatic: false } function:
                body = function.Body;
                declaration = function.Syntax;
                break;
            case IMethodReferenceOperation { Method.MethodKind: MethodKind.LocalFunction, Method.IsStatic: false } reference:
                ILocalFunctionOperation? localFunction = Root(start).Descendants().OfType<ILocalFunctionOperation>()
                    .FirstOrDefault(f => SymbolEqualityComparer.Default.Equals(f.Symbol, reference.Method.OriginalDefinition));
                body = localFunction;
                declaration = localFunction?.Syntax ?? reference.Syntax;
                break;
            case IMethodReferenceOperation { Instance: { } receiver } reference:
                body = receiver;
                declaration = reference.Syntax;
                break;
            default:
                yield break;
        }

        if (body is null)
        {
            yield break;
        }

        var reported = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (IOperation operation in body.DescendantsAndSelf())
        {
            if (Capture(operation, declaration, symbols) is { } captured && !IsSafeAnywhereRead(operation, symbols) && reported.Add(captured.Symbol))
            {
                yield return (captured.Name, operation, captured.Type?.NullableAnnotation == NullableAnnotation.Annotated);
            }
        }
    }

    private static (ISymbol Symbol, string Name, ITypeSymbol? Type)? Capture(IOperation operation, SyntaxNode declaration, RefHeapSymbols symbols) =>
        operation switch
        {
            ILocalReferenceOperation local when symbols.IsRefObjectType(local.Local.Type) && !DeclaredIn(local.Local, declaration) => (local.Local, local.Local.Name, local.Local.Type),
            IParameterReferenceOperation parameter when symbols.IsRefObjectType(parameter.Parameter.Type) && !DeclaredIn(parameter.Parameter, declaration) => (parameter.Parameter, parameter.Parameter.Name, parameter.Parameter.Type),
            IFieldReferenceOperation { Instance: IInstanceReferenceOperation } field when symbols.IsStrongField(field.Field) => (field.Field, field.Field.Name, field.Field.Type),
            IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } instance
                when symbols.IsRefObjectType(instance.Type)
                     && !(instance.Parent is IFieldReferenceOperation receiverOf && symbols.IsStrongField(receiverOf.Field)) => (instance.Type!, "this", null),
            _ => null,
        };

    private static bool DeclaredIn(ISymbol symbol, SyntaxNode declaration) =>
        symbol.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == declaration.SyntaxTree && declaration.Span.Contains(r.Span));

    // RefCount, IsAlive, IsImmortal and Heap are single reads of the object, safe from any thread.
    private static bool IsSafeAnywhereRead(IOperation operation, RefHeapSymbols symbols) =>
        operation.Parent is IPropertyReferenceOperation property
        && ReferenceEquals(property.Instance, operation)
        && ReadsSafeAnywhere.Contains(property.Property.Name)
        && SymbolEqualityComparer.Default.Equals(property.Property.ContainingType, symbols.RefObject);

    private static IOperation Root(IOperation operation)
    {
        while (operation.Parent is { } parent)
        {
            operation = parent;
        }

        return operation;
    }
}

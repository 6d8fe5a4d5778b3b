using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;
using RefSafety.Analyzers.Cycles;

using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Rules;

/// <summary>
/// REFS021: an <c>OnFinalize</c> override stores <c>this</c> (directly, through a local copy of it, or one of its
/// strong fields, whose object would otherwise die with it) somewhere that outlives the object: a static member,
/// a member of another object, or a container reached through one of those. Per method, so it reports as you type.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class REFS021FinalizerResurrectsAnalyzer : DiagnosticAnalyzer
{
    // Methods that keep their argument in the receiver (collections of every kind, RefList and RefDictionary included).
    private static readonly ImmutableHashSet<string> StoringMethods =
        ImmutableHashSet.Create("Add", "Insert", "Push", "Enqueue", "TryAdd", "AddFirst", "AddLast", "AddOrUpdate", "GetOrAdd");

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(Descriptors.REFS021FinalizerResurrects);

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

            start.RegisterSyntaxNodeAction(node => AnalyzeMethod(node, symbols), SyntaxKind.MethodDeclaration);
        });
    }

    /// <summary>
    /// Only <c>override ... OnFinalize</c> declarations get a symbol and an operation tree: the rule does not make the
    /// compiler build one for every body of the project.
    /// </summary>
    private static void AnalyzeMethod(SyntaxNodeAnalysisContext context, RefHeapSymbols symbols)
    {
        // A finalizer is an override, and an override is declared with the name of the method it overrides.
        var declaration = (MethodDeclarationSyntax)context.Node;
        if (declaration.Identifier.ValueText != "OnFinalize" || !declaration.Modifiers.Any(SyntaxKind.OverrideKeyword))
        {
            return;
        }

        if (context.SemanticModel.GetDeclaredSymbol(declaration, context.CancellationToken) is { } method && symbols.IsFinalizer(method)
            && context.SemanticModel.GetOperation(declaration, context.CancellationToken) is { } body)
        {
            new FinalizerBody(symbols, method, body, context.ReportDiagnostic).Analyze();
        }
    }

    /// <summary>One finalizer body: which locals alias <c>this</c>, and which stores put a dying object somewhere that outlives it.</summary>
    private sealed class FinalizerBody
    {
        private readonly RefHeapSymbols _symbols;
        private readonly IMethodSymbol _method;
        private readonly IOperation _body;
        private readonly Action<Diagnostic> _report;
        private readonly HashSet<ILocalSymbol> _thisAliases = new(SymbolEqualityComparer.Default);

        public FinalizerBody(RefHeapSymbols symbols, IMethodSymbol method, IOperation body, Action<Diagnostic> report)
        {
            _symbols = symbols;
            _method = method;
            _body = body;
            _report = report;
        }

        public void Analyze()
        {
            List<IOperation> operations = _body.DescendantsAndSelf().ToList();
            FindAliases(operations);
            foreach (IOperation operation in operations)
            {
                switch (operation)
                {
                    case ISimpleAssignmentOperation assignment:
                        CheckStore(assignment, assignment.Target, assignment.Value);
                        break;
                    case IInvocationOperation invocation:
                        CheckInvocation(invocation);
                        break;
                }
            }
        }

        /// <summary>Locals that hold <c>this</c> (flow-insensitive: any store of <c>this</c> into the local counts).</summary>
        private void FindAliases(List<IOperation> operations)
        {
            foreach (IOperation operation in operations)
            {
                if (operation is IVariableDeclaratorOperation { Initializer.Value: { } init } declarator && IsThis(init))
                {
                    _thisAliases.Add(declarator.Symbol);
                }
                else if (operation is ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment && IsThis(assignment.Value))
                {
                    _thisAliases.Add(local.Local);
                }
            }
        }

        private void CheckInvocation(IInvocationOperation invocation)
        {
            IMethodSymbol target = invocation.TargetMethod;
            if (SymbolEqualityComparer.Default.Equals(target.ContainingType, _symbols.RefField) &&
                target.Name is "Set" or "Move" && invocation.Arguments.Length == 2)
            {
                CheckStore(invocation, invocation.Arguments[0].Value, invocation.Arguments[1].Value);
                return;
            }

            if (StoringMethods.Contains(target.Name) && invocation.Instance is { } receiver && OutlivingPlace(receiver) is { } place)
            {
                foreach (IArgumentOperation argument in invocation.Arguments)
                {
                    if (DyingValue(argument.Value) is { } value)
                    {
                        Report(invocation, value, $"the container {place}");
                    }
                }
            }
        }

        private void CheckStore(IOperation store, IOperation target, IOperation value)
        {
            if (DyingValue(value) is not { } dying)
            {
                return;
            }

            if (target is IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } indexed })
            {
                if (OutlivingPlace(indexed) is { } container)
                {
                    Report(store, dying, $"the container {container}");
                }
            }
            else if (OutlivingPlace(target) is { } place)
            {
                Report(store, dying, place);
            }
        }

        private void Report(IOperation store, string value, string place) =>
            _report(Diagnostic.Create(Descriptors.REFS021FinalizerResurrects, store.Syntax.GetLocation(), _method.ContainingType.Name, value, place));

        /// <summary>Describes the dying object the value names (<c>this</c> or one of its strong fields), or null.</summary>
        private string? DyingValue(IOperation value)
        {
            IOperation unwrapped = Unwrap(value);
            if (IsThis(unwrapped))
            {
                return "'this'";
            }

            if (unwrapped is IFieldReferenceOperation { Instance: { } instance } field && IsThis(instance) && _symbols.IsStrongField(field.Field))
            {
                return $"'this.{field.Field.Name}'";
            }

            return null;
        }

        /// <summary>
        /// Describes the member (or container) as a place that outlives the finalized object: a static member, or a
        /// member of an object other than <c>this</c> reached through a member (<c>this.Owner.Last</c>,
        /// <c>Registry.Default.Items</c>). Members of <c>this</c> and of locals die with the finalizer; null for them.
        /// </summary>
        private static string? OutlivingPlace(IOperation place)
        {
            ISymbol? member = Unwrap(place) switch
            {
                IFieldReferenceOperation f => f.Field,
                IPropertyReferenceOperation p => p.Property,
                IEventReferenceOperation e => e.Event,
                _ => null,
            };
            if (member is null)
            {
                return null;
            }

            if (member.IsStatic)
            {
                return $"static member '{member.ContainingType.Name}.{member.Name}'";
            }

            IOperation? instance = ((IMemberReferenceOperation)Unwrap(place)).Instance;
            if (instance is null)
            {
                return null;
            }

            IOperation owner = Unwrap(instance);
            return owner is IMemberReferenceOperation or IInvocationOperation or IArrayElementReferenceOperation
                ? $"'{place.Syntax}' of another object"
                : null;
        }

        private bool IsThis(IOperation operation) =>
            Unwrap(operation) switch
            {
                IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ContainingTypeInstance } => true,
                ILocalReferenceOperation local => _thisAliases.Contains(local.Local),
                _ => false,
            };

        private static IOperation Unwrap(IOperation operation)
        {
            while (operation is IConversionOperation or IParenthesizedOperation)
            {
                operation = operation is IConversionOperation conversion ? conversion.Operand : ((IParenthesizedOperation)operation).Operand;
            }

            return operation;
        }
    }
}

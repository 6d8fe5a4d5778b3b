using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.FlowAnalysis;
using Microsoft.CodeAnalysis.Operations;

using RefSafety.Analyzers.Engine;

namespace RefSafety.Analyzers.Cycles;

/// <summary>
/// Names the container slot (the <see cref="HeapEdge.Field"/>) an item is tracked under in one method:
/// <see cref="Any"/> for a list item or a dictionary value whose key the method cannot name twice, "[key]" for a
/// dictionary key that is a constant (<c>["self"]</c>) or a variable the method defines once (a parameter it never
/// assigns, a local assigned only where declared), so that <c>Remove(key)</c> finds the entry again.
/// </summary>
internal sealed class ContainerSlots
{
    /// <summary>The slot of a list item, or of a dictionary entry whose key is not known.</summary>
    public const string Any = "[]";

    private readonly RefHeapSymbols _symbols;
    private readonly ControlFlowGraph _graph;
    private Dictionary<string, int>? _definitions;

    public ContainerSlots(RefHeapSymbols symbols, ControlFlowGraph graph)
    {
        _symbols = symbols;
        _graph = graph;
    }

    /// <summary>A RefDictionary&lt;K, V&gt;, whose entries are removed by key rather than by value.</summary>
    public bool IsDictionary(ITypeSymbol? type) =>
        type is INamedTypeSymbol named && SymbolEqualityComparer.Default.Equals(named.OriginalDefinition, _symbols.RefDictionary);

    /// <summary>The slot an item stored into <paramref name="container"/> under <paramref name="key"/> (none for a list) is tracked under.</summary>
    public string Of(IOperation container, IOperation? key)
    {
        if (key is null || !IsDictionary(container.Type))
        {
            return Any;
        }

        while (key is IConversionOperation conversion)
        {
            key = conversion.Operand;
        }

        if (key.ConstantValue is { HasValue: true, Value: { } constant })
        {
            return constant is string text ? $"[\"{text}\"]" : $"[{System.Convert.ToString(constant, CultureInfo.InvariantCulture)}]";
        }

        ISymbol? variable = key switch
        {
            ILocalReferenceOperation local => local.Local,
            IParameterReferenceOperation parameter => parameter.Parameter,
            _ => null,
        };
        _definitions ??= CountDefinitions(_graph);
        return variable is not null && _definitions.TryGetValue(variable.Name, out int count) && count == 1 ? $"[{variable.Name}]" : Any;
    }

    /// <summary>
    /// How often the method defines each variable name: a parameter once, then each assignment, ref or out argument and
    /// pattern declaration. Counted by name, so two locals that share one (in different scopes) are never "defined once".
    /// </summary>
    private static Dictionary<string, int> CountDefinitions(ControlFlowGraph graph)
    {
        var counts = new Dictionary<string, int>();
        var parameters = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        void Define(string name) => counts[name] = counts.TryGetValue(name, out int count) ? count + 1 : 1;
        foreach (IOperation operation in FlowGraph.AllOperations(graph))
        {
            IOperation? written = operation switch
            {
                IAssignmentOperation assignment => assignment.Target,
                IIncrementOrDecrementOperation increment => increment.Target,
                IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } argument => argument.Value,
                _ => null,
            };
            var targets = new Stack<IOperation>(written is null ? Enumerable.Empty<IOperation>() : new[] { written });
            while (targets.Count > 0)
            {
                IOperation target = targets.Pop();
                switch (target)
                {
                    case ILocalReferenceOperation local:
                        Define(local.Local.Name);
                        break;
                    case IParameterReferenceOperation parameter:
                        Define(parameter.Parameter.Name);
                        break;
                    case IDeclarationExpressionOperation or ITupleOperation:
                        foreach (IOperation part in target.ChildOperations)
                        {
                            targets.Push(part);
                        }

                        break;
                }
            }

            if (operation is IParameterReferenceOperation reference && parameters.Add(reference.Parameter))
            {
                Define(reference.Parameter.Name);
            }
            else if (operation is IDeclarationPatternOperation { DeclaredSymbol: { } declared })
            {
                Define(declared.Name);
            }
        }

        return counts;
    }
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Cycles;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS022CodeFix
{
    [Fact]
    public async Task BlockBodiedDestructorBecomesOnFinalize()
    {
        const string Fixed = """
            using RefHeap;
            class Node : RefObject
            {
                public Node? Next;

                // Logs the death.
                protected override void OnFinalize()
                {
                    System.Console.WriteLine("gone");
                    RefField.Clear(ref Next);
                }
            }
            """;
        await Verify<REFS022DestructorOnRefObjectAnalyzer>.CodeFix<REFS022ConvertToOnFinalizeFix>(
            """
            using RefHeap;
            class Node : RefObject
            {
                public Node? Next;

                // Logs the death.
                ~[|Node|]()
                {
                    System.Console.WriteLine("gone");
                    RefField.Clear(ref Next);
                }
            }
            """,
            Fixed);
        await CycleAnalyzers.AssertSilent(Fixed);
    }

    [Fact]
    public async Task FixAllConvertsExpressionBodiedDestructorsOfGenericTypes()
    {
        const string Fixed = """
            using RefHeap;
            sealed class Holder<T> : RefObject where T : RefObject
            {
                public T? Value;
                protected override void OnFinalize() => Value = null;
            }
            sealed class Other : RefObject
            {
                protected override void OnFinalize()
                {
                }
            }
            """;
        await Verify<REFS022DestructorOnRefObjectAnalyzer>.CodeFix<REFS022ConvertToOnFinalizeFix>(
            """
            using RefHeap;
            sealed class Holder<T> : RefObject where T : RefObject
            {
                public T? Value;
                ~[|Holder|]() => Value = null;
            }
            sealed class Other : RefObject
            {
                ~[|Other|]()
                {
                }
            }
            """,
            Fixed);
        await CycleAnalyzers.AssertSilent(Fixed);
    }

    [Fact]
    public Task NotOfferedWhenOnFinalizeAlreadyExists() =>
        Verify<REFS022DestructorOnRefObjectAnalyzer>.CodeFix<REFS022ConvertToOnFinalizeFix>(
            """
            using RefHeap;
            class Node : RefObject
            {
                ~[|Node|]() { }
                protected override void OnFinalize() { }
            }
            """,
            """
            using RefHeap;
            class Node : RefObject
            {
                ~[|Node|]() { }
                protected override void OnFinalize() { }
            }
            """);
}

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
        await RuleTest.For<REFS022DestructorOnRefObjectAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Node : RefObject
            {
                public Node? Next;

                // Logs the death.
                ~{|REFS022:Node|}()
                {
                    System.Console.WriteLine("gone");
                    RefField.Clear(ref Next);
                }
            }
            """)
            .WithFix<REFS022ConvertToOnFinalizeFix>()
            .ExpectFixed(Fixed)
            .ExpectSilentAfterFix()
            .RunAsync();
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
        await RuleTest.For<REFS022DestructorOnRefObjectAnalyzer>()
            .WithSource("""
            using RefHeap;
            sealed class Holder<T> : RefObject where T : RefObject
            {
                public T? Value;
                ~{|REFS022:Holder|}() => Value = null;
            }
            sealed class Other : RefObject
            {
                ~{|REFS022:Other|}()
                {
                }
            }
            """)
            .WithFix<REFS022ConvertToOnFinalizeFix>()
            .ExpectFixed(Fixed)
            .RunAsync();
    }

    [Fact]
    public Task NotOfferedWhenOnFinalizeAlreadyExists() =>
        RuleTest.For<REFS022DestructorOnRefObjectAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Node : RefObject
            {
                ~{|REFS022:Node|}() { }
                protected override void OnFinalize() { }
            }
            """)
            .WithFix<REFS022ConvertToOnFinalizeFix>()
            .ExpectFixed("""
            using RefHeap;
            class Node : RefObject
            {
                ~{|REFS022:Node|}() { }
                protected override void OnFinalize() { }
            }
            """)
            .RunAsync();
}

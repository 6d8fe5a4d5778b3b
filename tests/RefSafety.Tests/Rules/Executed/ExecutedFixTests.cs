using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Balance;
using RefSafety.CodeFixes.Cycles;
using Xunit;

namespace RefSafety.Tests.Rules;

/// <summary>
/// Fixes verified by execution (issue 9 part 2): each test runs the program before and after the fix
/// (<see cref="RuleTestBuilder.WithEntryPoint"/>) and the builder asserts the same output, no RefHeap exception and no
/// more live objects after <c>Gc.Collect()</c>. Fix All over the project is checked on the same expected code.
/// </summary>
public class ExecutedFixTests
{
    [Fact]
    public Task REFS001ReleaseBeforeTheExitRemovesTheLeakInEveryFile() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class First
            {
                public static int M(bool fail)
                {
                    var node = new Node();
                    if (fail)
                    {
                        {|REFS001:return -1;|}
                    }

                    node.DecRef();
                    return 0;
                }
            }
            """)
        .WithSource("""
            static class Second
            {
                public static int M(bool fail)
                {
                    var node = new Node();
                    if (fail)
                    {
                        {|REFS001:return -2;|}
                    }

                    node.DecRef();
                    return 0;
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release before this exit")
        .ExpectFixed(RuleTestTypes.Source + """
            static class First
            {
                public static int M(bool fail)
                {
                    var node = new Node();
                    if (fail)
                    {
                        node.DecRef();
                        return -1;
                    }

                    node.DecRef();
                    return 0;
                }
            }
            """, """
            static class Second
            {
                public static int M(bool fail)
                {
                    var node = new Node();
                    if (fail)
                    {
                        node.DecRef();
                        return -2;
                    }

                    node.DecRef();
                    return 0;
                }
            }
            """)
        .WithEntryPoint("""
            Console.WriteLine(First.M(true) + " " + First.M(false));
            Console.WriteLine(Second.M(true) + " " + Second.M(false));
            """)
        .ExpectLeakFixed()
        .RunAsync();

    [Fact]
    public Task REFS002RemovingTheExtraReleaseEndsTheReleasedObjectException() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static void Done(Node borrowed)
                {
                    borrowed.Touch();
                    {|REFS002:borrowed.DecRef()|};
                }
            }
            """)
        .WithFix<REFS002RemoveExtraReleaseFix>("Remove the extra release")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static void Done(Node borrowed)
                {
                    borrowed.Touch();
                }
            }
            """)
        .WithEntryPoint("""
            var node = new Node();
            C.Done(node);
            Console.WriteLine("done");
            node.DecRef();
            """)
        .RunAsync();

    [Fact]
    public Task REFS022OneLineBodiesGoOnLinesOfTheirOwnAndTheProgramRunsTheSame() => RuleTest.For<REFS022DestructorOnRefObjectAnalyzer>()
        .WithSource("""
            using RefHeap;
            class Node : RefObject
            {
                public Node? Next;
                ~{|REFS022:Node|}() { RefField.Clear(ref Next); }
            }
            class Box : RefObject
            {
                public Node? Item;
                ~{|REFS022:Box|}() { RefField.Clear(ref Item); }
            }
            """)
        .WithFix<REFS022ConvertToOnFinalizeFix>()
        .ExpectFixed("""
            using RefHeap;
            class Node : RefObject
            {
                public Node? Next;
                protected override void OnFinalize()
                {
                    RefField.Clear(ref Next);
                }
            }
            class Box : RefObject
            {
                public Node? Item;
                protected override void OnFinalize()
                {
                    RefField.Clear(ref Item);
                }
            }
            """)
        .WithEntryPoint("""
            var box = new Box { Item = new Node() };
            Console.WriteLine(box.Item != null);
            box.DecRef();
            """)
        .RunAsync();
}

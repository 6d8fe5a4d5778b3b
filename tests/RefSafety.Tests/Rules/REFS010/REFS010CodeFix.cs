using System.Threading.Tasks;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Cycles;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS010CodeFix
{
    [Fact]
    public async Task ParentBecomesWeakAndTheCycleIsGone()
    {
        const string Fixed = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;
            }
            static class Family
            {
                public static void Adopt(Tree parent, Tree child)
                {
                    parent.Children.Add(child);
                    child.Parent = new WeakRef<Tree>(parent);
                }

                public static int Siblings(Tree child) => child.Parent?.Target?.Children.Count ?? 0;
            }
            """;
        await RuleTest.For<REFS010StrongCycleCreatedAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? Parent;
            }
            static class Family
            {
                public static void Adopt(Tree parent, Tree child)
                {
                    parent.Children.Add(child);
                    {|REFS010:RefField.Set(ref child.Parent, parent)|};
                }

                public static int Siblings(Tree child) => child.Parent?.Children.Count ?? 0;
            }
            """)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("parent.Children[] → child.Parent → parent")
            .ExpectFixed(Fixed)
            .ExpectSilentAfterFix()
            .RunAsync();
    }

    [Fact]
    public Task NotOfferedWhenNoFieldOfTheCycleIsABackEdge()
    {
        const string Source = """
            using RefHeap;
            class Node : RefObject { public Node? Next; }
            static class C
            {
                static void M(Node a, Node b) { a.Next = b; {|REFS010:b.Next = a|}; }
            }
            """;
        return RuleTest.For<REFS010StrongCycleCreatedAnalyzer>()
            .WithSource(Source)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("a.Next → b.Next → a")
            .ExpectFixed(Source)
            .RunAsync();
    }

    [Fact]
    public Task NotOfferedWhenTheBackEdgeIsStoredByACalledMethod()
    {
        const string Source = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? Parent;
            }
            static class Family
            {
                static void SetParent(Tree child, Tree parent) => child.Parent = parent;

                public static void Adopt(Tree parent, Tree child)
                {
                    parent.Children.Add(child);
                    {|REFS010:SetParent(child, parent)|};
                }
            }
            """;
        return RuleTest.For<REFS010StrongCycleCreatedAnalyzer>()
            .WithSource(Source)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("parent.Children[] → child.Parent → parent")
            .ExpectFixed(Source)
            .RunAsync();
    }

    [Fact]
    public async Task ABackEdgeDeclaredWithAnotherFieldIsSplitOutAndItsInitializerStoreBecomesWeak()
    {
        const string Fixed = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;
                public Tree? Next;
            }
            static class Family
            {
                public static void Adopt(Tree parent)
                {
                    var child = new Tree { Parent = new WeakRef<Tree>(parent) };
                    parent.Children.Add(child);
                    child.DecRef();
                }
            }
            """;
        await RuleTest.For<REFS010StrongCycleCreatedAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? Parent, Next;
            }
            static class Family
            {
                public static void Adopt(Tree parent)
                {
                    parent.IncRef();
                    var child = new Tree { Parent = parent };
                    {|REFS010:parent.Children.Add(child)|};
                    child.DecRef();
                }
            }
            """)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("child.Parent → parent.Children[] → child")
            .ExpectFixed(Fixed)
            .ExpectSilentAfterFix()
            .RunAsync();
    }
}

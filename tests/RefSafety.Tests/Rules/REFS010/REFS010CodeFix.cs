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
        await Verify<REFS010StrongCycleCreatedAnalyzer>.CodeFix<MakeWeakReferenceFix>(
            """
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
                    {|#0:RefField.Set(ref child.Parent, parent)|};
                }

                public static int Siblings(Tree child) => child.Parent?.Children.Count ?? 0;
            }
            """,
            Fixed,
            null,
            Verify<REFS010StrongCycleCreatedAnalyzer>.Diagnostic(Descriptors.REFS010StrongCycleCreated).WithLocation(0).WithArguments("parent.Children[] → child.Parent → parent"));
        await CycleAnalyzers.AssertSilent(Fixed);
    }

    [Fact]
    public Task NotOfferedWhenNoFieldOfTheCycleIsABackEdge()
    {
        const string Source = """
            using RefHeap;
            class Node : RefObject { public Node? Next; }
            static class C
            {
                static void M(Node a, Node b) { a.Next = b; {|#0:b.Next = a|}; }
            }
            """;
        return Verify<REFS010StrongCycleCreatedAnalyzer>.CodeFix<MakeWeakReferenceFix>(
            Source,
            Source,
            null,
            Verify<REFS010StrongCycleCreatedAnalyzer>.Diagnostic(Descriptors.REFS010StrongCycleCreated).WithLocation(0).WithArguments("a.Next → b.Next → a"));
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
                    {|#0:SetParent(child, parent)|};
                }
            }
            """;
        return Verify<REFS010StrongCycleCreatedAnalyzer>.CodeFix<MakeWeakReferenceFix>(
            Source,
            Source,
            null,
            Verify<REFS010StrongCycleCreatedAnalyzer>.Diagnostic(Descriptors.REFS010StrongCycleCreated).WithLocation(0).WithArguments("parent.Children[] → child.Parent → parent"));
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
        await Verify<REFS010StrongCycleCreatedAnalyzer>.CodeFix<MakeWeakReferenceFix>(
            """
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
                    {|#0:parent.Children.Add(child)|};
                    child.DecRef();
                }
            }
            """,
            Fixed,
            null,
            Verify<REFS010StrongCycleCreatedAnalyzer>.Diagnostic(Descriptors.REFS010StrongCycleCreated).WithLocation(0).WithArguments("child.Parent → parent.Children[] → child"));
        await CycleAnalyzers.AssertSilent(Fixed);
    }
}

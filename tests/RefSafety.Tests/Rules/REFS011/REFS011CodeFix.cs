using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Testing;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Cycles;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS011CodeFix
{
    private const string Tree = """
        using RefHeap;
        class Tree : RefObject
        {
            public RefList<Tree> Children = new();
            public Tree? {|REFS011:Parent|};

            public void Adopt(Tree child)
            {
                Children.Add(child);
                RefField.Set(ref child.Parent, this);
            }

            public string Describe() => Parent is null ? "root" : "child of " + Parent.Children.Count;

            protected override void ClearReferences()
            {
                RefField.Clear(ref Parent);
                base.ClearReferences();
            }
        }
        """;

    private const string TreeFixed = """
        using RefHeap;
        class Tree : RefObject
        {
            public RefList<Tree> Children = new();
            public WeakRef<Tree>? Parent;

            public void Adopt(Tree child)
            {
                Children.Add(child);
                child.Parent = new WeakRef<Tree>(this);
            }

            public string Describe() => Parent?.Target is null ? "root" : "child of " + (Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Children.Count;

            protected override void ClearReferences()
            {
                Parent = null;
                base.ClearReferences();
            }
        }
        """;

    private const string Usage = """
        using RefHeap;
        static class Usage
        {
            public static void Reparent(Tree child, Tree parent)
            {
                parent.IncRef();
                child.Parent = parent;
            }

            public static void Detach(Tree child)
            {
                child.Parent?.DecRef();
                child.Parent = null;
            }

            public static Tree? Grandparent(Tree child) => child.Parent?.Parent;
        }
        """;

    private const string UsageFixed = """
        using RefHeap;
        static class Usage
        {
            public static void Reparent(Tree child, Tree parent)
            {
                child.Parent = new WeakRef<Tree>(parent);
            }

            public static void Detach(Tree child)
            {
                child.Parent = null;
            }

            public static Tree? Grandparent(Tree child) => child.Parent?.Target?.Parent?.Target;
        }
        """;

    [Fact]
    public Task BackEdgeBecomesWeakAcrossDocuments() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("/0/Tree.cs", Tree)
            .WithSource("/0/Usage.cs", Usage)
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .WithFix<MakeWeakReferenceFix>()
            .ExpectFixed(TreeFixed, UsageFixed)
            .ExpectSilentAfterFix()
            .RunAsync();

    [Fact]
    public async Task FixAllMakesEveryBackEdgeWeakAndMoveReleasesTheStolenReference()
    {
        const string Fixed = """
            using RefHeap;
            class World : RefObject { public RefList<Forest> Forests = new(); }
            class Forest : RefObject { public RefList<Tree> Trees = new(); }
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;
                public WeakRef<Forest>? Owner;

                public static void Plant(Forest forest, Tree tree, bool rooted)
                {
                    forest.Trees.Add(tree);
                    if (rooted)
                        tree.Owner = new WeakRef<Forest>(forest);
                    var self = new Tree();
                    self.Parent = new WeakRef<Tree>(tree);
                    self.DecRef();
                    var other = new Forest();
                    tree.Owner = new WeakRef<Forest>(other);
                    other.DecRef();
                }
            }
            """;
        await RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class World : RefObject { public RefList<Forest> Forests = new(); }
            class Forest : RefObject { public RefList<Tree> Trees = new(); }
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? {|REFS011:Parent|};
                public Forest? {|REFS011:Owner|};

                public static void Plant(Forest forest, Tree tree, bool rooted)
                {
                    forest.Trees.Add(tree);
                    if (rooted)
                        RefField.Set(ref tree.Owner, forest);
                    var self = new Tree();
                    RefField.Set(ref self.Parent, tree);
                    self.DecRef();
                    var other = new Forest();
                    RefField.Move(ref tree.Owner, other);
                }
            }
            """)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .ExpectArguments("Owner", "Tree.Owner → Forest.Trees[] → Tree")
            .ExpectFixed(Fixed)
            .ExpectSilentAfterFix()
            .RunAsync();
    }

    [Fact]
    public Task NotOfferedOnAFieldThatMayBeTheSoleOwner()
    {
        const string Source = """
            using RefHeap;
            class Window : RefObject { public Window? {|REFS011:Owner|}; }
            """;
        return RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource(Source)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("Owner", "Window.Owner → Window")
            .ExpectFixed(Source)
            .RunAsync();
    }

    [Fact]
    public Task FixRewritesUsesInAnotherProjectOfTheSolution()
    {
        const string Consumer = "public static class Consumer\n{\n    public static void Attach(Tree child, Tree parent) => RefHeap.RefField.Set(ref child.Parent, parent);\n}\n";
        const string ConsumerFixed = "public static class Consumer\n{\n    public static void Attach(Tree child, Tree parent) => child.Parent = new RefHeap.WeakRef<Tree>(parent);\n}\n";
        return RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("/0/Tree.cs", "using RefHeap;\npublic class Tree : RefObject\n{\n    public RefList<Tree> Children = new();\n    public Tree? {|REFS011:Parent|};\n}\n")
            .WithProject("Consumer", new[] { ("/1/Consumer.cs", Consumer) }, new[] { ("/1/Consumer.cs", ConsumerFixed) })
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .WithFix<MakeWeakReferenceFix>()
            .ExpectFixed("using RefHeap;\npublic class Tree : RefObject\n{\n    public RefList<Tree> Children = new();\n    public WeakRef<Tree>? Parent;\n}\n")
            .RunAsync();
    }

    [Fact]
    public async Task RefFieldCallsInExpressionBodiesKeepTheCounts()
    {
        const string Fixed = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;

                public void Take(Tree parent)
                {
                    Parent = new WeakRef<Tree>(parent);
                    parent.DecRef();
                }

                public System.Action<Tree> Setter => p => Parent = new WeakRef<Tree>(p);

                public System.Action<Tree> Mover => p =>
                {
                    Parent = new WeakRef<Tree>(p);
                    p.DecRef();
                };

                public Tree Up
                {
                    set
                    {
                        Parent = new WeakRef<Tree>(value);
                        value.DecRef();
                    }
                }

                public void TakeIf(bool take, Tree parent)
                {
                    if (take)
                    {
                        Parent = new WeakRef<Tree>(parent);
                        parent.DecRef();
                    }
                }
            }
            """;
        await RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? {|REFS011:Parent|};

                public void Take(Tree parent) => RefField.Move(ref Parent, parent);

                public System.Action<Tree> Setter => p => RefField.Set(ref Parent, p);

                public System.Action<Tree> Mover => p => RefField.Move(ref Parent, p);

                public Tree Up
                {
                    set => RefField.Move(ref Parent, value);
                }

                public void TakeIf(bool take, Tree parent)
                {
                    if (take)
                        RefField.Move(ref Parent, parent);
                }
            }
            """)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .ExpectFixed(Fixed)
            .AllowNewDiagnosticsAfterFix("the test moves borrowed parameters into the field (REFS004 before); the fix keeps that count behaviour, so the same mistake is reported as REFS002 after")
            .RunAsync();
    }

    [Fact]
    public async Task ReadsDereferencedInsideAConditionalChainAreSplitOutOfIt()
    {
        const string Source = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? {|REFS011:Parent|};
                public string Name = "";

                /// <summary>Counts the children of <see cref="Parent"/>.</summary>
                public static int? SiblingCount(Tree? node) => node?.Parent.Children.Count;

                public static string? UncleName(Tree? node) => node?.Children[0].Parent.Name;

                public static string? HeldParentName(Holder? holder) => holder?.Node.Parent.Name;

                public static int? GrandparentNameLength(Tree? tree) => tree?.Parent.Parent.Name?.Length;

                public static void Leave(Tree? node, Tree child)
                {
                    node?.Parent.Children.Remove(child);
                    if (child.Children.Count == 0)
                        node?.Parent.Children.Clear();
                    else
                        node?.Children.Clear();
                }
            }

            struct Holder
            {
                public Tree Node;
            }
            """;
        const string Fixed = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;
                public string Name = "";

                /// <summary>Counts the children of <see cref="Parent"/>.</summary>
                public static int? SiblingCount(Tree? node) => (node is { } tree ? (tree.Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Children.Count : default(int?));

                public static string? UncleName(Tree? node) => (node is { } tree ? (tree.Children[0].Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Name : null);

                public static string? HeldParentName(Holder? holder) => (holder is { } holder1 ? (holder1.Node.Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Name : null);

                public static int? GrandparentNameLength(Tree? tree) => (tree is { } tree1 ? ((tree1.Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Name?.Length : default(int?));

                public static void Leave(Tree? node, Tree child)
                {
                    if (node is { } tree)
                        (tree.Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Children.Remove(child);
                    if (child.Children.Count == 0)
                    {
                        if (node is { } tree1)
                            (tree1.Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Children.Clear();
                    }
                    else
                        node?.Children.Clear();
                }
            }

            struct Holder
            {
                public Tree Node;
            }
            """;
        await RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource(Source)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .ExpectFixed(Fixed)
            .ExpectSilentAfterFix()
            .RunAsync();
    }

    [Theory]
    [InlineData("public static System.Action<Tree?> Orphan => node => node?.Parent.Children.Clear();")]
    [InlineData("public void Adopt(Tree parent) => Parent ??= parent;")]
    [InlineData("public void Swap(Tree other) => (Parent, other.Parent) = (other.Parent, Parent);")]
    public Task NotOfferedWhereTheFixCouldNotKeepTheCodeCompilingAndTheCountsRight(string member)
    {
        string source = $$"""
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? {|REFS011:Parent|};

                {{member}}
            }
            """;
        return RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("/0/Tree.cs", source)
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .WithFix<MakeWeakReferenceFix>()
            .ExpectFixed(source)
            .RunAsync();
    }

    [Fact]
    public Task APlainStoreThatMovedAReferenceReleasesItAfterBecomingWeak()
    {
        const string Source = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? {|REFS011:Parent|};
            }

            static class Builder
            {
                public static void Link(Tree parent, Tree child)
                {
                    parent.IncRef();
                    var owned = parent;
                    child.Parent = owned;
                }
            }
            """;
        const string Fixed = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;
            }

            static class Builder
            {
                public static void Link(Tree parent, Tree child)
                {
                    parent.IncRef();
                    var owned = parent;
                    child.Parent = new WeakRef<Tree>(owned);
                    owned.DecRef();
                }
            }
            """;
        return RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("/0/Tree.cs", Source)
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .WithFix<MakeWeakReferenceFix>()
            .ExpectFixed(Fixed)
            .RunAsync();
    }

    [Fact]
    public async Task StoresThroughAnyReceiverAndInitializersBecomeWeakWithoutTheirIncRef()
    {
        const string Source = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? {|REFS011:Parent|};

                public Tree Self() => this;

                public void AttachTo(Tree parent)
                {
                    parent.IncRef();
                    this.Parent = parent;
                }

                public void Reattach(Tree parent)
                {
                    parent.IncRef();
                    Parent = parent;
                }
            }

            static class Stores
            {
                public static void ThroughACall(Tree node, Tree parent)
                {
                    parent.IncRef();
                    node.Self().Parent = parent;
                }

                public static void ThroughAnIndexer(Tree[] nodes, int i, Tree parent)
                {
                    parent.IncRef();
                    nodes[i].Parent = parent;
                }

                public static Tree InAnInitializer(Tree parent)
                {
                    parent.IncRef();
                    var child = new Tree { Parent = parent };
                    return child;
                }

                public static void InAnArgument(RefList<Tree> list, Tree parent)
                {
                    var owned = parent;
                    owned.IncRef();
                    var moved = owned;
                    list.Add(new Tree { Parent = moved });
                }

                public static Tree InAnExpressionBody(Tree parent) => new() { Parent = parent };
            }
            """;
        const string Fixed = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;

                public Tree Self() => this;

                public void AttachTo(Tree parent)
                {
                    this.Parent = new WeakRef<Tree>(parent);
                }

                public void Reattach(Tree parent)
                {
                    Parent = new WeakRef<Tree>(parent);
                }
            }

            static class Stores
            {
                public static void ThroughACall(Tree node, Tree parent)
                {
                    node.Self().Parent = new WeakRef<Tree>(parent);
                }

                public static void ThroughAnIndexer(Tree[] nodes, int i, Tree parent)
                {
                    nodes[i].Parent = new WeakRef<Tree>(parent);
                }

                public static Tree InAnInitializer(Tree parent)
                {
                    var child = new Tree { Parent = new WeakRef<Tree>(parent) };
                    return child;
                }

                public static void InAnArgument(RefList<Tree> list, Tree parent)
                {
                    var owned = parent;
                    owned.IncRef();
                    var moved = owned;
                    list.Add(new Tree { Parent = new WeakRef<Tree>(moved) });
                    moved.DecRef();
                }

                public static Tree InAnExpressionBody(Tree parent) => new() { Parent = new WeakRef<Tree>(parent) };
            }
            """;
        await RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource(Source)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .ExpectFixed(Fixed)
            .ExpectSilentAfterFix()
            .RunAsync();
    }

    [Fact]
    public async Task AFieldDeclaredWithOthersIsSplitOutOfTheDeclaration()
    {
        const string Source = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();

                // Links, set by Adopt.
                /// <summary>Neighbours in the tree.</summary>
                [System.NonSerialized]
                public Tree? First, {|REFS011:Parent|}, Next = null; // not owned

                public void Adopt(Tree child)
                {
                    Children.Add(child);
                    RefField.Set(ref child.Parent, this);
                    RefField.Set(ref child.Next, First);
                }

                public string Describe() => Parent is null ? "root" : nameof(Parent) + " " + Parent.Children.Count;
            }
            """;
        const string Fixed = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();

                // Links, set by Adopt.
                /// <summary>Neighbours in the tree.</summary>
                [System.NonSerialized]
                public Tree? First;

                /// <summary>Neighbours in the tree.</summary>
                [System.NonSerialized]
                public WeakRef<Tree>? Parent;

                /// <summary>Neighbours in the tree.</summary>
                [System.NonSerialized]
                public Tree? Next = null; // not owned

                public void Adopt(Tree child)
                {
                    Children.Add(child);
                    child.Parent = new WeakRef<Tree>(this);
                    RefField.Set(ref child.Next, First);
                }

                public string Describe() => Parent?.Target is null ? "root" : nameof(Parent) + " " + (Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Children.Count;
            }
            """;
        await RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource(Source)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .ExpectFixed(Fixed)
            .ExpectSilentAfterFix()
            .RunAsync();
    }

    [Fact]
    public Task NotOfferedOnAFieldWithAnInitializer()
    {
        const string Source = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? {|REFS011:Parent|} = Root;
                public static readonly Tree Root = new();
            }
            """;
        return RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource(Source)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .ExpectFixed(Source)
            .RunAsync();
    }

    [Fact]
    public Task FixAllSplitsADeclarationOfTwoBackEdgesAcrossDocuments()
    {
        const string Tree = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                internal Tree? {|REFS011:Parent|}, {|REFS011:Owner|};
            }
            """;
        const string Usage = """
            static class Usage
            {
                public static void Adopt(Tree parent, Tree child)
                {
                    parent.Children.Add(child);
                    parent.IncRef();
                    child.Parent = parent;
                    RefHeap.RefField.Set(ref child.Owner, parent.Owner ?? parent);
                }
            }
            """;
        const string TreeFixed = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                internal WeakRef<Tree>? Parent;
                internal WeakRef<Tree>? Owner;
            }
            """;
        const string UsageFixed = """
            static class Usage
            {
                public static void Adopt(Tree parent, Tree child)
                {
                    parent.Children.Add(child);
                    child.Parent = new RefHeap.WeakRef<Tree>(parent);
                    child.Owner = new RefHeap.WeakRef<Tree>(parent.Owner?.Target ?? parent);
                }
            }
            """;
        return RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("/0/Tree.cs", Tree)
            .WithSource("/0/Usage.cs", Usage)
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .ExpectArguments("Owner", "Tree.Owner → Tree")
            .WithFix<MakeWeakReferenceFix>()
            .ExpectFixed(TreeFixed, UsageFixed)
            .FixAllIterations(1)
            .ExpectSilentAfterFix()
            .RunAsync();
    }

    [Fact]
    public async Task ReadsAndReleasesInsideConditionalChains()
    {
        const string Source = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? {|REFS011:Parent|};

                public Tree this[int i] => Children[i];

                public static int? Siblings(Tree? node) => node?.Parent?.Children.Count;

                public static Tree? GreatGrandparent(Tree node) => node.Parent?.Parent?.Parent;

                public static Tree FirstSibling(Tree node) => node.Parent[0];

                public static int Cousins(Tree node) => node.Parent.Parent.Children.Count;

                public static void Detach(Tree? node, Tree? other)
                {
                    node?.Parent?.DecRef();
                    other?.Parent.Dispose();
                    node?.Children[0].Parent?.DecRef();
                }
            }
            """;
        const string Fixed = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;

                public Tree this[int i] => Children[i];

                public static int? Siblings(Tree? node) => node?.Parent?.Target?.Children.Count;

                public static Tree? GreatGrandparent(Tree node) => node.Parent?.Target?.Parent?.Target?.Parent?.Target;

                public static Tree FirstSibling(Tree node) => (node.Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released."))[0];

                public static int Cousins(Tree node) => ((node.Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Children.Count;

                public static void Detach(Tree? node, Tree? other)
                {
                }
            }
            """;
        await RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource(Source)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .ExpectFixed(Fixed)
            .ExpectSilentAfterFix()
            .RunAsync();
    }

    [Fact]
    public async Task AValueThatMayBeNullIsStoredAsNullNotPassedToWeakRef()
    {
        const string Source = """
            #nullable enable
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? {|REFS011:Parent|};

                public void Reparent(Tree? parent) => RefField.Set(ref Parent, parent);

                public static void ReparentBoth(Tree a, Tree b, Tree? parent)
                {
                    RefField.Set(ref a.Parent, parent);
                    RefField.Set(ref b.Parent, parent);
                }

                public void Take(Tree? parent) => RefField.Move(ref Parent, parent);

                public static void Link(Tree child, Tree? parent)
                {
                    parent?.IncRef();
                    Tree? owned = parent;
                    child.Parent = owned;
                }
            }
            """;
        const string Fixed = """
            #nullable enable
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;

                public void Reparent(Tree? parent) => Parent = parent is { } tree ? new WeakRef<Tree>(tree) : null;

                public static void ReparentBoth(Tree a, Tree b, Tree? parent)
                {
                    a.Parent = parent is { } tree1 ? new WeakRef<Tree>(tree1) : null;
                    b.Parent = parent is { } tree ? new WeakRef<Tree>(tree) : null;
                }

                public void Take(Tree? parent)
                {
                    Parent = parent is { } tree ? new WeakRef<Tree>(tree) : null;
                    parent?.DecRef();
                }

                public static void Link(Tree child, Tree? parent)
                {
                    parent?.IncRef();
                    Tree? owned = parent;
                    child.Parent = owned is { } tree ? new WeakRef<Tree>(tree) : null;
                    owned?.DecRef();
                }
            }
            """;
        await RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource(Source)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .ExpectFixed(Fixed)
            .AllowNewDiagnosticsAfterFix("the test moves borrowed parameters into the field (REFS004 before); the fix keeps that count behaviour, so the same mistake is reported as REFS002 after")
            .RunAsync();
    }

    [Fact]
    public Task BeforeCSharp8TheSplitTestsTheTypeAndTheFieldIsNotAnnotated()
    {
        return RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithLanguageVersion(LanguageVersion.CSharp7_3)
            .WithSource("""
                using RefHeap;
                class Tree : RefObject
                {
                    public RefList<Tree> Children = new RefList<Tree>();
                    public Tree {|REFS011:Parent|};

                    public static int? SiblingCount(Tree node) => node?.Parent.Children.Count;
                }
                """)
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .WithFix<MakeWeakReferenceFix>()
            .ExpectFixed("""
                using RefHeap;
                class Tree : RefObject
                {
                    public RefList<Tree> Children = new RefList<Tree>();
                    public WeakRef<Tree> Parent;

                    public static int? SiblingCount(Tree node) => (node is Tree tree ? (tree.Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Children.Count : default(int?));
                }
                """)
            .RunAsync();
    }
}

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

    [Fact]
    public Task REFS001ReleaseWithUsingReleasesOnEveryExit() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static void M(bool early)
                {
                    var node = new Node();
                    if (early)
                    {
                        Console.WriteLine("early " + node.RefCount);
                        {|REFS001:return;|}
                    }

                    node.Touch();
                    Console.WriteLine("late " + node.RefCount);
                {|REFS001:}|}
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release with using")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static void M(bool early)
                {
                    using var node = new Node();
                    if (early)
                    {
                        Console.WriteLine("early " + node.RefCount);
                        return;
                    }

                    node.Touch();
                    Console.WriteLine("late " + node.RefCount);
                }
            }
            """)
        .WithEntryPoint("""
            C.M(true);
            C.M(false);
            """)
        .ExpectLeakFixed()
        .RunAsync();

    [Fact]
    public Task REFS001ReleaseInFinallyReleasesOnceOnEveryExit() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static void M(bool flag)
                {
                    var node = new Node();
                    node.Touch();
                    if (flag)
                    {
                        Console.WriteLine("flag " + node.RefCount);
                        {|REFS001:return;|}
                    }

                    node.Touch();
                    Console.WriteLine("end " + node.RefCount);
                {|REFS001:}|}
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release in finally")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static void M(bool flag)
                {
                    var node = new Node();
                    try
                    {
                        node.Touch();
                        if (flag)
                        {
                            Console.WriteLine("flag " + node.RefCount);
                            return;
                        }

                        node.Touch();
                        Console.WriteLine("end " + node.RefCount);
                    }
                    finally
                    {
                        node.DecRef();
                    }
                }
            }
            """)
        .WithEntryPoint("""
            C.M(true);
            C.M(false);
            """)
        .ExpectLeakFixed()
        .RunAsync();

    [Fact]
    public Task REFS001ReleasingTheFieldsOldValueFreesTheReplacedObject() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            class Owner : RefObject
            {
                private Node? _current;

                public void Replace(Node next)
                {
                    next.IncRef();
                    {|REFS001:this._current = next|};
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release the field's old value before the store")
        .ExpectFixed(RuleTestTypes.Source + """
            class Owner : RefObject
            {
                private Node? _current;

                public void Replace(Node next)
                {
                    this._current?.DecRef();
                    next.IncRef();
                    this._current = next;
                }
            }
            """)
        .WithEntryPoint("""
            var owner = new Owner();
            var first = new Node();
            owner.Replace(first);
            first.DecRef();
            var second = new Node();
            owner.Replace(second);
            Console.WriteLine(second.RefCount);
            second.DecRef();
            Console.WriteLine(second.RefCount);
            owner.DecRef();
            """)
        .ExpectLeakFixed()
        .RunAsync();

    [Fact]
    public Task REFS001HoldingTheArgumentInAUsingVariableLeavesTheCalleesReference() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static void M(RefList<Node> list, Holder holder)
                {
                    var node = 0;
                    list.Insert(node, {|REFS001:new Node()|});
                    RefField.Set(ref holder.Child, {|REFS001:Api.Create()|});
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Hold it in a using variable")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static void M(RefList<Node> list, Holder holder)
                {
                    var node = 0;
                    using var node2 = new Node();
                    list.Insert(node, node2);
                    using var created = Api.Create();
                    RefField.Set(ref holder.Child, created);
                }
            }
            """)
        .WithEntryPoint("""
            var list = new RefList<Node>();
            var holder = new Holder();
            C.M(list, holder);
            Console.WriteLine(list.Count + " " + list[0].IsAlive + " " + holder.Child!.IsAlive);
            list.DecRef();
            holder.DecRef();
            """)
        .ExpectLeakFixed()
        .RunAsync();

    [Fact]
    public Task REFS002IncRefBeforeStoringKeepsTheStoredObjectAlive() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static void M(Holder holder)
                {
                    var node = new Node();
                    holder.Child = node;
                    node.Touch();
                    {|REFS002:node.DecRef()|};
                }
            }
            """)
        .WithFix<REFS002RemoveExtraReleaseFix>("IncRef before storing")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static void M(Holder holder)
                {
                    var node = new Node();
                    node.IncRef();
                    holder.Child = node;
                    node.Touch();
                    node.DecRef();
                }
            }
            """)
        .WithEntryPoint("""
            var holder = new Holder();
            C.M(holder);
            Console.WriteLine("stored");
            holder.Child!.IncRef();
            Console.WriteLine(holder.Child.RefCount);
            holder.Child.DecRef();
            holder.DecRef();
            """)
        .RunAsync();

    [Fact]
    public Task REFS011AWeakParentKeepsTheTreeWorkingTheSame() => RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
        .WithSource("""
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
            """)
        .WithFix<MakeWeakReferenceFix>()
        .ExpectFixed("""
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
            """)
        .WithEntryPoint("""
            var root = new Tree();
            var child = new Tree();
            var other = new Tree();
            root.Adopt(child);
            root.Adopt(other);
            child.DecRef();
            other.DecRef();
            Console.WriteLine(root.Describe());
            Console.WriteLine(root.Children[0].Describe());
            Console.WriteLine(root.Children[1].Describe());
            root.DecRef();
            """)
        .RunAsync();

    [Fact]
    public Task REFS020AWeakBackEdgeFinalizesTheHandleTheSame() => RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
        .WithSource("""
            using System;
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? Parent;
                public Handle? File;

                public void Adopt(Tree child)
                {
                    Children.Add(child);
                    IncRef();
                    child.Parent = this;
                }
            }
            class Handle : RefObject
            {
                protected override void {|REFS020:OnFinalize|}() { Console.WriteLine("closed"); }
            }
            """)
        .WithFix<MakeWeakReferenceFix>()
        .ExpectFixed("""
            using System;
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;
                public Handle? File;

                public void Adopt(Tree child)
                {
                    Children.Add(child);
                    child.Parent = new WeakRef<Tree>(this);
                }
            }
            class Handle : RefObject
            {
                protected override void OnFinalize() { Console.WriteLine("closed"); }
            }
            """)
        .WithEntryPoint("""
            var root = new Tree();
            root.File = new Handle();
            var child = new Tree();
            root.Adopt(child);
            child.File = new Handle();
            Console.WriteLine(child.RefCount);
            child.DecRef();
            root.DecRef();
            """)
        .RunAsync();

    [Fact]
    public Task REFS020CloseRunsTheCleanupBeforeTheReleaseInEveryFile() => RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
        .WithSource("""
            using System;
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? Parent;
                public Handle? File;
            }
            class Handle : RefObject
            {
                public int Closed;

                protected override void {|REFS020:OnFinalize|}()
                {
                    Closed++;
                    Console.WriteLine("flushed " + Closed);
                    base.OnFinalize();
                }
            }
            static class Program
            {
                public static int Use()
                {
                    var handle = new Handle();
                    int closed = handle.Closed;
                    handle.DecRef();
                    return closed;
                }
            }
            """)
        .WithSource("""
            static class Second
            {
                public static void Use()
                {
                    var handle = new Handle();
                    handle.Dispose();
                }
            }
            """)
        .WithFix<REFS020MoveCleanupToDisposeFix>(REFS020MoveCleanupToDisposeFix.EquivalenceKey)
        .ExpectFixed("""
            using System;
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? Parent;
                public Handle? File;
            }
            class Handle : RefObject
            {
                public int Closed;

                public void Close()
                {
                    Closed++;
                    Console.WriteLine("flushed " + Closed);
                }
            }
            static class Program
            {
                public static int Use()
                {
                    var handle = new Handle();
                    int closed = handle.Closed;
                    handle.Close();
                    handle.DecRef();
                    return closed;
                }
            }
            """, """
            static class Second
            {
                public static void Use()
                {
                    var handle = new Handle();
                    handle.Close();
                    handle.Dispose();
                }
            }
            """)
        .WithEntryPoint("""
            Console.WriteLine(Program.Use());
            Second.Use();
            Console.WriteLine(Program.Use());
            """)
        .RunAsync();

    [Fact]
    public Task REFS020NoCloseFixWhenAHandleIsOwnedByAField()
    {
        // Executed, the fix dropped the cleanup of a Handle released through its owner's field: the original printed
        // "flushed" at tree.DecRef(), the fixed program nothing. The fix is not offered there any more.
        const string source = """
            using System;
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? Parent;
                public Handle? File;
            }
            class Handle : RefObject
            {
                protected override void {|REFS020:OnFinalize|}()
                {
                    Console.WriteLine("flushed");
                }
            }
            static class Program
            {
                public static void Run()
                {
                    var tree = new Tree();
                    tree.File = new Handle();
                    tree.DecRef();
                }
            }
            """;
        return RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource(source)
            .WithFix<REFS020MoveCleanupToDisposeFix>(REFS020MoveCleanupToDisposeFix.EquivalenceKey)
            .ExpectFixed(source)
            .RunAsync();
    }
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Cycles;
using Xunit;

namespace RefSafety.Tests.Rules;

/// <summary>
/// The cycle fixes verified by execution (issue 9 part 2): "Make 'X' a weak reference" (REFS010 / REFS011 / REFS020),
/// "Move cleanup to Close()" (REFS020) and "Convert to OnFinalize override" (REFS022). Each test runs the program before
/// and after the fix and the builder asserts the same output, no RefHeap exception and no more live objects after
/// <c>Gc.Collect()</c>.
/// </summary>
public class ExecutedCycleFixTests
{
    [Fact]
    public Task REFS010AWeakPrevKeepsTheDoublyLinkedListReadingTheSame() => RuleTest.For<REFS010StrongCycleCreatedAnalyzer>()
        .WithSource("""
            using RefHeap;
            class Link : RefObject
            {
                public Link? Next;
                public Link? Prev;
                public string Name = "";

                public string Describe() => (Prev?.Name ?? "-") + " < " + Name + " > " + (Next?.Name ?? "-");
            }
            static class Chain
            {
                public static void Append(Link a, Link b)
                {
                    RefField.Set(ref a.Next, b);
                    {|REFS010:RefField.Set(ref b.Prev, a)|};
                }
            }
            """)
        .WithFix<MakeWeakReferenceFix>()
        .AnyMessage()
        .ExpectFixed("""
            using RefHeap;
            class Link : RefObject
            {
                public Link? Next;
                public WeakRef<Link>? Prev;
                public string Name = "";

                public string Describe() => (Prev?.Target?.Name ?? "-") + " < " + Name + " > " + (Next?.Name ?? "-");
            }
            static class Chain
            {
                public static void Append(Link a, Link b)
                {
                    RefField.Set(ref a.Next, b);
                    b.Prev = new WeakRef<Link>(a);
                }
            }
            """)
        .WithEntryPoint("""
            var a = new Link { Name = "a" };
            var b = new Link { Name = "b" };
            var c = new Link { Name = "c" };
            Chain.Append(a, b);
            Chain.Append(b, c);
            Console.WriteLine(a.Describe());
            Console.WriteLine(b.Describe());
            Console.WriteLine(c.Describe());
            b.DecRef();
            c.DecRef();
            Console.WriteLine(b.IsAlive + " " + c.IsAlive);
            a.DecRef();
            """)
        .RunAsync();

    [Fact]
    public Task REFS010AParentSetThroughTheConstructorBecomesWeakAndDescribesTheSame() => RuleTest.For<REFS010StrongCycleCreatedAnalyzer>()
        .WithSource("""
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? Parent;
                public string Name;

                public Tree(string name, Tree? parent)
                {
                    Name = name;
                    if (parent != null)
                    {
                        parent.Children.Add(this);
                        {|REFS010:RefField.Set(ref Parent, parent)|};
                    }
                }

                public string Describe() => Name + (Parent == null ? " (root)" : " under " + Parent.Name) + ", " + Children.Count + " children";
            }
            """)
        .WithFix<MakeWeakReferenceFix>()
        .AnyMessage()
        .ExpectFixed("""
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;
                public string Name;

                public Tree(string name, Tree? parent)
                {
                    Name = name;
                    if (parent != null)
                    {
                        parent.Children.Add(this);
                        Parent = new WeakRef<Tree>(parent);
                    }
                }

                public string Describe() => Name + (Parent?.Target == null ? " (root)" : " under " + (Parent?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Parent' was released.")).Name) + ", " + Children.Count + " children";
            }
            """)
        .WithEntryPoint("""
            var root = new Tree("root", null);
            var left = new Tree("left", root);
            var right = new Tree("right", root);
            var leaf = new Tree("leaf", left);
            Console.WriteLine(root.Describe());
            Console.WriteLine(left.Describe());
            Console.WriteLine(right.Describe());
            Console.WriteLine(leaf.Describe());
            leaf.DecRef();
            right.DecRef();
            left.DecRef();
            Console.WriteLine(leaf.IsAlive + " " + root.Children[0].Describe());
            root.DecRef();
            """)
        .RunAsync();

    [Fact]
    public Task REFS010FixAllOverTwoFilesMakesTheSharedBackEdgeWeakOnce() => RuleTest.For<REFS010StrongCycleCreatedAnalyzer>()
        .WithSource("""
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? Parent;
                public string Name = "";
            }
            static class Family
            {
                public static void Adopt(Tree parent, Tree child)
                {
                    parent.Children.Add(child);
                    {|REFS010:RefField.Set(ref child.Parent, parent)|};
                }

                public static string Describe(Tree tree) => tree.Name + " under " + (tree.Parent?.Name ?? "nobody");
            }
            """)
        .WithSource("""
            using RefHeap;
            static class Grafting
            {
                public static void Graft(Tree stock, Tree scion)
                {
                    stock.Children.Add(scion);
                    {|REFS010:RefField.Set(ref scion.Parent, stock)|};
                }
            }
            """)
        .WithFix<MakeWeakReferenceFix>()
        .AnyMessage()
        .ExpectFixed("""
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;
                public string Name = "";
            }
            static class Family
            {
                public static void Adopt(Tree parent, Tree child)
                {
                    parent.Children.Add(child);
                    child.Parent = new WeakRef<Tree>(parent);
                }

                public static string Describe(Tree tree) => tree.Name + " under " + (tree.Parent?.Target?.Name ?? "nobody");
            }
            """, """
            using RefHeap;
            static class Grafting
            {
                public static void Graft(Tree stock, Tree scion)
                {
                    stock.Children.Add(scion);
                    scion.Parent = new WeakRef<Tree>(stock);
                }
            }
            """)
        .WithEntryPoint("""
            var root = new Tree { Name = "root" };
            var child = new Tree { Name = "child" };
            var graft = new Tree { Name = "graft" };
            Family.Adopt(root, child);
            Grafting.Graft(child, graft);
            Console.WriteLine(Family.Describe(root));
            Console.WriteLine(Family.Describe(child));
            Console.WriteLine(Family.Describe(graft));
            graft.DecRef();
            child.DecRef();
            Console.WriteLine(root.Children[0].Children[0].IsAlive);
            root.DecRef();
            """)
        .RunAsync();

    [Fact]
    public Task REFS011AWeakOwnerKeepsTheWindowsWorkingTheSame() => RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
        .WithSource("""
            using RefHeap;
            class Window : RefObject
            {
                public RefList<Window> Popups = new();
                public Window? {|REFS011:Owner|};
                public string Title = "";

                public void Open(Window popup)
                {
                    Popups.Add(popup);
                    RefField.Set(ref popup.Owner, this);
                }

                public string Describe()
                {
                    if (Owner != null)
                    {
                        return Title + " over " + Owner.Title;
                    }

                    return Title + " with " + Popups.Count + " popups";
                }

                protected override void ClearReferences()
                {
                    RefField.Clear(ref Owner);
                    base.ClearReferences();
                }
            }
            """)
        .WithFix<MakeWeakReferenceFix>()
        .ExpectFixed("""
            using RefHeap;
            class Window : RefObject
            {
                public RefList<Window> Popups = new();
                public WeakRef<Window>? Owner;
                public string Title = "";

                public void Open(Window popup)
                {
                    Popups.Add(popup);
                    popup.Owner = new WeakRef<Window>(this);
                }

                public string Describe()
                {
                    if (Owner?.Target != null)
                    {
                        return Title + " over " + (Owner?.Target ?? throw new System.InvalidOperationException("The target of the weak reference 'Owner' was released.")).Title;
                    }

                    return Title + " with " + Popups.Count + " popups";
                }

                protected override void ClearReferences()
                {
                    Owner = null;
                    base.ClearReferences();
                }
            }
            """)
        .WithEntryPoint("""
            var main = new Window { Title = "main" };
            var find = new Window { Title = "find" };
            var about = new Window { Title = "about" };
            main.Open(find);
            main.Open(about);
            Console.WriteLine(main.Describe());
            Console.WriteLine(find.Describe());
            Console.WriteLine(about.Describe());
            find.DecRef();
            about.DecRef();
            Console.WriteLine(main.Popups[1].Describe() + " " + main.Popups[1].IsAlive);
            main.DecRef();
            """)
        .RunAsync();

    [Fact]
    public Task REFS020AWeakOwnerFinalizesThePagesTheSame() => RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
        .WithSource("""
            using System;
            using RefHeap;
            class Book : RefObject
            {
                public RefList<Page> Pages = new();
                public Book? Owner;
                public Log? Journal;

                public void Add(Book part)
                {
                    Pages.Add(new Page());
                    Parts.Add(part);
                    IncRef();
                    part.Owner = this;
                }

                public RefList<Book> Parts = new();
            }
            class Page : RefObject { }
            class Log : RefObject
            {
                public string Name = "";

                protected override void {|REFS020:OnFinalize|}()
                {
                    Console.WriteLine("log " + Name + " written");
                }
            }
            """)
        .WithFix<MakeWeakReferenceFix>()
        .AnyMessage()
        .ExpectFixed("""
            using System;
            using RefHeap;
            class Book : RefObject
            {
                public RefList<Page> Pages = new();
                public WeakRef<Book>? Owner;
                public Log? Journal;

                public void Add(Book part)
                {
                    Pages.Add(new Page());
                    Parts.Add(part);
                    part.Owner = new WeakRef<Book>(this);
                }

                public RefList<Book> Parts = new();
            }
            class Page : RefObject { }
            class Log : RefObject
            {
                public string Name = "";

                protected override void OnFinalize()
                {
                    Console.WriteLine("log " + Name + " written");
                }
            }
            """)
        .WithEntryPoint("""
            var book = new Book { Journal = new Log { Name = "book" } };
            var part = new Book { Journal = new Log { Name = "part" } };
            book.Add(part);
            Console.WriteLine(book.Parts.Count + " " + book.Pages.Count + " " + part.IsAlive);
            part.DecRef();
            Console.WriteLine(part.IsAlive);
            book.DecRef();
            """)
        .RunAsync();

    [Fact]
    public Task REFS020CloseTakenSoReleaseResourcesRunsBeforeEachRelease() => RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
        .WithSource("""
            using System;
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? Parent;
                public Socket? Link;
            }
            class Socket : RefObject
            {
                public string Peer = "";
                public int Sent;

                public void Close(int code) { Console.WriteLine("close " + code); }

                protected override void {|REFS020:OnFinalize|}()
                {
                    Console.WriteLine("flush " + Peer + " after " + Sent);
                }
            }
            static class Program
            {
                public static void Talk(string peer, int messages)
                {
                    var socket = new Socket { Peer = peer };
                    for (int i = 0; i < messages; i++)
                    {
                        socket.Sent++;
                    }

                    Console.WriteLine("sent " + socket.Sent);
                    socket.DecRef();
                    Console.WriteLine("released " + socket.IsAlive);
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
                public Socket? Link;
            }
            class Socket : RefObject
            {
                public string Peer = "";
                public int Sent;

                public void Close(int code) { Console.WriteLine("close " + code); }

                public void ReleaseResources()
                {
                    Console.WriteLine("flush " + Peer + " after " + Sent);
                }
            }
            static class Program
            {
                public static void Talk(string peer, int messages)
                {
                    var socket = new Socket { Peer = peer };
                    for (int i = 0; i < messages; i++)
                    {
                        socket.Sent++;
                    }

                    Console.WriteLine("sent " + socket.Sent);
                    socket.ReleaseResources();
                    socket.DecRef();
                    Console.WriteLine("released " + socket.IsAlive);
                }
            }
            """)
        .WithEntryPoint("""
            Program.Talk("a", 2);
            Program.Talk("b", 0);
            """)
        .RunAsync();

    [Fact]
    public Task REFS020CloseRunsOnEveryReleasingBranch() => RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
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
                public string Path = "";

                protected override void {|REFS020:OnFinalize|}() => Console.WriteLine("closed " + Path);
            }
            static class Program
            {
                public static string Read(string path, bool fail)
                {
                    var handle = new Handle { Path = path };
                    if (fail)
                    {
                        handle.Dispose();
                        return "failed";
                    }

                    string text = "text of " + handle.Path;
                    handle.DecRef();
                    return text;
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
                public string Path = "";

                public void Close() => Console.WriteLine("closed " + Path);
            }
            static class Program
            {
                public static string Read(string path, bool fail)
                {
                    var handle = new Handle { Path = path };
                    if (fail)
                    {
                        handle.Close();
                        handle.Dispose();
                        return "failed";
                    }

                    string text = "text of " + handle.Path;
                    handle.Close();
                    handle.DecRef();
                    return text;
                }
            }
            """)
        .WithEntryPoint("""
            Console.WriteLine(Program.Read("a.txt", false));
            Console.WriteLine(Program.Read("b.txt", true));
            """)
        .RunAsync();

    [Fact]
    public Task REFS022AnExpressionBodiedDestructorBecomesOnFinalizeAndTheProgramRunsTheSame() => RuleTest.For<REFS022DestructorOnRefObjectAnalyzer>()
        .WithSource("""
            using RefHeap;
            class Node : RefObject
            {
                public Node? Next;
                public string Name = "";
                public string Describe() => Name + (Next is null ? "" : " -> " + Next.Describe());
            }
            class Chain : RefObject
            {
                public Node? Head;
                ~{|REFS022:Chain|}() => RefField.Clear(ref Head);
            }
            """)
        .WithFix<REFS022ConvertToOnFinalizeFix>()
        .ExpectFixed("""
            using RefHeap;
            class Node : RefObject
            {
                public Node? Next;
                public string Name = "";
                public string Describe() => Name + (Next is null ? "" : " -> " + Next.Describe());
            }
            class Chain : RefObject
            {
                public Node? Head;
                protected override void OnFinalize() => RefField.Clear(ref Head);
            }
            """)
        .WithEntryPoint("""
            var chain = new Chain { Head = new Node { Name = "a", Next = new Node { Name = "b" } } };
            Console.WriteLine(chain.Head!.Describe());
            var head = chain.Head;
            head.IncRef();
            chain.DecRef();
            Console.WriteLine(head.IsAlive + " " + head.Describe());
            head.DecRef();
            """)
        .RunAsync();

    [Fact]
    public Task REFS022AMultiLineDestructorKeepsItsBodyAndTheProgramRunsTheSame() => RuleTest.For<REFS022DestructorOnRefObjectAnalyzer>()
        .WithSource("""
            using RefHeap;
            class Item : RefObject
            {
                public string Name = "";
            }
            class Cart : RefObject
            {
                public Item? First;
                public Item? Second;
                public int Count => (First is null ? 0 : 1) + (Second is null ? 0 : 1);

                ~{|REFS022:Cart|}()
                {
                    RefField.Clear(ref First);
                    RefField.Clear(ref Second);
                }
            }
            """)
        .WithFix<REFS022ConvertToOnFinalizeFix>()
        .ExpectFixed("""
            using RefHeap;
            class Item : RefObject
            {
                public string Name = "";
            }
            class Cart : RefObject
            {
                public Item? First;
                public Item? Second;
                public int Count => (First is null ? 0 : 1) + (Second is null ? 0 : 1);

                protected override void OnFinalize()
                {
                    RefField.Clear(ref First);
                    RefField.Clear(ref Second);
                }
            }
            """)
        .WithEntryPoint("""
            var cart = new Cart { First = new Item { Name = "apple" }, Second = new Item { Name = "pear" } };
            Console.WriteLine(cart.Count + " " + cart.First!.Name + " " + cart.Second!.Name);
            var kept = cart.Second;
            kept.IncRef();
            cart.DecRef();
            Console.WriteLine(cart.IsAlive + " " + kept.IsAlive + " " + kept.Name);
            kept.DecRef();
            """)
        .RunAsync();
}

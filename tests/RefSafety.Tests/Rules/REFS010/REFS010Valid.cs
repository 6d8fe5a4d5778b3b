using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS010Valid
{
    private const string Types = """
        using RefHeap;
        class Node : RefObject
        {
            public Node? Next;
            public WeakRef<Node>? Back;
            public System.Action? Changed;
        }
        class Tree : RefObject
        {
            public RefList<Tree> Children = new();
            public WeakRef<Tree>? Parent;
        }
        class Registry : RefObject
        {
            public RefDictionary<string, Registry> Entries = new();
            public RefDictionary<Registry, Node> ByKey = new();
        }
        class Cell : RefObject
        {
            private readonly RefList<Cell> _items = new();
            private Cell? _next;
            public Cell() { }
            public Cell(Cell next) { _next = next; }
            public Cell? Next { get => _next; set => _next = value; }
            public void Bind(Cell other) => other._next = this;
            public void Add(Cell item) { _items.Add(item); }
            public void Remove(Cell item) { _items.Remove(item); }
            public void RemoveIf(Cell item, bool really) { if (really) { _items.Remove(item); } }
            public void Empty() => _items.Clear();
        }
        """;

    private static Task Valid(string body) =>
        RuleTest.For<REFS010StrongCycleCreatedAnalyzer>().WithSource(Types + "\nstatic class C\n{\n" + body + "\n}\n").RunAsync();

    [Fact]
    public Task WeakBackEdges() =>
        Valid(
            """
            static void Adopt(Tree parent, Tree child)
            {
                parent.Children.Add(child);
                child.Parent = new WeakRef<Tree>(parent);
            }
            static void Link(Node a, Node b) { a.Next = b; b.Back = new WeakRef<Node>(a); }
            """);

    [Fact]
    public Task CycleBuiltThenBrokenOnEveryPath() =>
        Valid(
            """
            static void M(bool early)
            {
                var a = new Node();
                var b = new Node();
                RefField.Set(ref a.Next, b);
                RefField.Set(ref b.Next, a);
                if (early)
                {
                    RefField.Clear(ref b.Next);
                    a.DecRef();
                    b.DecRef();
                    return;
                }

                b.Next = null;
                a.DecRef();
                b.DecRef();
            }
            """);

    [Fact]
    public Task CycleBrokenInFinallyAndContainerCleared() =>
        Valid(
            """
            static void M(Node a, Node b, Tree parent, Tree child)
            {
                try
                {
                    a.Next = b;
                    b.Next = a;
                    parent.Children.Add(child);
                    child.Children.Add(parent);
                }
                finally
                {
                    RefField.Clear(ref a.Next);
                    child.Children.Remove(parent);
                }
            }
            """);

    [Fact]
    public Task SinglyLinkedListBuiltInALoop() =>
        Valid(
            """
            static Node Build(int count)
            {
                var head = new Node();
                var last = head;
                for (int i = 0; i < count; i++)
                {
                    var item = new Node();
                    last.Next = item;
                    last = item;
                }

                return head;
            }
            """);

    [Fact]
    public Task ChainsLambdasThatDoNotCaptureTheOwnerAndOverwrites() =>
        Valid(
            """
            static void M(Node a, Node b, Node c)
            {
                a.Next = b;
                b.Next = c;
                c.Next = b;
                c.Next = null;
                a.Changed = () => System.Console.WriteLine(b.RefCount);
                if (a is { Next: { } n }) { n.Next = null; }
            }
            """);

    [Fact]
    public Task CyclesBrokenAcrossAwaitAndInsideUsingBlocks() =>
        Valid(
            """
            static async System.Threading.Tasks.Task M(Node a, Node b, Tree parent)
            {
                a.Next = b;
                b.Next = a;
                await System.Threading.Tasks.Task.Delay(1);
                Unlink(b);

                using (var child = new Tree())
                {
                    parent.Children.Add(child);
                    child.Children.Add(parent);
                    child.Children.Clear();
                }

                static void Unlink(Node n) => n.Next = null;
                b.Next = null;
            }
            """);

    [Fact]
    public Task StoresOfUnknownValuesAndThroughMethodResults() =>
        Valid(
            """
            static Node Make() => new Node();
            static void M(Node a)
            {
                a.Next = Make();
                a.Next.Next = Make();
                var list = new RefList<Node>();
                list.Add(a);
                list.DecRef();
            }
            """);

    [Fact]
    public Task RingOfChainedReadsBrokenAgainAndAListWalkedToItsEnd() =>
        Valid(
            """
            static void Ring(Node a)
            {
                a.Next.Next.Next.Next = a;
                a.Next.Next.Next.Next = null;
            }
            static void Append(Node head, Node item)
            {
                var last = head;
                while (last.Next is not null)
                {
                    last = last.Next;
                }

                last.Next = item;
            }
            """);


    [Fact]
    public Task CycleBrokenBeforeAThrowInAFinallyOrLeftToACatchOfTheMethod() =>
        Valid(
            """
            static void BrokenFirst(Node a, Node b, bool bad)
            {
                a.Next = b;
                b.Next = a;
                if (bad)
                {
                    b.Next = null;
                    throw new System.InvalidOperationException();
                }

                b.Next = null;
            }
            static void BrokenInFinally(Node a, Node b, bool bad)
            {
                try
                {
                    a.Next = b;
                    b.Next = a;
                    if (bad)
                    {
                        throw new System.InvalidOperationException();
                    }
                }
                finally
                {
                    b.Next = null;
                }
            }
            static void Caught(Node a, Node b)
            {
                try
                {
                    a.Next = b;
                    b.Next = a;
                    throw new System.InvalidOperationException();
                }
                catch (System.InvalidOperationException)
                {
                    b.Next = null;
                }
            }
            static Node Guarded(Node? a) => a ?? throw new System.ArgumentNullException(nameof(a));
            """);

    [Fact]
    public Task DictionaryEntriesRemovedByTheirKeyOrCleared() =>
        Valid(
            """
            static void M(Registry a, Registry b, string name, bool early)
            {
                a.Entries["b"] = b;
                b.Entries[name] = a;
                if (early)
                {
                    b.Entries.Remove(name);
                    return;
                }

                b.Entries.Clear();
            }
            static void Keyed(Registry a, Node n)
            {
                const string Self = "self";
                a.Entries.Add(Self, a);
                a.ByKey[a] = n;
                a.Entries.Remove("self");
                a.ByKey.Remove(a);
                var key = "self " + a.ByKey.Count;
                a.Entries[key] = a;
                a.Entries.Remove(key);
            }
            static void Forget(Registry r) => r.Entries.Clear();
            static void ClearedByACallee(Registry a, Registry b)
            {
                a.Entries["b"] = b;
                b.Entries["a"] = a;
                Forget(b);
            }
            """);

    [Fact]
    public Task CyclesMadeByCalledMethodsAndBrokenByThemOrByTheCaller() =>
        Valid(
            """
            static void Link(Node a, Node b)
            {
                if (a == b)
                {
                    throw new System.ArgumentException("a node cannot follow itself");
                }

                a.Next = b;
            }
            static void Unlink(Node n) { n.Next = null; }
            static void MaybeLink(Node a, Node b, bool really) { if (really) { a.Next = b; } }
            static void Helper(Node x, Node y, bool really)
            {
                Link(x, y);
                Link(y, x);
                Unlink(y);
                MaybeLink(y, x, really);
                y.Next = null;
            }
            static void Setter(Cell a, Cell b)
            {
                a.Next = b;
                b.Next = a;
                b.Next = null;
                a.Bind(b);
                b.Next = new Cell();
            }
            static void Chain(Node a, int count)
            {
                if (count > 0)
                {
                    a.Next = new Node();
                    Chain(a.Next, count - 1);
                }
            }
            """);

    [Fact]
    public Task ACalleeThatSwapsReadsBeforeItStores() =>
        Valid(
            """
            static void Swap(Node a, Node b)
            {
                var next = a.Next;
                a.Next = b.Next;
                b.Next = next;
            }
            static void M(Node x, Node y)
            {
                y.Next = y;
                Swap(x, y);
            }
            """);

    [Fact]
    public Task CycleThroughCalleesBrokenByACalleeThatRemovesOrClears() =>
        Valid(
            """
            static void Removed(Cell folder, Cell file)
            {
                folder.Add(file);
                file.Add(folder);
                folder.Remove(file);
            }
            static void Emptied(Cell folder, Cell file)
            {
                folder.Add(file);
                file.Add(folder);
                file.Empty();
            }
            """);

    [Fact]
    public Task CycleBrokenByDifferentStoresOnDifferentBranches() =>
        Valid(
            """
            static void Done(Node n) { }
            static void TwoBranches(Node a, Node b, bool left)
            {
                a.Next = b;
                b.Next = a;
                if (left)
                {
                    a.Next = null;
                }
                else
                {
                    b.Next = null;
                }

                Done(a);
            }
            static void ThreeCases(Node a, Node b, Node c, int which)
            {
                a.Next = b;
                b.Next = c;
                c.Next = a;
                switch (which)
                {
                    case 0:
                        a.Next = null;
                        break;
                    case 1:
                        RefField.Clear(ref b.Next);
                        break;
                    default:
                        c.Next = null;
                        break;
                }

                Done(c);
            }
            static void EarlyReturn(Node a, Node b, bool early)
            {
                a.Next = b;
                b.Next = a;
                if (early)
                {
                    a.Next = null;
                    return;
                }

                b.Next = null;
            }
            """);

    [Fact]
    public Task LoopThatBreaksTheCycleOnEveryIterationPath() =>
        Valid(
            """
            static void M(Node a, Node b, int count)
            {
                for (int i = 0; i < count; i++)
                {
                    a.Next = b;
                    b.Next = a;
                    if (i % 2 == 0)
                    {
                        a.Next = null;
                    }
                    else
                    {
                        b.Next = null;
                    }
                }
            }
            """);

    [Fact]
    public Task CycleBuiltInATryBrokenInItsCatchOrAfterIt() =>
        Valid(
            """
            static void Risky(int n) { }
            static void BrokenInCatch(Node a, Node b, bool bad)
            {
                try
                {
                    a.Next = b;
                    b.Next = a;
                    if (bad)
                    {
                        throw new System.InvalidOperationException();
                    }

                    Risky(1);
                    b.Next = null;
                }
                catch (System.InvalidOperationException)
                {
                    a.Next = null;
                }
            }
            static void BrokenAfter(Node a, Node b, bool bad)
            {
                try
                {
                    a.Next = b;
                    b.Next = a;
                    if (bad)
                    {
                        throw new System.InvalidOperationException();
                    }

                    Risky(2);
                }
                catch (System.InvalidOperationException)
                {
                    Risky(3);
                }

                b.Next = null;
            }
            """);

    [Fact]
    public Task EachPathGoesOnFromAFinallyWithItsOwnStores() =>
        Valid(
            """
            static void Log() { }
            static void BrokenBeforeTheReturnOrAfterTheFinally(Node a, Node b, bool early)
            {
                try
                {
                    a.Next = b;
                    b.Next = a;
                    if (early)
                    {
                        b.Next = null;
                        return;
                    }
                }
                finally
                {
                    Log();
                }

                a.Next = null;
            }
            static void LinksOnlyWhenItThrows(Node a, Node b, bool fail)
            {
                try
                {
                    a.Next = b;
                    if (fail)
                    {
                        throw new System.InvalidOperationException();
                    }

                    a.Next = null;
                }
                finally
                {
                    Log();
                }
            }
            static void Caller(Node x, Node y, bool fail)
            {
                LinksOnlyWhenItThrows(x, y, fail);
                y.Next = x;
            }
            """);

    [Fact]
    public Task CycleBrokenDifferentlyBeforeMoreBranchesThanThePathsKeptApart() =>
        Valid(
            """
            static void M(Node a, Node b, Node c, Node d, bool left, bool p, bool q, bool r, bool s)
            {
                a.Next = b;
                b.Next = a;
                if (left)
                {
                    a.Next = null;
                }
                else
                {
                    b.Next = null;
                }

                if (p) { c.Next = d; }
                if (q) { d.Next = a; }
                if (r) { RefField.Clear(ref c.Next); }
                if (s) { d.Changed = null; }
                a.DecRef();
            }
            """);
}

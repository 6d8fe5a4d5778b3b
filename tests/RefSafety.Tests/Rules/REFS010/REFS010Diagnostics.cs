using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS010Diagnostics
{
    private const string Node = """
        using RefHeap;
        class Node : RefObject
        {
            public Node? Next;
            public Node? Self;
            public WeakRef<Node>? Back;
            public System.Action? Changed;
            public event System.Action? Updated;
            public void Raise() => Updated?.Invoke();
        }
        class Tree : RefObject
        {
            public RefList<Tree> Children = new();
            public Tree? Parent { get; set; }
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

    /// <summary>The body, in a static class after the shared types, reports the given cycles at its markers, in order.</summary>
    private static Task Verify(string body, params string[] cycles)
    {
        RuleTestBuilder test = RuleTest.For<REFS010StrongCycleCreatedAnalyzer>().WithSource(Node + "\nstatic class C\n{\n" + body + "\n}\n");
        foreach (string cycle in cycles)
        {
            test.ExpectArguments(cycle);
        }

        return test.RunAsync();
    }

    [Fact]
    public Task CycleOfLengthOne() =>
        Verify(
            """
            static void M() { var n = new Node(); {|REFS010:n.Self = n|}; n.DecRef(); }
            """,
            "n.Self → n");

    [Fact]
    public Task CycleOfLengthTwoThroughRefFieldSet() =>
        Verify(
            """
            static void M()
            {
                var a = new Node();
                var b = new Node();
                RefField.Set(ref a.Next, b);
                {|REFS010:RefField.Set(ref b.Next, a)|};
                a.DecRef();
                b.DecRef();
            }
            """,
            "a.Next → b.Next → a");

    [Fact]
    public Task CycleOfLengthThreeOfParameters() =>
        Verify(
            """
            static void Link(Node a, Node b, Node c)
            {
                a.Next = b;
                b.Next = c;
                {|REFS010:c.Next = a|};
            }
            """,
            "a.Next → b.Next → c.Next → a");

    [Fact]
    public Task ParentAndChildrenThroughAContainerAndAnAutoProperty() =>
        Verify(
            """
            static void Adopt(Tree parent, Tree child)
            {
                parent.Children.Add(child);
                {|REFS010:child.Parent = parent|};
            }
            """,
            "parent.Children[] → child.Parent → parent");

    [Fact]
    public Task CycleBrokenOnOnlyOnePathIsReported() =>
        Verify(
            """
            static void M(bool done)
            {
                var a = new Node();
                var b = new Node();
                a.Next = b;
                {|REFS010:b.Next = a|};
                if (done)
                {
                    RefField.Clear(ref b.Next);
                }
            }
            """,
            "a.Next → b.Next → a");

    [Fact]
    public Task LambdaCapturingTheObjectStoredInItsOwnField() =>
        Verify(
            """
            static void M(Node n)
            {
                {|REFS010:n.Changed = () => n.Raise()|};
                {|REFS010:n.Updated += () => System.Console.WriteLine(n.RefCount)|};
            }
            """,
            "n.Changed → n",
            "n.Updated → n");

    [Fact]
    public Task DoublyLinkedInALoopAndInsideALambda() =>
        Verify(
            """
            static Node Build(int count)
            {
                var head = new Node();
                for (int i = 0; i < count; i++)
                {
                    var item = new Node();
                    item.Next = head;
                    {|REFS010:head.Self = item|};
                }

                System.Action<Node> close = x => {|REFS010:x.Self = x|};
                return head;
            }
            """,
            "item.Next → head.Self → item",
            "x.Self → x");

    [Fact]
    public Task InsideTryWithAFinallyThatDoesNotBreakIt() =>
        Verify(
            """
            static void M(Node a, Node b)
            {
                try
                {
                    a.Next = b;
                    {|REFS010:b.Next = a|};
                }
                finally
                {
                    System.Console.WriteLine("linked");
                }
            }
            """,
            "a.Next → b.Next → a");

    [Fact]
    public Task InLocalFunctionAsyncMethodUsingAndPatternVariables() =>
        Verify(
            """
            static async System.Threading.Tasks.Task M(object o, Node other)
            {
                void Link(Node x, Node y) { x.Next = y; {|REFS010:y.Next = x|}; }
                await System.Threading.Tasks.Task.Yield();
                using (var scope = new Node())
                {
                    if (o is Node n)
                    {
                        {|REFS010:n.Self = n|};
                    }

                    switch (o)
                    {
                        case Node { Next: null } m when m != scope:
                            m.Next = scope;
                            {|REFS010:scope.Self = m|};
                            break;
                    }
                }

                Link(other, other);
            }
            """,
            "x.Next → y.Next → x",
            "n.Self → n",
            "m.Next → scope.Self → m");

    [Fact]
    public Task ConstructorStoringThisIntoItsOwnField() =>
        RuleTest.For<REFS010StrongCycleCreatedAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Loop : RefObject
            {
                public Loop? Self;
                public Loop() { {|REFS010:Self = this|}; IncRef(); }
            }
            """)
            .ExpectArguments("this.Self → this")
            .RunAsync();

    [Fact]
    public Task RingClosedThroughChainedReads() =>
        Verify(
            """
            static void Three(Node a) { {|REFS010:a.Next.Next.Next = a|}; }
            static void Four(Node a) { {|REFS010:a.Next.Next.Next.Next = a|}; }
            """,
            "a.Next.Next.Next → a",
            "a.Next.Next.Next.Next → a");


    [Fact]
    public Task CycleLeftOnAThrowPathThroughAFinallyThatDoesNotBreakIt() =>
        Verify(
            """
            static void M(Node a, Node b, bool bad)
            {
                try
                {
                    a.Next = b;
                    {|REFS010:b.Next = a|};
                    if (bad)
                    {
                        throw new System.InvalidOperationException();
                    }
                }
                finally
                {
                    System.Console.WriteLine("done");
                }

                b.Next = null;
            }
            """,
            "a.Next → b.Next → a");

    [Fact]
    public Task DictionaryEntryRemovedUnderAnotherKeyOrOnOnePathOnly() =>
        Verify(
            """
            static string Key() => "a";
            static void OtherKey(Registry a, Registry b)
            {
                a.Entries["b"] = b;
                {|REFS010:b.Entries["a"] = a|};
                b.Entries.Remove("x");
                b.Entries.Remove(Key());
            }
            static void ReassignedKey(Registry a, Registry b)
            {
                var key = "a";
                a.Entries.Add("b", b);
                {|REFS010:b.Entries[key] = a|};
                key = "c";
                b.Entries.Remove(key);
            }
            static void OnePath(Registry a, bool done)
            {
                {|REFS010:a.Entries.Add("self", a)|};
                if (done)
                {
                    a.Entries.Remove("self");
                }
            }
            static void KeyHeldStrongly(Registry a, Node n) { {|REFS010:a.ByKey.Add(a, n)|}; }
            """,
            "a.Entries[\"b\"] → b.Entries[\"a\"] → a",
            "a.Entries[\"b\"] → b.Entries[] → a",
            "a.Entries[\"self\"] → a",
            "a.ByKey[a] → a");

    [Fact]
    public Task StoresMadeByCalledMethodsSettersAndConstructors() =>
        Verify(
            """
            static void Link(Node a, Node b) { a.Next = b; }
            static void Helper(Node x, Node y) { Link(x, y); {|REFS010:Link(y, x)|}; }
            static void Bound(Cell a, Cell b) { a.Bind(b); {|REFS010:b.Bind(a)|}; }
            static void Setter(Cell n) { {|REFS010:n.Next = n|}; }
            static void Constructed()
            {
                var a = new Cell();
                var b = new Cell(a);
                {|REFS010:a.Next = b|};
            }
            static void ThroughAContainer(Cell folder, Cell file, bool really)
            {
                folder.Add(file);
                {|REFS010:file.Add(folder)|};
                folder.RemoveIf(file, really);
                folder.Remove(folder);
            }
            static void Attach(this Node a, Node b) => a.Next = b;
            static void Extension(Node x) { {|REFS010:x.Attach(x)|}; }
            class Derived : Cell
            {
                public Derived(Cell next) : base(next) { {|REFS010:next.Next = this|}; }
            }
            class Ring : RefObject
            {
                private Ring? _next;
                public Ring? Next { init { _next = value; } }
                static void Close(Ring r) { var s = new Ring { Next = r }; {|REFS010:r._next = s|}; }
            }
            """,
            "x.Next → y.Next → x",
            "b._next → a._next → b",
            "n._next → n",
            "b._next → a._next → b",
            "folder._items[] → file._items[] → folder",
            "x.Next → x",
            "this._next → next._next → this",
            "s._next → r._next → s");

    [Fact]
    public Task CycleLeftOnOneBranchOnly() =>
        Verify(
            """
            static void OneBranchBreaks(Node a, Node b, bool left)
            {
                a.Next = b;
                {|REFS010:b.Next = a|};
                if (left)
                {
                    a.Next = null;
                }
            }
            static void OneCaseOfThreeKeeps(Node a, Node b, int which)
            {
                a.Self = b;
                {|REFS010:b.Self = a|};
                switch (which)
                {
                    case 0:
                        a.Self = null;
                        break;
                    case 1:
                        b.Self = null;
                        break;
                }
            }
            static void OneIterationPathKeeps(Node a, Node b, int count)
            {
                for (int i = 0; i < count; i++)
                {
                    a.Next = b;
                    {|REFS010:b.Next = a|};
                    if (i % 2 == 0)
                    {
                        a.Next = null;
                    }
                }
            }
            """,
            "a.Next → b.Next → a",
            "a.Self → b.Self → a",
            "a.Next → b.Next → a");

    [Fact]
    public Task CycleMadeInACatchOrLeftWhenACatchSwallowsTheException() =>
        Verify(
            """
            static void Risky(int n) { }
            static void MadeInCatch(Node a, Node b)
            {
                try
                {
                    Risky(1);
                }
                catch (System.InvalidOperationException)
                {
                    a.Next = b;
                    {|REFS010:b.Next = a|};
                }
            }
            static void Swallowed(Node a, Node b, bool bad)
            {
                try
                {
                    a.Self = b;
                    {|REFS010:b.Self = a|};
                    if (bad)
                    {
                        throw new System.InvalidOperationException();
                    }

                    b.Self = null;
                }
                catch (System.InvalidOperationException)
                {
                    Risky(2);
                }
            }
            """,
            "a.Next → b.Next → a",
            "a.Self → b.Self → a");

    [Fact]
    public Task CycleMadeAfterMoreBranchesThanThePathsKeptApart() =>
        Verify(
            """
            static void M(Node a, Node b, Node c, Node d, bool p, bool q, bool r, bool s)
            {
                if (p) { c.Next = null; }
                if (q) { d.Next = null; }
                if (r) { c.Self = null; }
                if (s) { d.Self = null; }
                a.Next = b;
                {|REFS010:b.Next = a|};
            }
            """,
            "a.Next → b.Next → a");
}

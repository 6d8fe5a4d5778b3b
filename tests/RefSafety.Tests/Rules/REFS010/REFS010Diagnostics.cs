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

    private static DiagnosticResult Diagnostic(int location, string cycle) =>
        Verify<REFS010StrongCycleCreatedAnalyzer>.Diagnostic(Descriptors.REFS010StrongCycleCreated).WithLocation(location).WithArguments(cycle);

    private static Task Verify(string body, params DiagnosticResult[] expected) =>
        Verify<REFS010StrongCycleCreatedAnalyzer>.Diagnostics(Node + "\nstatic class C\n{\n" + body + "\n}\n", expected);

    [Fact]
    public Task CycleOfLengthOne() =>
        Verify(
            """
            static void M() { var n = new Node(); {|#0:n.Self = n|}; n.DecRef(); }
            """,
            Diagnostic(0, "n.Self → n"));

    [Fact]
    public Task CycleOfLengthTwoThroughRefFieldSet() =>
        Verify(
            """
            static void M()
            {
                var a = new Node();
                var b = new Node();
                RefField.Set(ref a.Next, b);
                {|#0:RefField.Set(ref b.Next, a)|};
                a.DecRef();
                b.DecRef();
            }
            """,
            Diagnostic(0, "a.Next → b.Next → a"));

    [Fact]
    public Task CycleOfLengthThreeOfParameters() =>
        Verify(
            """
            static void Link(Node a, Node b, Node c)
            {
                a.Next = b;
                b.Next = c;
                {|#0:c.Next = a|};
            }
            """,
            Diagnostic(0, "a.Next → b.Next → c.Next → a"));

    [Fact]
    public Task ParentAndChildrenThroughAContainerAndAnAutoProperty() =>
        Verify(
            """
            static void Adopt(Tree parent, Tree child)
            {
                parent.Children.Add(child);
                {|#0:child.Parent = parent|};
            }
            """,
            Diagnostic(0, "parent.Children[] → child.Parent → parent"));

    [Fact]
    public Task CycleBrokenOnOnlyOnePathIsReported() =>
        Verify(
            """
            static void M(bool done)
            {
                var a = new Node();
                var b = new Node();
                a.Next = b;
                {|#0:b.Next = a|};
                if (done)
                {
                    RefField.Clear(ref b.Next);
                }
            }
            """,
            Diagnostic(0, "a.Next → b.Next → a"));

    [Fact]
    public Task LambdaCapturingTheObjectStoredInItsOwnField() =>
        Verify(
            """
            static void M(Node n)
            {
                {|#0:n.Changed = () => n.Raise()|};
                {|#1:n.Updated += () => System.Console.WriteLine(n.RefCount)|};
            }
            """,
            Diagnostic(0, "n.Changed → n"),
            Diagnostic(1, "n.Updated → n"));

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
                    {|#0:head.Self = item|};
                }

                System.Action<Node> close = x => {|#1:x.Self = x|};
                return head;
            }
            """,
            Diagnostic(0, "item.Next → head.Self → item"),
            Diagnostic(1, "x.Self → x"));

    [Fact]
    public Task InsideTryWithAFinallyThatDoesNotBreakIt() =>
        Verify(
            """
            static void M(Node a, Node b)
            {
                try
                {
                    a.Next = b;
                    {|#0:b.Next = a|};
                }
                finally
                {
                    System.Console.WriteLine("linked");
                }
            }
            """,
            Diagnostic(0, "a.Next → b.Next → a"));

    [Fact]
    public Task InLocalFunctionAsyncMethodUsingAndPatternVariables() =>
        Verify(
            """
            static async System.Threading.Tasks.Task M(object o, Node other)
            {
                void Link(Node x, Node y) { x.Next = y; {|#0:y.Next = x|}; }
                await System.Threading.Tasks.Task.Yield();
                using (var scope = new Node())
                {
                    if (o is Node n)
                    {
                        {|#1:n.Self = n|};
                    }

                    switch (o)
                    {
                        case Node { Next: null } m when m != scope:
                            m.Next = scope;
                            {|#2:scope.Self = m|};
                            break;
                    }
                }

                Link(other, other);
            }
            """,
            Diagnostic(0, "x.Next → y.Next → x"),
            Diagnostic(1, "n.Self → n"),
            Diagnostic(2, "m.Next → scope.Self → m"));

    [Fact]
    public Task ConstructorStoringThisIntoItsOwnField() =>
        Verify<REFS010StrongCycleCreatedAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Loop : RefObject
            {
                public Loop? Self;
                public Loop() { {|#0:Self = this|}; IncRef(); }
            }
            """,
            Verify<REFS010StrongCycleCreatedAnalyzer>.Diagnostic(Descriptors.REFS010StrongCycleCreated).WithLocation(0).WithArguments("this.Self → this"));

    [Fact]
    public Task RingClosedThroughChainedReads() =>
        Verify(
            """
            static void Three(Node a) { {|#0:a.Next.Next.Next = a|}; }
            static void Four(Node a) { {|#1:a.Next.Next.Next.Next = a|}; }
            """,
            Diagnostic(0, "a.Next.Next.Next → a"),
            Diagnostic(1, "a.Next.Next.Next.Next → a"));


    [Fact]
    public Task CycleLeftOnAThrowPathThroughAFinallyThatDoesNotBreakIt() =>
        Verify(
            """
            static void M(Node a, Node b, bool bad)
            {
                try
                {
                    a.Next = b;
                    {|#0:b.Next = a|};
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
            Diagnostic(0, "a.Next → b.Next → a"));

    [Fact]
    public Task DictionaryEntryRemovedUnderAnotherKeyOrOnOnePathOnly() =>
        Verify(
            """
            static string Key() => "a";
            static void OtherKey(Registry a, Registry b)
            {
                a.Entries["b"] = b;
                {|#0:b.Entries["a"] = a|};
                b.Entries.Remove("x");
                b.Entries.Remove(Key());
            }
            static void ReassignedKey(Registry a, Registry b)
            {
                var key = "a";
                a.Entries.Add("b", b);
                {|#1:b.Entries[key] = a|};
                key = "c";
                b.Entries.Remove(key);
            }
            static void OnePath(Registry a, bool done)
            {
                {|#2:a.Entries.Add("self", a)|};
                if (done)
                {
                    a.Entries.Remove("self");
                }
            }
            static void KeyHeldStrongly(Registry a, Node n) { {|#3:a.ByKey.Add(a, n)|}; }
            """,
            Diagnostic(0, "a.Entries[\"b\"] → b.Entries[\"a\"] → a"),
            Diagnostic(1, "a.Entries[\"b\"] → b.Entries[] → a"),
            Diagnostic(2, "a.Entries[\"self\"] → a"),
            Diagnostic(3, "a.ByKey[a] → a"));

    [Fact]
    public Task StoresMadeByCalledMethodsSettersAndConstructors() =>
        Verify(
            """
            static void Link(Node a, Node b) { a.Next = b; }
            static void Helper(Node x, Node y) { Link(x, y); {|#0:Link(y, x)|}; }
            static void Bound(Cell a, Cell b) { a.Bind(b); {|#1:b.Bind(a)|}; }
            static void Setter(Cell n) { {|#2:n.Next = n|}; }
            static void Constructed()
            {
                var a = new Cell();
                var b = new Cell(a);
                {|#3:a.Next = b|};
            }
            static void ThroughAContainer(Cell folder, Cell file, bool really)
            {
                folder.Add(file);
                {|#4:file.Add(folder)|};
                folder.RemoveIf(file, really);
                folder.Remove(folder);
            }
            static void Attach(this Node a, Node b) => a.Next = b;
            static void Extension(Node x) { {|#5:x.Attach(x)|}; }
            class Derived : Cell
            {
                public Derived(Cell next) : base(next) { {|#6:next.Next = this|}; }
            }
            class Ring : RefObject
            {
                private Ring? _next;
                public Ring? Next { init { _next = value; } }
                static void Close(Ring r) { var s = new Ring { Next = r }; {|#7:r._next = s|}; }
            }
            """,
            Diagnostic(0, "x.Next → y.Next → x"),
            Diagnostic(1, "b._next → a._next → b"),
            Diagnostic(2, "n._next → n"),
            Diagnostic(3, "b._next → a._next → b"),
            Diagnostic(4, "folder._items[] → file._items[] → folder"),
            Diagnostic(5, "x.Next → x"),
            Diagnostic(6, "this._next → next._next → this"),
            Diagnostic(7, "s._next → r._next → s"));

    [Fact]
    public Task CycleLeftOnOneBranchOnly() =>
        Verify(
            """
            static void OneBranchBreaks(Node a, Node b, bool left)
            {
                a.Next = b;
                {|#0:b.Next = a|};
                if (left)
                {
                    a.Next = null;
                }
            }
            static void OneCaseOfThreeKeeps(Node a, Node b, int which)
            {
                a.Self = b;
                {|#1:b.Self = a|};
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
                    {|#2:b.Next = a|};
                    if (i % 2 == 0)
                    {
                        a.Next = null;
                    }
                }
            }
            """,
            Diagnostic(0, "a.Next → b.Next → a"),
            Diagnostic(1, "a.Self → b.Self → a"),
            Diagnostic(2, "a.Next → b.Next → a"));

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
                    {|#0:b.Next = a|};
                }
            }
            static void Swallowed(Node a, Node b, bool bad)
            {
                try
                {
                    a.Self = b;
                    {|#1:b.Self = a|};
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
            Diagnostic(0, "a.Next → b.Next → a"),
            Diagnostic(1, "a.Self → b.Self → a"));

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
                {|#0:b.Next = a|};
            }
            """,
            Diagnostic(0, "a.Next → b.Next → a"));
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS001;

public class REFS001Valid
{
    private const string Types = @"
using System;
using RefHeap;

class Node : RefObject { public Node? Next; public void Touch() { } }

class Holder : RefObject
{
    public Node? Child;
    public static readonly Node Shared = new Node();
    public static Node? Cache;
}

static class Api
{
    [return: NewReference] public static Node Create() => new Node();
    public static void Consume([StealsReference] Node node) => node.DecRef();
}
";

    [Theory]
    [InlineData("var node = new Node(); node.DecRef();")]
    [InlineData("var node = new Node(); node.Dispose();")]
    [InlineData("using var node = new Node(); node.Touch();")]
    [InlineData("using (var node = new Node()) { node.Touch(); }")]
    [InlineData("var node = Api.Create(); try { node.Touch(); } finally { node.DecRef(); }")]
    [InlineData("var node = new Node(); holder.Child = node;")]
    [InlineData("var node = new Node(); Api.Consume(node);")]
    [InlineData("var node = new Node(); RefField.Move(ref holder.Child, node);")]
    [InlineData("var list = new RefList<Node>(); var node = new Node(); list.Add(node); node.DecRef(); list.DecRef();")]
    [InlineData("Node? node = flag ? new Node() : null; node?.DecRef();")]
    [InlineData("var node = flag ? new Node() : null; if (node is null) return; node.DecRef();")]
    [InlineData("var node = new Node(); if (flag) { node.DecRef(); return; } node.Touch(); node.DecRef();")]
    [InlineData("for (int i = 0; i < 3; i++) { var node = new Node(); node.DecRef(); }")]
    [InlineData("var node = new Node(); switch (flag) { case true: node.DecRef(); break; default: node.Dispose(); break; }")]
    [InlineData("var node = new Node(); node.IncRef(); holder.Child = node; node.DecRef();")]
    [InlineData("Holder.Cache = new Node(); holder.Child = new Node();")]
    [InlineData("var node = new Node(); Action a = () => node.DecRef(); a();")]
    [InlineData("var borrowed = holder.Child; borrowed?.Touch();")]
    [InlineData("var head = new Node(); Node last = head; for (int i = 0; i < 3; i++) { var next = new Node(); last.Next = next; last = next; } head.DecRef();")]
    [InlineData("var node = new Node(); var other = node; other.DecRef();")]
    public Task ReleasedMovedOrStolenOnEveryPath(string body) => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + $@"
class C
{{
    void M(Holder holder, bool flag)
    {{
        {body}
    }}
}}")
        .RunAsync();

    [Fact]
    public Task ReturningAnOwnedReferenceHandsItToTheCaller() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    [return: NewReference]
    Node Make(bool flag)
    {
        var node = new Node();
        if (flag)
        {
            node.Next = new Node();
        }

        return node;
    }

    Node Unannotated() { var node = new Node(); return node; }

    void Use()
    {
        var made = Make(true);
        var other = Unannotated();
        made.DecRef();
        other.DecRef();
    }
}")
        .RunAsync();

    [Fact]
    public Task ReleasingAFieldBeforeOverwritingItIsTheRightPattern() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class Owner : RefObject
{
    private Node? _current;

    public void Replace(Node next)
    {
        _current?.DecRef();
        next.IncRef();
        _current = next;
    }

    public void Reset() => RefField.Clear(ref _current);
}")
        .RunAsync();

    [Fact]
    public Task AReturnThroughAFinallyKeepsItsOwnState() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    int Search(RefList<Node> list)
    {
        var node = new Node();
        foreach (var item in list)
        {
            if (item.Next is null)
            {
                node.DecRef();
                return 1;
            }
        }

        node.DecRef();
        return 0;
    }

    int Guarded(bool flag)
    {
        var node = new Node();
        try
        {
            if (flag)
            {
                node.DecRef();
                return 1;
            }
        }
        finally
        {
            Console.WriteLine();
        }

        node.DecRef();
        return 0;
    }

    int Nested(bool flag)
    {
        var node = new Node();
        using (var scratch = new Node())
        {
            try
            {
                if (flag)
                {
                    node.DecRef();
                    return 1;
                }
            }
            finally
            {
                scratch.Touch();
            }
        }

        node.DecRef();
        return 0;
    }
}")
        .RunAsync();

    [Fact]
    public Task AnOutParameterMarkedNewReferenceIsOwned() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    static bool TryMake(bool flag, [NewReference] out Node? made)
    {
        made = flag ? new Node() : null;
        return made is not null;
    }

    static bool TryCopy(Node source, [NewReference] out Node copy)
    {
        var node = new Node();
        node.Next = source.Next;
        source.Next?.IncRef();
        copy = node;
        return true;
    }

    void Use(bool flag)
    {
        if (TryMake(flag, out var made))
        {
            made.DecRef();
        }
    }
}")
        .RunAsync();

    [Fact]
    public Task OverwritingAFieldKnownToBeEmptyLeaksNothing() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class Owner : RefObject
{
    private Node? _current;
    private Node? _lazy;

    public Owner() => _current = new Node();

    public Node Lazy()
    {
        if (_lazy is null)
        {
            _lazy = new Node();
        }

        return _lazy;
    }

    public void Swap(Node next)
    {
        var old = _current;
        next.IncRef();
        _current = next;
        old?.DecRef();
    }

    public void Clear()
    {
        _current?.Dispose();
        _current = null;
    }

    public void ClearThenReplace(Node next)
    {
        Clear();
        next.IncRef();
        _current = next;
    }

    public Holder Wrap()
    {
        var node = new Node();
        return new Holder { Child = node };
    }

    public void Adopt([StealsReference] Node next)
    {
        RefField.Clear(ref _current);
        _current = next;
    }
}")
        .RunAsync();

    [Fact]
    public Task BranchesCorrelatedThroughAFlagAreNotMixed() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    void Conditional(bool make)
    {
        Node? node = null;
        if (make)
        {
            node = new Node();
        }

        Console.WriteLine(make);
        if (make)
        {
            node!.DecRef();
        }
    }

    void Owned(Node borrowed, Func<bool> mustKeep)
    {
        bool owned = false;
        if (mustKeep())
        {
            borrowed.IncRef();
            owned = true;
        }

        borrowed.Touch();
        if (!owned)
        {
            return;
        }

        borrowed.DecRef();
    }

    void Attempted(bool flag)
    {
        bool made = C.TryMake(flag, out var node);
        if (made)
        {
            node.DecRef();
        }
    }

    static bool TryMake(bool flag, [NewReference] out Node? made)
    {
        made = flag ? new Node() : null;
        return made is not null;
    }
}")
        .RunAsync();

    [Fact]
    public Task AStoreIntoAnAutoPropertyMovesOwnershipLikeAFieldStore() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class Box : RefObject
{
    public Node? Content { get; set; }
}

class C
{
    void Fill(Box box)
    {
        var node = new Node();
        box.Content = node;
    }

    Box Make()
    {
        var box = new Box();
        box.Content = Api.Create();
        return box;
    }
}")
        .RunAsync();

    [Fact]
    public Task ElementsOfGenericCollectionsAreBorrowed() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    int Drain(System.Collections.Generic.Stack<Node> pending, System.Collections.Generic.Queue<Node> queue)
    {
        int count = 0;
        while (pending.TryPop(out Node? next))
        {
            next.Touch();
            count++;
        }

        var first = queue.Dequeue();
        first.Touch();
        return count + (queue.TryPeek(out var peeked) ? peeked.GetHashCode() : 0);
    }
}")
        .RunAsync();

    [Fact]
    public Task CodeWithoutRefHeapIsNotAnalyzed() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(@"
class Plain { void M() { var o = new object(); } }")
        .RunAsync();
}

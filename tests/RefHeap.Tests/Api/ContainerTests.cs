using System;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Api;

public class RefListTests
{
    [Fact]
    public void AddIncRefsAndTheCallerKeepsItsReference()
    {
        using var heap = new TestHeap();
        var list = new RefList<Node>();
        var node = new Node();

        list.Add(node);

        Assert.Equal(2, node.RefCount);
        node.DecRef();
        Assert.True(node.IsAlive);
        list.DecRef();
        Assert.False(node.IsAlive);
    }

    [Fact]
    public void IndexerSetReleasesTheOldItemAndReadsAreBorrowed()
    {
        using var heap = new TestHeap();
        using var list = new RefList<Node>();
        var first = new Node();
        var second = new Node();
        list.Add(first);
        first.DecRef();

        list[0] = second;
        second.DecRef();

        Assert.False(first.IsAlive);
        Assert.Same(second, list[0]);
        Assert.Equal(1, list[0].RefCount);
    }

    [Fact]
    public void PopGivesTheListsReferenceToTheCaller()
    {
        using var heap = new TestHeap();
        using var list = new RefList<Node>();
        var a = new Node("a");
        var b = new Node("b");
        list.Add(a);
        list.Add(b);
        a.DecRef();
        b.DecRef();

        Node popped = list.Pop();

        Assert.Same(b, popped);
        Assert.Equal(1, popped.RefCount);
        Assert.Single(list);
        popped.DecRef();
        Assert.False(b.IsAlive);
    }

    [Fact]
    public void RemoveInsertAndClearKeepCountsRight()
    {
        using var heap = new TestHeap();
        using var list = new RefList<Node>();
        var a = new Node("a");
        var b = new Node("b");
        var c = new Node("c");
        list.Add(a);
        list.Add(c);
        list.Insert(1, b);

        Assert.Equal(new[] { a, b, c }, list);
        Assert.True(list.Remove(b));
        Assert.False(list.Remove(b));
        Assert.Equal(1, b.RefCount);
        list.Clear();
        Assert.Empty(list);
        Assert.Equal(1, a.RefCount);
        Assert.Equal(1, c.RefCount);
        a.DecRef();
        b.DecRef();
        c.DecRef();
    }

    [Fact]
    public void ChangingTheListWhileEnumeratingThrows()
    {
        using var heap = new TestHeap();
        using var list = new RefList<Node>();
        using var node = new Node();
        list.Add(node);
        list.Add(node);

        Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (Node item in list)
            {
                list.RemoveAt(0);
            }
        });
    }

    [Fact]
    public void AListThatHoldsItselfIsACycleOnlyTheCollectorFrees()
    {
        using var heap = new TestHeap();
        var list = new RefList<RefObject>();
        list.Add(list);
        list.DecRef();

        Assert.True(list.IsAlive);
        Assert.Equal(1, Gc.Collect());
        Assert.False(list.IsAlive);
    }

    [Fact]
    public void AnOverReleaseInsideACycleAbandonsTheCollectionWithAPreciseError()
    {
        using var heap = new TestHeap();
        var a = new Node("a");
        var b = new Node("b");
        a.Next = b;
        b.Next = a;
        a.IncRef();
        var c = new Node("c");
        c.Next = a; // stored without IncRef: a now has more holders than its count
        a.DecRef();

        var error = Assert.Throws<RefCountCorruptionException>(() => Gc.Collect());

        Assert.Contains("reference count of 1 but 2 strong references", error.Message);
        Assert.True(a.IsAlive && b.IsAlive && c.IsAlive);
        Assert.Equal(3, Gc.GetObjects().Count);
        Assert.Throws<RefCountCorruptionException>(() => Gc.Collect());
    }

    [Fact]
    public void UsingAReleasedListThrowsAndNamesIt()
    {
        using var heap = new TestHeap();
        var list = new RefList<Node>();
        list.DecRef();

        var error = Assert.Throws<ReleasedObjectException>(() => list.Add(new Node()));

        Assert.Contains("RefList", error.Message);
        Assert.IsAssignableFrom<ObjectDisposedException>(error);
    }
}

public class RefDictionaryTests
{
    [Fact]
    public void StoringIncRefsValuesAndRefObjectKeysAndRemovalReleasesThem()
    {
        using var heap = new TestHeap();
        using var map = new RefDictionary<Node, Node>();
        var key = new Node("key");
        var value = new Node("value");

        map[key] = value;

        Assert.Equal(2, key.RefCount);
        Assert.Equal(2, value.RefCount);
        Assert.True(map.TryGetValue(key, out Node? found));
        Assert.Same(value, found);
        Assert.True(map.Remove(key));
        Assert.Equal(1, key.RefCount);
        Assert.Equal(1, value.RefCount);
        key.DecRef();
        value.DecRef();
    }

    [Fact]
    public void OverwritingAValueReleasesTheOldOneButNotTheKey()
    {
        using var heap = new TestHeap();
        using var map = new RefDictionary<string, Node>();
        var old = new Node();
        map.Add("k", old);
        old.DecRef();

        using var replacement = new Node();
        map["k"] = replacement;

        Assert.False(old.IsAlive);
        Assert.Equal(2, replacement.RefCount);
        Assert.Throws<ArgumentException>(() => map.Add("k", replacement));
    }

    [Fact]
    public void ADictionaryCycleThroughAValueIsCollected()
    {
        using var heap = new TestHeap();
        var map = new RefDictionary<string, RefObject>();
        var node = new Node();
        map["self"] = map;
        map["node"] = node;
        node.Next = map;
        map.IncRef();
        node.DecRef();
        map.DecRef();

        Assert.True(map.IsAlive);
        Assert.Equal(2, Gc.Collect());
        Assert.False(node.IsAlive);
    }
}

public class RefFieldTests
{
    [Fact]
    public void SetIncRefsTheNewValueAndReleasesTheOld()
    {
        using var heap = new TestHeap();
        using var holder = new Node();
        var first = new Node();
        var second = new Node();

        RefField.Set(ref holder.Next, first);
        RefField.Set(ref holder.Next, second);

        Assert.Equal(1, first.RefCount);
        Assert.Equal(2, second.RefCount);
        first.DecRef();
        second.DecRef();
        Assert.True(second.IsAlive);
    }

    [Fact]
    public void SettingTheSameValueAgainIsSafe()
    {
        using var heap = new TestHeap();
        using var holder = new Node();
        var only = new Node();
        holder.Next = only;

        RefField.Set(ref holder.Next, holder.Next);

        Assert.True(only.IsAlive);
        Assert.Equal(1, only.RefCount);
    }

    [Fact]
    public void MoveStealsAndClearReleases()
    {
        using var heap = new TestHeap();
        using var holder = new Node();
        var owned = new Node();

        RefField.Move(ref holder.Next, owned);
        Assert.Equal(1, owned.RefCount);

        RefField.Clear(ref holder.Next);
        Assert.Null(holder.Next);
        Assert.False(owned.IsAlive);
    }
}

public class ImmortalTests
{
    [Fact]
    public void SmallIntsAreSharedAndImmortal()
    {
        using var heap = new TestHeap();
        RefInt a = RefInt.FromInt64(256);
        RefInt b = RefInt.FromInt64(256);

        Assert.Same(a, b);
        Assert.True(a.IsImmortal);
        a.IncRef();
        a.DecRef();
        a.DecRef();
        Assert.Equal(RefObject.ImmortalRefCount, a.RefCount);
        Assert.False(Gc.IsTracked(a));
    }

    [Fact]
    public void LargeIntsAreNewMortalObjects()
    {
        using var heap = new TestHeap();
        RefInt a = RefInt.FromInt64(257);
        RefInt b = RefInt.FromInt64(257);

        Assert.NotSame(a, b);
        Assert.Equal(1, a.RefCount);
        a.DecRef();
        b.DecRef();
        Assert.False(a.IsAlive);
    }

    [Fact]
    public void InternedStringsAreOneImmortalObjectPerText()
    {
        RefString a = RefString.Intern("spam" + 1);
        RefString b = RefString.Intern("spam1");

        Assert.Same(a, b);
        Assert.True(a.IsImmortal);
        Assert.Null(a.Heap);
    }

    [Fact]
    public void ImmortalsCanBeUsedFromAnyThread()
    {
        RefInt seven = RefInt.FromInt64(7);
        var thread = new System.Threading.Thread(() =>
        {
            seven.IncRef();
            seven.DecRef();
        });
        thread.Start();
        thread.Join();
        Assert.Equal(RefObject.ImmortalRefCount, seven.RefCount);
    }

    [Fact]
    public void DangerousSetRefCountCanFreeALiveObject()
    {
        using var heap = new TestHeap();
        var holder = new Node();
        var victim = new Node();
        holder.Next = victim;

        UnraisableExceptionEventArgs? reported = null;
        heap.Heap.UnraisableException += (_, e) => reported = e;

        victim.DangerousSetRefCount(0);

        Assert.False(victim.IsAlive);
        holder.DecRef();
        Assert.IsType<ReleasedObjectException>(reported?.Exception);
        Assert.Same(victim, reported!.Object);
        Assert.False(holder.IsAlive);
        Assert.Throws<ArgumentOutOfRangeException>(() => holder.DangerousSetRefCount(-1));
        Assert.Throws<InvalidOperationException>(() => RefInt.FromInt64(1).DangerousSetRefCount(3));
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.CompilerServices;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.CPython;

// Ports of the collector-related cases of CPython 3.11's Lib/test/test_weakref.py.

public class ReferencesTestCase : IDisposable
{
    private readonly TestHeap _heap = new();
    private readonly List<string> _calls = new();

    public void Dispose() => _heap.Dispose();

    [Fact]
    public void test_multiple_callbacks()
    {
        var o = new Node();
        var ref1 = new WeakRef<Node>(o, _ => _calls.Add("ref1"));
        var ref2 = new WeakRef<Node>(o, _ => _calls.Add("ref2"));
        o.DecRef();
        Gc.Collect();
        Assert.Null(ref1.Target);
        Assert.Null(ref2.Target);
        Assert.Equal(new[] { "ref2", "ref1" }, _calls); // called once each, newest first
    }

    [Fact]
    public void test_multiple_selfref_callbacks()
    {
        // All references are invalidated before any callback is called.
        var c = new Node();
        WeakRef<Node>? first = null;
        var seen = new List<Node?>();
        first = new WeakRef<Node>(c, _ => seen.Add(first!.Target));
        var second = new WeakRef<Node>(c, _ => seen.Add(first!.Target));
        c.DecRef();
        Assert.Equal(new Node?[] { null, null }, seen);
        GC.KeepAlive(second);
    }

    [Fact]
    public void test_getweakrefcount()
    {
        var o = new Node();
        Assert.Equal(2, CountWithTwoWeakRefs(o));

        // Weak reference objects are unlinked from their referent when discarded.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(0, WeakRefBase.GetWeakRefCount(o));

        // Objects without weak references (immortal ints here) report none.
        Assert.Equal(0, WeakRefBase.GetWeakRefCount(RefInt.FromInt64(1)));
        o.DecRef();
        Assert.Empty(_calls); // a discarded weak reference never calls back
    }

    [Fact]
    public void test_callback_in_cycle()
    {
        // I holds a strong and a weak reference (with a callback that reads I.J) to J; I, J and the weak reference are
        // all trash. The callback must not run: the weak reference is part of the trash.
        var j = new Node("J");
        j.Next = j;
        j.IncRef();
        var i = new Holder();
        i.Strong = j;
        i.Weak = new WeakRef<Node>(j, _ => _calls.Add("I.J = " + i.Strong?.Name));
        i.Self = i;
        i.IncRef();
        i.DecRef();

        Gc.Collect();

        Assert.Empty(_calls);
        Assert.False(j.IsAlive);
        Assert.False(i.IsAlive);
    }

    [Fact]
    public void test_callback_in_cycle_resurrection()
    {
        // Callbacks that would resurrect objects of a dead cycle are themselves trash: they never run. The weak
        // reference to the class object is not trash, so its callback runs, after the collection freed everything.
        var alist = new List<string>();
        var classObject = new Node("C");
        var c1 = new Holder { Name = "c1" };
        var c2 = new Holder { Name = "c2" };
        RefField.Set(ref c1.Class, classObject);
        RefField.Set(ref c2.Class, classObject);
        RefField.Set(ref c1.Other, c2);
        RefField.Set(ref c2.Other, c1);
        c1.WeakOther = new WeakRef<Holder>(c2, _ => alist.Add("resurrect " + c1.Other!.Name));
        c2.WeakOther = new WeakRef<Holder>(c1, _ => alist.Add("resurrect " + c2.Other!.Name));
        var wr = new WeakRef<Node>(classObject, _ => alist.Add("C went away"));
        c1.DecRef();
        c2.DecRef();
        classObject.DecRef();
        Assert.Empty(alist); // releasing is not enough to reclaim anything

        Gc.Collect();

        Assert.Equal(new[] { "C went away" }, alist);
        Assert.Null(wr.Target);
        alist.Clear();
        Gc.Collect();
        Assert.Empty(alist);
    }

    [Fact]
    public void test_callbacks_on_callback()
    {
        // Weak references with callbacks on a "bound method" object that is itself part of the cyclic trash: only the
        // external weak reference calls back, when the method object is reclaimed at the end of the collection.
        var alist = new List<string>();
        var c = new Holder { Name = "c" };
        var d = new Holder { Name = "d" };
        RefField.Set(ref c.Other, d);
        RefField.Set(ref d.Other, c);
        var callback = new Node("c.cb");
        RefField.Set(ref c.Class, callback);
        c.WeakOther = new WeakRef<Holder>(d, _ => alist.Add("cb called"));
        d.WeakMethod = new WeakRef<Node>(callback, _ => alist.Add("cb called"));
        var externalWr = new WeakRef<Node>(callback, _ => alist.Add("safe_callback called"));
        Assert.Same(callback, externalWr.Target);
        callback.DecRef();
        c.DecRef();
        d.DecRef();
        Assert.Empty(alist);

        Gc.Collect();

        Assert.Equal(new[] { "safe_callback called" }, alist);
        Assert.Null(externalWr.Target);
        alist.Clear();
        Gc.Collect();
        Assert.Empty(alist);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int CountWithTwoWeakRefs(Node o)
    {
        var ref1 = new WeakRef<Node>(o);
        var ref2 = new WeakRef<Node>(o, _ => _calls.Add("cb"));
        int count = WeakRefBase.GetWeakRefCount(o);
        GC.KeepAlive(ref1);
        GC.KeepAlive(ref2);
        return count;
    }

    private sealed class Holder : RefObject
    {
        public string? Name;

        public Node? Strong;

        public Holder? Self;

        public Holder? Other;

        public Node? Class;

        public WeakRef<Node>? Weak;

        public WeakRef<Holder>? WeakOther;

        public WeakRef<Node>? WeakMethod;
    }
}

public class MappingTestCase : IDisposable
{
    private readonly TestHeap _heap = new();

    public void Dispose() => _heap.Dispose();

    [Fact]
    public void test_weak_values()
    {
        var dict = new WeakValueDictionary<int, Node>();
        List<Node> objects = Enumerable.Range(0, 5).Select(i => new Node(i.ToString())).ToList();
        for (int i = 0; i < objects.Count; i++)
        {
            dict[i] = objects[i];
        }

        Assert.Equal(5, dict.Count);
        Assert.Same(objects[3], dict[3]);
        objects[3].DecRef();
        Assert.Equal(4, dict.Count);
        Assert.False(dict.ContainsKey(3));
        objects.RemoveAt(3);
        objects.ForEach(o => o.DecRef());
        Assert.Equal(0, dict.Count);
    }

    [Fact]
    public void test_weak_keys()
    {
        var dict = new WeakKeyDictionary<Node, int>();
        List<Node> objects = Enumerable.Range(0, 5).Select(i => new Node(i.ToString())).ToList();
        for (int i = 0; i < objects.Count; i++)
        {
            dict[objects[i]] = i;
        }

        Assert.Equal(3, dict[objects[3]]);
        objects[3].DecRef();
        Assert.Equal(4, dict.Count);
        objects.RemoveAt(3);
        objects.ForEach(o => o.DecRef());
        Assert.Equal(0, dict.Count);
    }

    [Fact]
    public void test_weak_values_destroy_while_iterating()
    {
        var dict = new WeakValueDictionary<int, Node>();
        List<Node> objects = Enumerable.Range(0, 10).Select(i => new Node(i.ToString())).ToList();
        for (int i = 0; i < objects.Count; i++)
        {
            dict[i] = objects[i];
        }

        int n = dict.Count;
        using (IEnumerator<KeyValuePair<int, Node>> it = dict.GetEnumerator())
        {
            Assert.True(it.MoveNext()); // trigger internal iteration
            objects[^1].DecRef(); // destroy an object
            objects.RemoveAt(objects.Count - 1);
            Gc.Collect();
            Assert.Equal(n, dict.Count); // the removal waits for the iteration to end
            int rest = 0;
            while (it.MoveNext())
            {
                rest++;
            }

            // We removed either the first consumed object, or another one.
            Assert.Contains(rest, new[] { objects.Count, objects.Count - 1 });
        }

        Assert.Equal(n - 1, dict.Count); // the removal has been committed
        objects.ForEach(o => o.DecRef());
    }

    [Fact]
    public void test_weak_keys_destroy_while_iterating()
    {
        var dict = new WeakKeyDictionary<Node, int>();
        List<Node> objects = Enumerable.Range(0, 10).Select(i => new Node(i.ToString())).ToList();
        for (int i = 0; i < objects.Count; i++)
        {
            dict[objects[i]] = i;
        }

        int n = dict.Count;
        using (IEnumerator<KeyValuePair<Node, int>> it = dict.GetEnumerator())
        {
            Assert.True(it.MoveNext());
            objects[^1].DecRef();
            objects.RemoveAt(objects.Count - 1);
            int rest = 0;
            while (it.MoveNext())
            {
                rest++;
            }

            Assert.Contains(rest, new[] { objects.Count, objects.Count - 1 });
        }

        Assert.Equal(n - 1, dict.Count);
        objects.ForEach(o => o.DecRef());
    }

    [Fact]
    public void test_weak_keyed_cascading_deletes()
    {
        // SF bug 742860: removing one entry releases the last strong reference to another key, whose death removes
        // its entry while the first removal is still running.
        var dict = new WeakKeyDictionary<Node, Node?>();
        var keys = Enumerable.Range(0, 4).Select(i => new Node(i.ToString())).ToList();
        for (int i = 0; i < keys.Count; i++)
        {
            // Each key owns the next one: the last strong reference to key i+1 lives in key i.
            if (i + 1 < keys.Count)
            {
                RefField.Set(ref keys[i].Next, keys[i + 1]);
                keys[i + 1].DecRef();
            }

            dict[keys[i]] = null;
        }

        int count = 0;
        foreach (Node key in new[] { keys[0] })
        {
            count++;
            dict.Remove(key);
            key.DecRef(); // frees key 0, which frees key 1, 2 and 3 in cascade
        }

        Assert.Equal(0, dict.Count);
        Assert.Equal(1, count);
        Assert.All(keys, k => Assert.False(k.IsAlive));
    }
}

public class FinalizeTestCase : IDisposable
{
    private readonly TestHeap _heap = new();

    public void Dispose() => _heap.Dispose();

    [Fact]
    public void test_finalize()
    {
        var a = new Node();
        var res = new List<int>();
        var f = new WeakFinalizer(a, () => res.Add(1));
        Assert.True(f.Alive);
        a.DecRef();
        Assert.Equal(new[] { 1 }, res);
        Assert.False(f.Alive);
        Assert.False(f.Invoke());
    }

    [Fact]
    public void test_order()
    {
        var a = new Node();
        var res = new List<string>();
        RegisterAndDrop(a, res, "f1");
        var f2 = new WeakFinalizer(a, () => res.Add("f2"));
        var f3 = new WeakFinalizer(a, () => res.Add("f3"));
        RegisterAndDrop(a, res, "f4");
        var f5 = new WeakFinalizer(a, () => res.Add("f5"));

        // Finalizers keep themselves alive.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.True(f2.Alive && f3.Alive && f5.Alive);

        Assert.True(f5.Invoke());
        Assert.False(f5.Alive);
        Assert.False(f5.Invoke()); // nothing because previously called
        Assert.Null(f5.Detach());
        Assert.Equal(new[] { "f5" }, res);

        Assert.NotNull(f3.Detach());
        Assert.False(f3.Alive);
        Assert.True(f2.Invoke());
        a.DecRef();
        Assert.Equal(new[] { "f5", "f2", "f4", "f1" }, res); // on death, newest first
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void RegisterAndDrop(Node target, List<string> res, string name) => _ = new WeakFinalizer(target, () => res.Add(name));
}

using System;
using System.Collections.Generic;
using System.Linq;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.CPython;

// Ports of CPython 3.11's Lib/test/test_gc.py. Python's list, dict and tuple become RefList, RefDictionary and a
// RefObject with a readonly field; "instance + __dict__" counts as one RefHeap object, so collect() returns what our
// object model frees (the comment on each test says what the original asserted when the number differs).

/// <summary>An immutable container (a tuple of one item).</summary>
internal sealed class RefTuple : RefObject
{
    public readonly RefObject Item;

    public RefTuple(RefObject item)
    {
        item.IncRef();
        Item = item;
    }
}

/// <summary>A plain instance without strong fields: never tracked, like an atomic object.</summary>
internal sealed class Atom : RefObject
{
}

/// <summary>C1055820: an instance in a self-loop.</summary>
internal class C1055820 : RefObject
{
    public C1055820? Loop;

    public C1055820(int i)
    {
        I = i;
        Loop = this;
        IncRef();
    }

    public int I { get; }

    public RefObject? KeepAlive;
}

/// <summary>GC_Detector: notices that a collection happened through the weak-reference callback of a self-cycle.</summary>
internal sealed class GcDetector
{
    private readonly WeakRef<Node> _watch;

    public GcDetector()
    {
        var sink = new Node("sink");
        sink.Next = sink;
        _watch = new WeakRef<Node>(sink, _ => GcHappened = true);
    }

    public bool GcHappened { get; private set; }
}

public class GCTests : IDisposable
{
    private readonly TestHeap _heap = new();

    public void Dispose() => _heap.Dispose();

    [Fact]
    public void test_list()
    {
        var l = new RefList<RefObject>();
        l.Add(l);
        Gc.Collect();
        l.DecRef();
        Assert.Equal(1, Gc.Collect());
    }

    [Fact]
    public void test_dict()
    {
        var d = new RefDictionary<int, RefObject>();
        d[1] = d;
        Gc.Collect();
        d.DecRef();
        Assert.Equal(1, Gc.Collect());
    }

    [Fact]
    public void test_tuple()
    {
        // since tuples are immutable we close the loop with a list
        var l = new RefList<RefObject>();
        var t = new RefTuple(l);
        l.Add(t);
        Gc.Collect();
        t.DecRef();
        l.DecRef();
        Assert.Equal(2, Gc.Collect());
    }

    [Fact]
    public void test_instance()
    {
        var a = new Node();
        a.Next = a;
        a.IncRef();
        Gc.Collect();
        a.DecRef();
        Assert.Equal(1, Gc.Collect()); // the original: != 0 (instance and its __dict__)
    }

    [Fact]
    public void test_legacy_finalizer() => CheckLegacyFinalizer(new LegacyA());

    [Fact]
    public void test_legacy_finalizer_newclass() => CheckLegacyFinalizer(new LegacyASubclass());

    [Fact]
    public void test_function_tp_clear_leaves_consistent_state()
    {
        // gh-91636: a finalizer creates a weak reference to trash; while the trash is cleared, the finalizer of an
        // object outside it follows that weak reference. It must find nothing, not a half-cleared object.
        var latefin = new LateFin();
        var func = new Node("func");
        var cyc = new Cyclic(func, latefin);
        func.Next = cyc; // 1. a cycle between cyc and func; cyc owns our reference to it now
        Cyclic.LateFinGlobal = latefin; // 2. the global reference keeps latefin out of the trash
        func.DecRef();

        Assert.Equal(2, Gc.Collect()); // 3.

        Assert.Null(LateFin.Func);
        Assert.False(func.IsAlive);
        Assert.False(latefin.IsAlive);
    }

    [Fact]
    public void test_saveall()
    {
        Gc.Collect();
        Assert.Empty(Gc.Garbage);
        var l = new RefList<RefObject>();
        l.Add(l);
        GcDebugFlags debug = Gc.GetDebug();
        Gc.SetDebug(debug | GcDebugFlags.SaveAll);
        l.DecRef();
        Gc.Collect();
        Gc.SetDebug(debug);
        Assert.Single(Gc.Garbage);
        RefObject obj = Gc.Garbage.Pop();
        Assert.Same(l, obj);
        obj.DecRef();
        Assert.Equal(1, Gc.Collect());
    }

    [Fact]
    public void test_del() => CheckFinalizerTriggeringCollections(() => new DirSelf());

    [Fact]
    public void test_del_newclass() => CheckFinalizerTriggeringCollections(() => new DirSelfSubclass());

    [Fact]
    public void test_get_count()
    {
        Gc.Collect();
        (int a, int b, int c) = Gc.GetCount();
        var x = new RefList<RefObject>();
        (int d, int e, int f) = Gc.GetCount();
        Assert.Equal((0, 0), (b, c));
        Assert.Equal((0, 0), (e, f));
        Assert.True(a < 5);
        Assert.True(d > a); // between the two calls at least one object was created (the list)
        x.DecRef();
    }

    [Fact]
    public void test_collect_generations()
    {
        Gc.Collect();
        var x = new RefList<RefObject>(); // "trickles" into generation N + 1 after each collect(N)
        Gc.Collect(0);
        (_, int b, int c) = Gc.GetCount();
        Gc.Collect(1);
        (_, int e, int f) = Gc.GetCount();
        Gc.Collect(2);
        (_, int h, int i) = Gc.GetCount();
        Assert.Equal((1, 0), (b, c));
        Assert.Equal((0, 1), (e, f));
        Assert.Equal((0, 0), (h, i));
        x.DecRef();
    }

    [Fact]
    public void test_trashcan()
    {
        // Deeply nested containers whose finalizers start collections while the nest is being torn down.
        var ouch = new OuchCounter();
        Gc.Enable();
        const int N = 150;
        for (int count = 0; count < 2; count++)
        {
            var t = new RefList<RefObject>();
            for (int i = 0; i < N; i++)
            {
                var next = new RefList<RefObject>();
                next.Add(t);
                using var o = new Ouch(ouch);
                next.Add(o);
                t.DecRef();
                t = next;
            }

            var u = new RefList<RefObject>();
            for (int i = 0; i < N; i++)
            {
                var next = new RefList<RefObject>();
                next.Add(u);
                next.Add(u);
                u.DecRef();
                u = next;
            }

            var v = new RefDictionary<int, RefObject>();
            for (int i = 0; i < N; i++)
            {
                var next = new RefDictionary<int, RefObject>();
                next[1] = v;
                v.DecRef();
                v = next;
            }

            t.DecRef();
            u.DecRef();
            v.DecRef();
        }

        Gc.Disable();
        Assert.Equal(2 * N, ouch.Count);
        Gc.Collect();
        Assert.Equal(0, _heap.Heap.LiveObjectCount);
    }

    [Fact]
    public void test_get_referents()
    {
        var items = new[] { RefInt.FromInt64(1), RefInt.FromInt64(3), RefInt.FromInt64(5) };
        using var alist = new RefList<RefInt>();
        foreach (RefInt item in items)
        {
            alist.Add(item);
        }

        Assert.Equal(items, Gc.GetReferents(alist));

        using var adict = new RefDictionary<RefInt, RefInt>();
        adict[RefInt.FromInt64(1)] = RefInt.FromInt64(3);
        adict[RefInt.FromInt64(5)] = RefInt.FromInt64(7);
        Assert.Equal(new long[] { 1, 3, 5, 7 }, Gc.GetReferents(adict).Cast<RefInt>().Select(i => i.Value).OrderBy(v => v));

        using var atuple = new RefTuple(alist);
        Assert.Equal(new long[] { 1, 3, 5, 1, 3, 5 }, Gc.GetReferents(alist, atuple).SelectMany(r => r is RefInt i ? new[] { i.Value } : Gc.GetReferents(r).Cast<RefInt>().Select(x => x.Value)));

        Assert.Empty(Gc.GetReferents(RefInt.FromInt64(1), RefString.Intern("a")));
    }

    [Fact]
    public void test_is_tracked()
    {
        // Atomic objects are not tracked; user-defined objects and containers are.
        Assert.False(Gc.IsTracked(RefInt.FromInt64(1)));
        Assert.False(Gc.IsTracked(RefString.Intern("a")));
        using var atom = new Atom();
        Assert.False(Gc.IsTracked(atom));
        using var big = RefInt.FromInt64(1 << 20);
        Assert.False(Gc.IsTracked(big));

        using var node = new Node();
        using var list = new RefList<RefObject>();
        using var dict = new RefDictionary<string, RefObject>();
        Assert.True(Gc.IsTracked(node));
        Assert.True(Gc.IsTracked(list));
        Assert.True(Gc.IsTracked(dict));
    }

    [Fact]
    public void test_is_finalized()
    {
        // Objects not tracked by the always-on reference counting need a collection to be finalized.
        var storage = new Storage();
        var lazarus = new Lazarus(storage);
        Assert.False(Gc.IsFinalized(lazarus));
        lazarus.DecRef();
        Gc.Collect();
        RefObject resurrected = storage.Take()!;
        Assert.Same(lazarus, resurrected);
        Assert.True(Gc.IsFinalized(resurrected));
        resurrected.DecRef();
    }

    [Fact]
    public void test_bug1055820b()
    {
        // Weak-reference callbacks must not materialize strong references to trash.
        var ouch = new List<C1055820?>();
        var cs = new List<C1055820> { new(0), new(1) };
        List<WeakRef<C1055820>> wrs = null!;
        wrs = cs.Select(c => new WeakRef<C1055820>(c, _ =>
        {
            ouch.Clear();
            ouch.AddRange(wrs.Select(wr => wr.Target));
        })).ToList();
        Gc.Collect();
        Assert.Empty(ouch);

        // Make the two instances trash, and collect again.
        cs.ForEach(c => c.DecRef());
        Gc.Collect();
        Assert.Equal(2, ouch.Count); // else the callbacks didn't run
        Assert.All(ouch, x => Assert.Null(x)); // a callback that saw an object would have resurrected it damaged
    }

    [Fact]
    public void test_bug21435()
    {
        // A finalizer that writes into its object while trash is being finalized must find it intact.
        Gc.Collect();
        DoWork();
        Gc.Collect(); // this blew up (bad C pointer) when it failed

        // The finalizer's write broke the cycle, so everything died by reference counting during finalization.
        Assert.Equal(0, _heap.Heap.LiveObjectCount);

        static void DoWork()
        {
            var a = new Node("A");
            var b = new B21435(new Node("A"));
            RefField.Set(ref a.Next, b);
            RefField.Set(ref b.Attr, a);
            a.DecRef();
            b.DecRef();
        }
    }

    [Fact]
    public void test_get_stats()
    {
        IReadOnlyList<GcGenerationStats> stats = Gc.GetStats();
        Assert.Equal(3, stats.Count);
        Assert.All(stats, st => Assert.True(st.Collections >= 0 && st.Collected >= 0 && st.Uncollectable >= 0));

        IReadOnlyList<GcGenerationStats> old = Gc.GetStats();
        Gc.Collect(0);
        IReadOnlyList<GcGenerationStats> now = Gc.GetStats();
        Assert.Equal(old[0].Collections + 1, now[0].Collections);
        Assert.Equal(old[1].Collections, now[1].Collections);
        Assert.Equal(old[2].Collections, now[2].Collections);
        Gc.Collect(2);
        now = Gc.GetStats();
        Assert.Equal(old[0].Collections + 1, now[0].Collections);
        Assert.Equal(old[1].Collections, now[1].Collections);
        Assert.Equal(old[2].Collections + 1, now[2].Collections);
    }

    [Fact]
    public void test_freeze()
    {
        using var kept = new Node();
        Gc.Freeze();
        Assert.True(Gc.GetFreezeCount() > 0);
        Assert.Empty(Gc.GetObjects());
        Gc.Unfreeze();
        Assert.Equal(0, Gc.GetFreezeCount());
        Assert.Contains(kept, Gc.GetObjects(2));
    }

    [Fact]
    public void test_get_objects()
    {
        Gc.Collect();
        var l = new RefList<RefObject>();
        l.Add(l);
        AssertInGeneration(l, 0);
        Gc.Collect(0);
        AssertInGeneration(l, 1);
        Gc.Collect(1);
        AssertInGeneration(l, 2);
        Gc.Collect(2);
        AssertInGeneration(l, 2);
        l.DecRef();
        Gc.Collect();
    }

    [Fact]
    public void test_get_objects_arguments()
    {
        Gc.Collect();
        Assert.Equal(Gc.GetObjects().Count, Gc.GetObjects(null).Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gc.GetObjects(1000));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gc.GetObjects(-1000));
    }

    [Fact]
    public void test_resurrection_only_happens_once_per_object()
    {
        var storage = new RefList<RefObject>();
        var laz = new SelfLoopLazarus(storage);
        Assert.Equal(0, SelfLoopLazarus.Resurrected(storage));

        // Deleting the instance and triggering a collection resurrects the object.
        laz.DecRef();
        Gc.Collect();
        Assert.Equal(1, laz.Resurrections);
        Assert.Single(storage);

        // Clearing the references and forcing a collection should not resurrect the object again.
        storage.Clear();
        Assert.Equal(1, laz.Resurrections);
        Gc.Collect();
        Assert.Equal(1, laz.Resurrections);
        Assert.False(laz.IsAlive);
        storage.DecRef();
    }

    [Fact]
    public void test_resurrection_is_transitive()
    {
        var storage = new RefList<RefObject>();
        var laz = new CargoLazarus(storage);
        var cargo = new Node("cargo");
        cargo.Next = cargo;
        cargo.IncRef();

        // Create a cycle between cargo and laz.
        RefField.Set(ref laz.Cargo, cargo);
        RefField.Set(ref cargo.Next, laz);

        // Drop the references, force a collection and check that everything was resurrected.
        laz.DecRef();
        cargo.DecRef();
        Gc.Collect();
        Assert.Single(storage);
        var instance = (CargoLazarus)storage[0];
        Assert.Same(cargo, instance.Cargo);
        Assert.True(cargo.IsAlive);
        storage.DecRef();
        Gc.Collect();
        Assert.False(cargo.IsAlive);
    }

    [Fact]
    public void test_resurrection_does_not_block_cleanup_of_other_objects()
    {
        // When a finalizer resurrects objects, stats must not report them as collected.
        const int N = 100;
        var zs = new RefList<RefObject>();
        (long C, long Nc) GetStats() => (Gc.GetStats()[2].Collected, Gc.GetStats()[2].Uncollectable);

        (long oldc, long oldnc) = GetStats();
        for (int i = 0; i < N; i++)
        {
            new SelfLoop().DecRef();
        }

        long t = Gc.Collect();
        (long c, long nc) = GetStats();
        Assert.Equal(N, t); // the original: 2*N (instance and __dict__)
        Assert.Equal(N, c - oldc);
        Assert.Equal(0, nc - oldnc);

        // Z() is not actually collected: it is merely resurrected.
        (oldc, oldnc) = (c, nc);
        new Z(zs).DecRef();
        t = Gc.Collect();
        (c, nc) = GetStats();
        Assert.Equal(0, t);
        Assert.Equal(0, c - oldc);
        Assert.Equal(0, nc - oldnc);

        // Z() should not prevent anything else from getting collected.
        (oldc, oldnc) = (c, nc);
        for (int i = 0; i < N; i++)
        {
            new SelfLoop().DecRef();
        }

        new Z(zs).DecRef();
        t = Gc.Collect();
        (c, nc) = GetStats();
        Assert.Equal(N, t);
        Assert.Equal(N, c - oldc);
        Assert.Equal(0, nc - oldnc);

        // The two copies of Z are still in zs.
        (oldc, oldnc) = (c, nc);
        zs.Clear();
        t = Gc.Collect();
        (c, nc) = GetStats();
        Assert.Equal(2, t); // the original: 4
        Assert.Equal(2, c - oldc);
        Assert.Equal(0, nc - oldnc);
        zs.DecRef();
    }

    [Fact]
    public void test_trash_weakref_clear()
    {
        // bpo-38006:  Z <- Y <- A--+--> WZ -> C
        //                       ^  |
        //                       +--+
        // WZ is a weak reference to Z with callback C; Y hides its reference to Z from the collector; A holds itself,
        // Y and WZ. A, Y, Z and WZ are all trash, but the collector cannot know Z is. When clearing A frees Y and
        // then Z, WZ (trash itself) must not call back.
        int calls = 0;
        var a = new HoldsWeak();
        RefField.Set(ref a.Self, a);
        var z = new Node("z");
        a.Y = new HidesReference(z);
        a.Wz = new WeakRef<Node>(z, _ => calls++);
        z.DecRef();
        a.DecRef();

        Gc.Collect();

        Assert.Equal(0, calls);
        Assert.False(z.IsAlive);
        Assert.False(a.Wz.IsAlive);
    }

    [Fact]
    public void test_refcount_errors()
    {
        // The original checks that the collector aborts on a count below the number of references ("refcount is
        // too small"). RefHeap refuses to collect and says which object is broken.
        var a = new Node("a");
        var b = new Node("b");
        a.Next = b;
        b.Next = a;
        a.IncRef();
        var c = new Node("c");
        c.Next = a; // stored without IncRef
        a.DecRef();

        var error = Assert.Throws<RefCountCorruptionException>(() => Gc.Collect());

        Assert.Equal(typeof(Node), error.ObjectType);
        Assert.Contains("over-release", error.Message);
        Assert.All(new[] { a, b, c }, n => Assert.True(n.IsAlive));
    }

    private static void AssertInGeneration(RefObject obj, int generation)
    {
        for (int g = 0; g < Gc.GenerationCount; g++)
        {
            Assert.Equal(g == generation, Gc.GetObjects(g).Contains(obj));
        }
    }

    private void CheckLegacyFinalizer(LegacyA a)
    {
        // A cycle holding an object with a legacy finalizer is uncollectable and lands in gc.garbage.
        var legacyHeap = new Heap(FinalizationMode.Legacy);
        using HeapScope scope = legacyHeap.Activate();
        Gc.Disable();
        a = a is LegacyASubclass ? new LegacyASubclass() : new LegacyA();
        a.Next = a;
        a.IncRef();
        var b = new Node("B");
        b.Next = b;
        b.IncRef();
        Gc.Collect();
        a.DecRef();
        b.DecRef();

        Assert.NotEqual(0, Gc.Collect());
        RefObject? found = Gc.Garbage.FirstOrDefault(o => ReferenceEquals(o, a));
        Assert.NotNull(found); // else "didn't find obj in garbage (finalizer)"
        Assert.False(b.IsAlive);
        RefField.Clear(ref a.Next);
        Assert.True(Gc.Garbage.Remove(a));
        Assert.Equal(1, a.Finalized);
        Assert.False(a.IsAlive);
    }

    private void CheckFinalizerTriggeringCollections(Func<DirSelf> make)
    {
        // __del__ methods can trigger collections; make that happen.
        (int t0, int t1, int t2) = Gc.GetThreshold();
        Gc.Enable();
        Gc.SetThreshold(1);
        DirSelf a = make();
        a.DecRef();
        Gc.Disable();
        Gc.SetThreshold(t0, t1, t2);
        Assert.True(a.Called);
        Assert.False(a.IsAlive);
    }

    private class LegacyA : Node
    {
        public int Finalized;

        protected override void OnFinalize() => Finalized++;
    }

    private sealed class LegacyASubclass : LegacyA
    {
    }

    private class DirSelf : RefObject
    {
        public bool Called { get; private set; }

        protected override void OnFinalize()
        {
            // dir(self): allocate and drop a few tracked objects, enough to start collections at threshold 1.
            for (int i = 0; i < 3; i++)
            {
                new RefList<RefObject>().DecRef();
            }

            Called = true;
        }
    }

    private sealed class DirSelfSubclass : DirSelf
    {
    }

    private sealed class OuchCounter
    {
        public int Count;
    }

    private sealed class Ouch : RefObject
    {
        private readonly OuchCounter _counter;

        public Ouch(OuchCounter counter) => _counter = counter;

        protected override void OnFinalize()
        {
            _counter.Count++;
            if (_counter.Count % 17 == 0)
            {
                Gc.Collect();
            }
        }
    }

    private sealed class Storage
    {
        private RefObject? _stored;

        public void Store(RefObject obj)
        {
            obj.IncRef();
            _stored = obj;
        }

        public RefObject? Take()
        {
            RefObject? stored = _stored;
            _stored = null;
            return stored;
        }
    }

    private sealed class Lazarus : Node
    {
        private readonly Storage _storage;

        public Lazarus(Storage storage)
        {
            _storage = storage;
            Next = this;
            IncRef();
        }

        protected override void OnFinalize() => _storage.Store(this);
    }

    private class SelfLoop : RefObject
    {
        public SelfLoop? Me;

        public SelfLoop()
        {
            Me = this;
            IncRef();
        }
    }

    // The resurrectors store themselves into a list that stands for the original's class attribute. They reach it
    // through a delegate, not a field: a RefObject-typed field would be a strong reference of their own.
    private sealed class Z : SelfLoop
    {
        private readonly Action<RefObject> _store;

        public Z(RefList<RefObject> zs) => _store = zs.Add;

        protected override void OnFinalize() => _store(this);
    }

    private sealed class SelfLoopLazarus : SelfLoop
    {
        private readonly Action<RefObject> _store;

        public SelfLoopLazarus(RefList<RefObject> storage) => _store = storage.Add;

        public int Resurrections { get; private set; }

        public static int Resurrected(RefList<RefObject> storage) => storage.Count;

        protected override void OnFinalize()
        {
            Resurrections++;
            _store(this);
        }
    }

    private sealed class CargoLazarus : RefObject
    {
        private readonly Action<RefObject> _store;

        public Node? Cargo;

        public CargoLazarus(RefList<RefObject> storage) => _store = storage.Add;

        protected override void OnFinalize() => _store(this);
    }

    private sealed class B21435 : RefObject
    {
        public RefObject? X;

        public RefObject? Attr;

        public B21435(RefObject x) => X = x;

        protected override void OnFinalize() => RefField.Clear(ref Attr);
    }

    private sealed class HoldsWeak : RefObject
    {
        public HoldsWeak? Self;

        public HidesReference? Y;

        public WeakRef<Node>? Wz;
    }

    /// <summary>Y: holds a strong reference the collector never sees (its Traverse reports nothing).</summary>
    private sealed class HidesReference : RefObject
    {
        private Node? _hidden;

        public HidesReference(Node hidden)
        {
            hidden.IncRef();
            _hidden = hidden;
        }

        protected internal override void Traverse(ReferenceVisitor visitor)
        {
        }

        protected internal override void ClearReferences() => RefField.Clear(ref _hidden);
    }

    private sealed class LateFin : RefObject
    {
        public static Node? Func;

        public WeakRef<Node>? Ref;

        protected override void OnFinalize()
        {
            // 8. Obtain a reference to func, which is being cleared, through the weak reference.
            if (Ref?.Target is { } func)
            {
                func.IncRef();
                Func = func;
            }
        }
    }

    private sealed class Cyclic : RefObject
    {
        [ThreadStatic]
        public static LateFin? LateFinGlobal;

        public readonly Node Func;

        public readonly LateFin LateFin;

        public Cyclic(Node func, LateFin latefin)
        {
            func.IncRef();
            Func = func;
            LateFin = latefin; // takes over the caller's reference
        }

        protected override void OnFinalize()
        {
            // 5. Create a weak reference to func now: earlier, the collector would have cleared it before finalizers.
            LateFin.Ref = new WeakRef<Node>(Func);

            // 6. Drop the global reference to latefin: the only one left is ours.
            LateFinGlobal = null;
        }
    }
}

public class GCTogglingTests : IDisposable
{
    private readonly TestHeap _heap = new(automatic: true);

    public void Dispose() => _heap.Dispose();

    [Fact]
    public void test_bug1055820c()
    {
        var c0 = new C1055820(0);
        Gc.Collect(); // move c0 into generation 2
        var c1 = new C1055820(1);
        RefField.Set(ref c1.KeepAlive, c0);
        RefField.Clear(ref c0.Loop); // now only c1 keeps c0 alive
        var c2 = new C1055820(2);
        var c2wr = new WeakRef<C1055820>(c2); // no callback
        var ouch = new List<C1055820?>();
        var c0wr = new WeakRef<C1055820>(c0, _ =>
        {
            ouch.Clear();
            ouch.Add(c2wr.Target);
        });
        c0.DecRef();
        c1.DecRef();
        c2.DecRef();

        // c0 is in generation 2, kept alive only by c1; c1 and c2 are young self-loops. Collecting generation 0
        // clears c1 and c2; clearing c1 frees c0 by reference counting, whose callback looks for c2 through c2wr:
        // it must find nothing. Let the collection happen "naturally".
        var junk = new RefList<RefObject>();
        var detector = new GcDetector();
        int i = 0;
        while (!detector.GcHappened)
        {
            Assert.True(++i <= 10000, "gc didn't happen after 10000 iterations");
            Assert.Empty(ouch);
            using var item = new RefList<RefObject>();
            junk.Add(item); // this will eventually trigger gc
        }

        Assert.Single(ouch); // else the callback wasn't invoked
        Assert.Null(ouch[0]);
        Assert.False(c0wr.IsAlive);
        junk.DecRef();
    }

    [Fact]
    public void test_bug1055820d()
    {
        // Same as 1055820c, but the trigger is a finalizer instead of a weak-reference callback.
        var c0 = new C1055820(0);
        Gc.Collect();
        var c1 = new C1055820(1);
        RefField.Set(ref c1.KeepAlive, c0);
        RefField.Clear(ref c0.Loop);
        var c2 = new C1055820(2);
        var c2wr = new WeakRef<C1055820>(c2);
        var ouch = new List<C1055820?>();
        var d0 = new D1055820(() => ouch.Add(c2wr.Target));
        RefField.Set(ref c0.KeepAlive, d0);
        d0.DecRef();
        c0.DecRef();
        c1.DecRef();
        c2.DecRef();

        var junk = new RefList<RefObject>();
        var detector = new GcDetector();
        int i = 0;
        while (!detector.GcHappened)
        {
            Assert.True(++i <= 10000, "gc didn't happen after 10000 iterations");
            Assert.Empty(ouch);
            using var item = new RefList<RefObject>();
            junk.Add(item);
        }

        Assert.Single(ouch); // else the finalizer wasn't invoked
        Assert.Null(ouch[0]);
        junk.DecRef();
    }

    private sealed class D1055820 : RefObject
    {
        private readonly Action _onFinalize;

        public D1055820(Action onFinalize) => _onFinalize = onFinalize;

        protected override void OnFinalize() => _onFinalize();
    }
}

public class GCCallbackTests : IDisposable
{
    private readonly TestHeap _heap = new();
    private readonly List<(int Callback, GcPhase Phase, GcCallbackInfo Info)> _visit = new();
    private readonly Action<GcPhase, GcCallbackInfo> _cb1;
    private readonly Action<GcPhase, GcCallbackInfo> _cb2;
    private bool _cleanup;

    public GCCallbackTests()
    {
        _cb1 = (phase, info) => _visit.Add((1, phase, info));
        _cb2 = (phase, info) =>
        {
            _visit.Add((2, phase, info));
            if (_cleanup && phase == GcPhase.Stop)
            {
                // Clean the Uncollectable instances out of gc.garbage and break their cycles.
                foreach (Uncollectable e in Gc.Garbage.OfType<Uncollectable>().ToList())
                {
                    RefField.Clear(ref e.Partner);
                    Gc.Garbage.Remove(e);
                }
            }
        };
        Gc.Callbacks.Add(_cb1);
        Gc.Callbacks.Add(_cb2);
    }

    public void Dispose()
    {
        Gc.Callbacks.Remove(_cb1);
        Gc.Callbacks.Remove(_cb2);
        _heap.Dispose();
    }

    [Fact]
    public void test_collect()
    {
        Gc.Collect();
        Assert.Equal(2, _visit.Count(v => v.Callback == 1));
        Assert.Equal(2, _visit.Count(v => v.Callback == 2));
        Assert.Equal(2, _visit.Count(v => v.Phase == GcPhase.Start));
        Assert.Equal(2, _visit.Count(v => v.Phase == GcPhase.Stop));
        Assert.Equal(new[] { (1, GcPhase.Start), (2, GcPhase.Start), (1, GcPhase.Stop), (2, GcPhase.Stop) }, _visit.Select(v => (v.Callback, v.Phase)));
    }

    [Fact]
    public void test_collect_generation()
    {
        Gc.Collect(2);
        Assert.NotEmpty(_visit);
        Assert.All(_visit, v => Assert.Equal(2, v.Info.Generation));
    }

    [Fact]
    public void test_collect_garbage()
    {
        var legacy = new Heap(FinalizationMode.Legacy);
        using HeapScope scope = legacy.Activate();
        Gc.Disable();
        Gc.Callbacks.Add(_cb1);
        Gc.Callbacks.Add(_cb2);

        // Each Uncollectable() makes two objects garbage; the C1055820 self-loop is collectable.
        new Uncollectable().DecRef();
        new Uncollectable().DecRef();
        new C1055820(666).DecRef();
        Gc.Collect();
        foreach (var v in _visit.Where(v => v.Phase == GcPhase.Stop))
        {
            Assert.Equal(1, v.Info.Collected); // the original: 2 (instance and __dict__)
            Assert.Equal(4, v.Info.Uncollectable);
        }

        // We should now have the Uncollectables in gc.garbage.
        Assert.Equal(4, Gc.Garbage.Count);
        Assert.All(Gc.Garbage, e => Assert.IsType<Uncollectable>(e));

        // Now, let our callback handle the Uncollectable instances.
        _cleanup = true;
        _visit.Clear();
        Gc.Garbage.Clear();
        Gc.Collect();
        foreach (var v in _visit.Where(v => v.Phase == GcPhase.Stop))
        {
            Assert.Equal(0, v.Info.Collected);
            Assert.Equal(4, v.Info.Uncollectable);
        }

        // Uncollectables should be gone.
        Assert.Empty(Gc.Garbage);
        Assert.Equal(1, legacy.LiveObjectCount); // only gc.garbage itself
    }

    private sealed class Uncollectable : RefObject
    {
        public Uncollectable? Partner;

        public Uncollectable(Uncollectable? partner = null)
        {
            if (partner is null)
            {
                Partner = new Uncollectable(this);
            }
            else
            {
                partner.IncRef();
                Partner = partner;
            }
        }

        protected override void OnFinalize()
        {
        }
    }
}

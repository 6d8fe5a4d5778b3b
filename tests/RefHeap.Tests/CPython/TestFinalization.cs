using System;
using System.Collections.Generic;
using System.Linq;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.CPython;

// Ports of CPython 3.11's Lib/test/test_finalization.py. Python's id() becomes a per-test sequence number; the
// class-wide lists of the original (del_calls, survivors, errors) live in a Recorder each object is given.

/// <summary>What the finalizers under test did (the original's class-level lists).</summary>
public sealed class Recorder
{
    private int _nextId;

    public Recorder(Heap heap) => Survivors = new RefList<RefObject>(heap);

    public List<int> DelCalls { get; } = new();

    public List<Exception> Errors { get; } = new();

    /// <summary>Resurrectors store themselves here: a strong reference, like <c>survivors.append(self)</c>.</summary>
    public RefList<RefObject> Survivors { get; }

    public bool Cleaning { get; set; }

    public int NewId() => ++_nextId;

    public IEnumerable<int> SurvivorIds => Survivors.Cast<Finalizable>().Select(s => s.Id);
}

/// <summary>SimpleBase: records its finalization, checks its own sanity, then runs a side effect.</summary>
public class Finalizable : RefObject
{
    public Finalizable(Recorder recorder)
    {
        Recorder = recorder;
        Id = recorder.NewId();
    }

    public Recorder Recorder { get; }

    public int Id { get; }

    protected override void OnFinalize()
    {
        try
        {
            if (!Recorder.Cleaning)
            {
                Recorder.DelCalls.Add(Id);
                CheckSanity();
                SideEffect();
            }
        }
        catch (Exception ex)
        {
            Recorder.Errors.Add(ex);
        }
    }

    protected virtual void CheckSanity()
    {
    }

    protected virtual void SideEffect()
    {
    }

    protected void Resurrect() => Recorder.Survivors.Add(this);
}

public sealed class Simple : Finalizable
{
    public Simple(Recorder recorder)
        : base(recorder)
    {
    }
}

public sealed class SimpleResurrector : Finalizable
{
    public SimpleResurrector(Recorder recorder)
        : base(recorder)
    {
    }

    protected override void SideEffect() => Resurrect();
}

/// <summary>NonGC: no strong fields, so the collector does not track it.</summary>
public sealed class NonGC : Finalizable
{
    public NonGC(Recorder recorder)
        : base(recorder)
    {
    }
}

public sealed class NonGCResurrector : Finalizable
{
    public NonGCResurrector(Recorder recorder)
        : base(recorder)
    {
    }

    protected override void SideEffect() => Resurrect();
}

/// <summary>SelfCycleBase: <c>self.ref = self</c>; sane while the cycle is intact.</summary>
public class SelfCycle : Finalizable
{
    public SelfCycle? Ref;

    public SelfCycle(Recorder recorder)
        : base(recorder)
    {
        Ref = this;
        IncRef();
    }

    protected override void CheckSanity()
    {
        if (!ReferenceEquals(Ref, this))
        {
            throw new InvalidOperationException("self.ref is not self: the object was cleared before its finalizer ran");
        }
    }
}

public sealed class SelfCycleResurrector : SelfCycle
{
    public SelfCycleResurrector(Recorder recorder)
        : base(recorder)
    {
    }

    protected override void SideEffect() => Resurrect();
}

public sealed class SuicidalSelfCycle : SelfCycle
{
    public SuicidalSelfCycle(Recorder recorder)
        : base(recorder)
    {
    }

    protected override void SideEffect() => RefField.Clear(ref Ref);
}

/// <summary>ChainedBase: a ring of nodes linked both ways; each checks its neighbours' links when finalized.</summary>
public class Chained : Finalizable
{
    public Chained? Left;

    public Chained? Right;

    public Chained(Recorder recorder)
        : base(recorder)
    {
    }

    public bool Suicided { get; private set; }

    public void Chain(Chained left)
    {
        RefField.Set(ref Left, left);
        RefField.Set(ref left.Right, this);
    }

    protected override void CheckSanity()
    {
        if (Suicided)
        {
            Check(Left is null && Right is null, "a suicided node kept a link");
            return;
        }

        Chained left = Left ?? throw new InvalidOperationException("left link cleared before finalization");
        Check(left.Suicided ? left.Right is null : ReferenceEquals(left.Right, this), "left.right is not self");
        Chained right = Right ?? throw new InvalidOperationException("right link cleared before finalization");
        Check(right.Suicided ? right.Left is null : ReferenceEquals(right.Left, this), "right.left is not self");
    }

    protected void Suicide()
    {
        Suicided = true;
        RefField.Clear(ref Left);
        RefField.Clear(ref Right);
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}

public sealed class SimpleChained : Chained
{
    public SimpleChained(Recorder recorder)
        : base(recorder)
    {
    }
}

public sealed class ChainedResurrector : Chained
{
    public ChainedResurrector(Recorder recorder)
        : base(recorder)
    {
    }

    protected override void SideEffect() => Resurrect();
}

public sealed class SuicidalChained : Chained
{
    public SuicidalChained(Recorder recorder)
        : base(recorder)
    {
    }

    protected override void SideEffect() => Suicide();
}

/// <summary>TestBase plus SimpleBase.test(): a fresh heap with gc disabled; garbage must be empty at the end.</summary>
public abstract class FinalizationTestBase : IDisposable
{
    private readonly TestHeap _heap;

    protected FinalizationTestBase(FinalizationMode mode = FinalizationMode.Pep442)
    {
        _heap = new TestHeap(mode);
        Recorder = new Recorder(_heap.Heap);
    }

    protected Recorder Recorder { get; }

    public virtual void Dispose()
    {
        Recorder.Cleaning = true;
        Recorder.Survivors.Clear();
        Gc.Collect();
        Assert.Empty(Recorder.Errors);
        Assert.Empty(Gc.Garbage);
        Recorder.Survivors.DecRef();
        _heap.Dispose();
    }

    protected void AssertDelCalls(IEnumerable<int> ids) => Assert.Equal(ids.OrderBy(i => i), Recorder.DelCalls.OrderBy(i => i));

    protected void AssertSurvivors(IEnumerable<int> ids) => Assert.Equal(ids.OrderBy(i => i), Recorder.SurvivorIds.OrderBy(i => i));

    protected void ClearSurvivors() => Recorder.Survivors.Clear();
}

public class SimpleFinalizationTest : FinalizationTestBase
{
    [Fact]
    public void test_simple() => CheckSimple(new Simple(Recorder));

    [Fact]
    public void test_simple_resurrect() => CheckResurrect(new SimpleResurrector(Recorder));

    [Fact]
    public void test_non_gc()
    {
        var s = new NonGC(Recorder);
        Assert.False(Gc.IsTracked(s));
        CheckSimple(s);
    }

    [Fact]
    public void test_non_gc_resurrect()
    {
        var s = new NonGCResurrector(Recorder);
        Assert.False(Gc.IsTracked(s));
        CheckResurrect(s);
    }

    private void CheckSimple(Finalizable s)
    {
        int[] ids = { s.Id };
        var wr = new WeakRef<Finalizable>(s);
        s.DecRef();
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(Array.Empty<int>());
        Assert.Null(wr.Target);
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(Array.Empty<int>());
    }

    private void CheckResurrect(Finalizable s)
    {
        int[] ids = { s.Id };
        var wr = new WeakRef<Finalizable>(s);
        s.DecRef();
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(ids);
        Assert.NotNull(wr.Target);
        ClearSurvivors();
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(Array.Empty<int>());
        Assert.Null(wr.Target);
    }
}

public class SelfCycleFinalizationTest : FinalizationTestBase
{
    [Fact]
    public void test_simple()
    {
        var s = new SelfCycle(Recorder);
        int[] ids = { s.Id };
        var wr = new WeakRef<SelfCycle>(s);
        s.DecRef();
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(Array.Empty<int>());
        Assert.Null(wr.Target);
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(Array.Empty<int>());
    }

    [Fact]
    public void test_simple_resurrect()
    {
        var s = new SelfCycleResurrector(Recorder);
        int[] ids = { s.Id };
        var wr = new WeakRef<SelfCycle>(s);
        s.DecRef();
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(ids);
        Assert.Null(wr.Target); // weak references are cleared before finalizers run, even if they resurrect
        ClearSurvivors();
        Gc.Collect();
        AssertDelCalls(ids); // the finalizer does not run a second time, and does not resurrect again
        AssertSurvivors(Array.Empty<int>());
        Assert.Null(wr.Target);
    }

    [Fact]
    public void test_simple_suicide()
    {
        var s = new SuicidalSelfCycle(Recorder);
        int[] ids = { s.Id };
        var wr = new WeakRef<SelfCycle>(s);
        s.DecRef();
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(Array.Empty<int>());
        Assert.Null(wr.Target);
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(Array.Empty<int>());
        Assert.Null(wr.Target);
    }
}

public class CycleChainFinalizationTest : FinalizationTestBase
{
    [Fact]
    public void test_homogenous() => CheckNonResurrectingChain(Repeat(r => new SimpleChained(r), 3));

    [Fact]
    public void test_homogenous_resurrect() => CheckResurrectingChain(Repeat(r => new ChainedResurrector(r), 3));

    [Fact]
    public void test_homogenous_suicidal() => CheckNonResurrectingChain(Repeat(r => new SuicidalChained(r), 3));

    [Fact]
    public void test_heterogenous_suicidal_one() =>
        CheckNonResurrectingChain(Repeat(r => new SuicidalChained(r), r => new SimpleChained(r), 2));

    [Fact]
    public void test_heterogenous_suicidal_two() =>
        CheckNonResurrectingChain(Repeat(r => new SuicidalChained(r), 2).Concat(Repeat(r => new SimpleChained(r), 2)).ToArray());

    [Fact]
    public void test_heterogenous_suicidal_three() =>
        CheckNonResurrectingChain(Repeat(r => new SimpleChained(r), 2).Concat(Repeat(r => new SuicidalChained(r), 2)).ToArray());

    [Fact]
    public void test_heterogenous_resurrect_one() =>
        CheckResurrectingChain(Repeat(r => new ChainedResurrector(r), r => new SimpleChained(r), 2));

    [Fact]
    public void test_heterogenous_resurrect_two() =>
        CheckResurrectingChain(Enumerable.Range(0, 2).SelectMany(_ => new Func<Recorder, Chained>[] { r => new ChainedResurrector(r), r => new SimpleChained(r), r => new SuicidalChained(r) }).ToArray());

    [Fact]
    public void test_heterogenous_resurrect_three() =>
        CheckResurrectingChain(Repeat(r => new ChainedResurrector(r), 2).Concat(Repeat(r => new SimpleChained(r), 2)).Concat(Repeat(r => new SuicidalChained(r), 2)).ToArray());

    private static Func<Recorder, Chained>[] Repeat(Func<Recorder, Chained> make, int count) => Enumerable.Repeat(make, count).ToArray();

    private static Func<Recorder, Chained>[] Repeat(Func<Recorder, Chained> first, Func<Recorder, Chained> second, int count) =>
        Enumerable.Range(0, count).SelectMany(_ => new[] { first, second }).ToArray();

    /// <summary>build_chain: node i's left is node i-1 (the first's left is the last): a ring.</summary>
    private List<Chained> BuildChain(IEnumerable<Func<Recorder, Chained>> classes)
    {
        List<Chained> nodes = classes.Select(make => make(Recorder)).ToList();
        for (int i = 0; i < nodes.Count; i++)
        {
            nodes[i].Chain(nodes[(i - 1 + nodes.Count) % nodes.Count]);
        }

        return nodes;
    }

    private void CheckNonResurrectingChain(Func<Recorder, Chained>[] classes)
    {
        List<Chained> nodes = BuildChain(classes);
        int[] ids = nodes.Select(n => n.Id).ToArray();
        var wrs = nodes.Select(n => new WeakRef<Chained>(n)).ToList();
        nodes.ForEach(n => n.DecRef());
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(Array.Empty<int>());
        Assert.All(wrs, wr => Assert.Null(wr.Target));
        Gc.Collect();
        AssertDelCalls(ids);
    }

    private void CheckResurrectingChain(Func<Recorder, Chained>[] classes)
    {
        List<Chained> nodes = BuildChain(classes);
        int[] ids = nodes.Select(n => n.Id).ToArray();
        int[] survivorIds = nodes.OfType<ChainedResurrector>().Select(n => n.Id).ToArray();
        var wrs = nodes.Select(n => new WeakRef<Chained>(n)).ToList();
        nodes.ForEach(n => n.DecRef());
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(survivorIds);
        Assert.All(wrs, wr => Assert.Null(wr.Target));
        ClearSurvivors();
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(Array.Empty<int>());
    }
}

/// <summary>
/// LegacyFinalizationTest: on a <see cref="FinalizationMode.Legacy"/> heap <c>OnFinalize</c> is the <c>tp_del</c>
/// slot (the original's separate <c>__del__</c> is not modelled: a legacy heap has only the legacy finalizer).
/// </summary>
public class LegacyFinalizationTest : FinalizationTestBase
{
    public LegacyFinalizationTest()
        : base(FinalizationMode.Legacy)
    {
    }

    public override void Dispose()
    {
        // These tests create uncollectable objects: let them go before the base checks that garbage is empty.
        Gc.Garbage.Clear();
        Gc.Collect();
        base.Dispose();
    }

    [Fact]
    public void test_legacy()
    {
        var s = new Simple(Recorder);
        int[] ids = { s.Id };
        var wr = new WeakRef<Finalizable>(s);
        s.DecRef();
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(Array.Empty<int>());
        Assert.Null(wr.Target);
        Gc.Collect();
        AssertDelCalls(ids);
    }

    [Fact]
    public void test_legacy_resurrect()
    {
        var s = new SimpleResurrector(Recorder);
        int[] ids = { s.Id };
        var wr = new WeakRef<Finalizable>(s);
        s.DecRef();
        Gc.Collect();
        AssertDelCalls(ids);
        AssertSurvivors(ids);
        Assert.Null(wr.Target); // weak references are cleared before tp_del is called
        ClearSurvivors();
        Gc.Collect();
        AssertDelCalls(ids.Concat(ids)); // tp_del runs on every death, and resurrects again
        AssertSurvivors(ids);
        ClearSurvivors();
    }

    [Fact]
    public void test_legacy_self_cycle()
    {
        var s = new SelfCycle(Recorder);
        int[] ids = { s.Id };
        var wr = new WeakRef<SelfCycle>(s);
        s.DecRef();
        Gc.Collect();
        AssertDelCalls(Array.Empty<int>());
        AssertSurvivors(Array.Empty<int>());
        Assert.Equal(ids, Gc.Garbage.Cast<Finalizable>().Select(g => g.Id));
        Assert.NotNull(wr.Target); // uncollectable objects keep their weak references

        // Break the cycle to allow collection.
        RefField.Clear(ref ((SelfCycle)Gc.Garbage[0]).Ref);
        Recorder.Cleaning = true;
        Gc.Garbage.Clear();
        Assert.Empty(Gc.Garbage);
        Assert.Null(wr.Target);
    }
}

using RefHeap;
using Xunit;

namespace RefSafety.Tests.Hazards;

/// <summary>REFS021: a finalizer that stores this in a static list resurrects the object; under PEP 442 it never finalizes again.</summary>
public class REFS021ResurrectionHazard
{
    [Fact]
    public void ResurrectedObjectOutlivesItsLastOwnerAndIsNotFinalizedAgain()
    {
        using var heap = new HazardHeap();
        var pool = new RefList<Pooled>();
        Pooled.Pool = pool;
        var obj = new Pooled();

        obj.DecRef();                                 // the last owner lets go

        Assert.True(obj.IsAlive);                     // resurrected into the pool
        Assert.Equal(1, Pooled.Finalized);
        Assert.True(Gc.IsFinalized(obj));
        pool.Clear();                                 // second death: the finalizer does not run again
        Assert.False(obj.IsAlive);
        Assert.Equal(1, Pooled.Finalized);
        pool.DecRef();
        Pooled.Pool = null;
    }

    [Fact]
    public void OwnerReturningTheObjectExplicitlyKeepsItAndItsFinalizerStillRuns()
    {
        using var heap = new HazardHeap();
        var pool = new RefList<Returned>();
        var obj = new Returned();
        pool.Add(obj);                                // the owner returns it while it is alive
        obj.DecRef();
        Assert.True(obj.IsAlive);
        Assert.Equal(0, Returned.Finalized);

        pool.DecRef();

        Assert.False(obj.IsAlive);
        Assert.Equal(1, Returned.Finalized);
    }

    private sealed class Pooled : RefObject
    {
        [System.ThreadStatic]
        public static RefList<Pooled>? Pool;

        [System.ThreadStatic]
        public static int Finalized;

        protected override void OnFinalize()
        {
            Finalized++;
            Pool?.Add(this);                          // REFS021
        }
    }

    private sealed class Returned : RefObject
    {
        [System.ThreadStatic]
        public static int Finalized;

        protected override void OnFinalize() => Finalized++;
    }
}

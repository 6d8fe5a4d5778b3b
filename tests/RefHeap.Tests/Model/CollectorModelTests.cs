using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CsCheck;
using RefHeap;
using RefHeap.Tests.Threading;
using Xunit;

namespace RefHeap.Tests.Model;

/// <summary>
/// Model-based random tests: random programs of new / IncRef / DecRef / field store / field clear / weak reference /
/// collect(generation) run against RefHeap and against a small reference model of reachability, generations and
/// counts. After every step the runtime must agree with the model exactly: which objects are alive, every reference
/// count, the live-object count, the allocation counts, the per-generation statistics and the weak references.
/// The program is one async flow that hops to a new thread now and then (the heap moves with it), and another thread
/// now and then tries to use an object while the flow holds the heap: that must throw and change nothing.
/// </summary>
public class CollectorModelTests
{
    public enum OpKind
    {
        New,
        IncRef,
        DecRef,
        Store,
        Clear,
        Weak,
        Collect,
        SwitchThread,
        ForeignUse,
    }

    public readonly record struct Op(OpKind Kind, int X, int Y, int Field);

    private static readonly Gen<OpKind> GenKind = Gen.Int[0, 99].Select(k => k switch
    {
        < 20 => OpKind.New,
        < 30 => OpKind.IncRef,
        < 50 => OpKind.DecRef,
        < 75 => OpKind.Store,
        < 82 => OpKind.Clear,
        < 88 => OpKind.Weak,
        < 95 => OpKind.Collect,
        < 98 => OpKind.SwitchThread,
        _ => OpKind.ForeignUse,
    });

    private static readonly Gen<Op[]> GenProgram =
        Gen.Select(GenKind, Gen.Int[0, 1000], Gen.Int[0, 1000], Gen.Int[0, 1], (k, x, y, f) => new Op(k, x, y, f)).Array[1, 80];

    [Fact]
    public void Pep442HeapAgreesWithTheModel() =>
        GenProgram.Sample(program => new Simulation(FinalizationMode.Pep442).RunAsync(program).GetAwaiter().GetResult(), iter: 400);

    [Fact]
    public void LegacyHeapAgreesWithTheModelIncludingUncollectableGarbage() =>
        GenProgram.Sample(program => new Simulation(FinalizationMode.Legacy).RunAsync(program).GetAwaiter().GetResult(), iter: 400);

    private class Obj : RefObject
    {
        public RefObject? A;

        public RefObject? B;
    }

    private sealed class FinalizedObj : Obj
    {
        public int Finalized;

        protected override void OnFinalize() => Finalized++;
    }

    private sealed class ModelObject
    {
        public required Obj Real { get; init; }

        public required bool HasFinalizer { get; init; }

        public int DriverRefs;

        public int GarbageRefs;

        public ModelObject? A;

        public ModelObject? B;

        public bool Alive = true;

        public int Generation;
    }

    private sealed class Simulation
    {
        private readonly FinalizationMode _mode;
        private readonly List<ModelObject> _objects = new();
        private readonly List<(WeakRef<Obj> Ref, ModelObject Target)> _weakRefs = new();
        private readonly int[] _counts = new int[3];
        private readonly GcGenerationStats[] _stats = new GcGenerationStats[3];
        private bool _garbageListExists;

        public Simulation(FinalizationMode mode) => _mode = mode;

        public async Task RunAsync(Op[] program)
        {
            using var heap = new TestHeap(_mode);
            foreach (Op op in program)
            {
                if (op.Kind == OpKind.SwitchThread)
                {
                    int before = Environment.CurrentManagedThreadId;
                    await new ThreadSwitch();
                    Assert.NotEqual(before, Environment.CurrentManagedThreadId);
                }
                else if (op.Kind == OpKind.ForeignUse)
                {
                    TryFromAnotherThread(heap.Heap, op);
                }
                else
                {
                    Step(op);
                }

                CheckAgreement(heap.Heap, op);
            }
        }

        // While this flow holds the heap, another thread's use of an object must be refused before it changes anything.
        private void TryFromAnotherThread(Heap heap, Op op)
        {
            List<ModelObject> owned = Owned;
            if (owned.Count == 0)
            {
                return;
            }

            Obj target = owned[op.X % owned.Count].Real;
            Action use = (op.Y % 4) switch
            {
                0 => target.IncRef,
                1 => target.DecRef,
                2 => () => Gc.IsTracked(target),
                _ => () => Gc.Collect(),
            };
            heap.AcquireTimeout = TimeSpan.Zero;
            Exception? caught = ThreadAssert.OnOtherThread(use);
            heap.AcquireTimeout = TimeSpan.FromSeconds(5);
            ThreadAssert.RefusedBy(caught, Environment.CurrentManagedThreadId);
        }

        private List<ModelObject> Owned => _objects.Where(o => o.Alive && o.DriverRefs > 0).ToList();

        private void Step(Op op)
        {
            List<ModelObject> owned = Owned;
            ModelObject? x = owned.Count > 0 ? owned[op.X % owned.Count] : null;
            ModelObject? y = owned.Count > 0 ? owned[op.Y % owned.Count] : null;
            switch (op.Kind)
            {
                case OpKind.New:
                    bool finalizer = op.X % 4 == 0;
                    _objects.Add(new ModelObject { Real = finalizer ? new FinalizedObj() : new Obj(), HasFinalizer = finalizer, DriverRefs = 1 });
                    _counts[0]++;
                    break;
                case OpKind.IncRef when x is not null:
                    x.Real.IncRef();
                    x.DriverRefs++;
                    break;
                case OpKind.DecRef when x is not null:
                    x.Real.DecRef();
                    x.DriverRefs--;
                    Cascade();
                    break;
                case OpKind.Store when x is not null && y is not null:
                    if (op.Field == 0)
                    {
                        RefField.Set(ref x.Real.A, y.Real);
                        x.A = y;
                    }
                    else
                    {
                        RefField.Set(ref x.Real.B, y.Real);
                        x.B = y;
                    }

                    Cascade();
                    break;
                case OpKind.Clear when x is not null:
                    if (op.Field == 0)
                    {
                        RefField.Clear(ref x.Real.A);
                        x.A = null;
                    }
                    else
                    {
                        RefField.Clear(ref x.Real.B);
                        x.B = null;
                    }

                    Cascade();
                    break;
                case OpKind.Weak when x is not null:
                    _weakRefs.Add((new WeakRef<Obj>(x.Real), x));
                    break;
                case OpKind.Collect:
                    Collect(op.Y % 3);
                    break;
            }
        }

        private int RefCount(ModelObject o) =>
            o.DriverRefs + o.GarbageRefs + _objects.Count(p => p.Alive && ReferenceEquals(p.A, o)) + _objects.Count(p => p.Alive && ReferenceEquals(p.B, o));

        /// <summary>Reference counting: objects whose count reached zero die and release their fields, repeatedly.</summary>
        private void Cascade()
        {
            bool changed = true;
            while (changed)
            {
                changed = false;
                foreach (ModelObject o in _objects.Where(o => o.Alive && RefCount(o) == 0).ToList())
                {
                    o.Alive = false;
                    if (_counts[0] > 0)
                    {
                        _counts[0]--;
                    }

                    changed = true;
                }
            }
        }

        private void Collect(int generation)
        {
            long expected = Gc.Collect(generation);

            if (generation + 1 < 3)
            {
                _counts[generation + 1]++;
            }

            for (int i = 0; i <= generation; i++)
            {
                _counts[i] = 0;
            }

            // The set collected; references from outside it (the driver, gc.garbage, older objects) are roots.
            var set = _objects.Where(o => o.Alive && o.Generation <= generation).ToHashSet();
            var reachable = set.Where(o => o.DriverRefs + o.GarbageRefs > 0
                || _objects.Any(p => p.Alive && !set.Contains(p) && (ReferenceEquals(p.A, o) || ReferenceEquals(p.B, o)))).ToHashSet();
            Close(reachable, set);
            var unreachable = set.Where(o => !reachable.Contains(o)).ToList();

            // Legacy finalizers and everything they reach inside the trash are uncollectable.
            var uncollectable = new HashSet<ModelObject>();
            if (_mode == FinalizationMode.Legacy)
            {
                uncollectable.UnionWith(unreachable.Where(o => o.HasFinalizer));
                Close(uncollectable, unreachable.ToHashSet());
            }

            var freed = unreachable.Where(o => !uncollectable.Contains(o)).ToList();
            freed.ForEach(o => o.Alive = false);
            Cascade();
            List<ModelObject> stillUncollectable = uncollectable.Where(o => o.Alive).ToList();
            foreach (ModelObject o in stillUncollectable.Where(o => o.HasFinalizer))
            {
                o.GarbageRefs++;
                _garbageListExists = true;
            }

            foreach (ModelObject o in set.Where(o => o.Alive))
            {
                o.Generation = Math.Min(generation + 1, 2);
            }

            GcGenerationStats s = _stats[generation];
            _stats[generation] = new GcGenerationStats(s.Collections + 1, s.Collected + freed.Count, s.Uncollectable + stillUncollectable.Count);
            Assert.Equal(freed.Count + stillUncollectable.Count, expected);
        }

        private static void Close(HashSet<ModelObject> from, HashSet<ModelObject> within)
        {
            var work = new Stack<ModelObject>(from);
            while (work.TryPop(out ModelObject? o))
            {
                foreach (ModelObject? next in new[] { o.A, o.B })
                {
                    if (next is not null && within.Contains(next) && from.Add(next))
                    {
                        work.Push(next);
                    }
                }
            }
        }

        private void CheckAgreement(Heap heap, Op op)
        {
            foreach (ModelObject o in _objects)
            {
                Assert.True(o.Alive == o.Real.IsAlive, $"after {op}: alive should be {o.Alive}");
                if (o.Alive)
                {
                    Assert.Equal(RefCount(o), o.Real.RefCount);
                    Assert.True(Gc.IsTracked(o.Real));
                    Assert.Contains(o.Real, Gc.GetObjects(o.Generation));
                }
            }

            Assert.Equal(_objects.Count(o => o.Alive) + (_garbageListExists ? 1 : 0), heap.LiveObjectCount);
            Assert.Equal((_counts[0], _counts[1], _counts[2]), Gc.GetCount());
            Assert.Equal(_stats, Gc.GetStats());
            Assert.All(_weakRefs, w => Assert.Equal(w.Target.Alive, w.Ref.IsAlive));
            Assert.Equal(_objects.Where(o => o.GarbageRefs > 0).Select(o => (RefObject)o.Real).ToHashSet(), _garbageListExists ? Gc.Garbage.ToHashSet() : new HashSet<RefObject>());
        }
    }
}

using System;
using System.Globalization;
using System.IO;
using System.Linq;
using RefHeap;
using RefSafety.Samples;

namespace Lifecycle;

/// <summary>
/// The talk on Python's memory management, one method per slide, each printing what the Python code on the slide
/// would show and what RefHeap shows. It runs on a heap of its own, so its counts and collections are its own.
/// </summary>
public sealed class Talk
{
    private readonly TextWriter _out;
    private readonly string _outputDirectory;
    private readonly GraphvizRenderer _renderer;
    private int _slide;

    private Talk(TextWriter output, string outputDirectory, GraphvizRenderer renderer)
    {
        _out = output;
        _outputDirectory = outputDirectory;
        _renderer = renderer;
    }

    /// <summary>Gives the talk to <paramref name="output"/>; the object graph pictures go to <paramref name="outputDirectory"/>.</summary>
    /// <param name="output">Where the slides are printed (the console, or a test's writer).</param>
    /// <param name="outputDirectory">Created if missing; receives the .dot files and, with Graphviz, the .svg pictures.</param>
    /// <param name="renderer">The Graphviz program to draw with; by default <c>dot</c> on <c>PATH</c>.</param>
    public static void Run(TextWriter output, string outputDirectory, GraphvizRenderer? renderer = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        var heap = new Heap { DebugOutput = output };
        using (heap.Activate())
        {
            var talk = new Talk(output, outputDirectory, renderer ?? new GraphvizRenderer());
            talk.CountingReferences();
            talk.TheDirtyHack();
            talk.LabelsReassigned();
            talk.CyclesAndGenerations();
            talk.TheGcModule();
            talk.Objgraph();
            talk.FinalizersOnACycle();
            talk.SpecialObjects();
            talk.MemoryPools();
            Gc.Collect();
            output.WriteLine();
            output.WriteLine($"tracked objects at the end: {Gc.GetObjects().Count}");
        }
    }

    private void Slide(string title)
    {
        if (_slide > 0)
        {
            _out.WriteLine();
        }

        _out.WriteLine($"== {++_slide}. {title} ==");
    }

    private void Say(FormattableString line) => _out.WriteLine(line.ToString(CultureInfo.InvariantCulture));

    /// <summary><c>ob_refcnt</c>, and watching it move (<c>sys.getrefcount</c>).</summary>
    private void CountingReferences()
    {
        Slide("Counting references: ob_refcnt");
        var a = new Node("A", _out);
        Say($"a = Node('A')          a.RefCount = {a.RefCount}");
        a.IncRef();
        Say($"a.IncRef() (Py_INCREF) a.RefCount = {a.RefCount}");
        using (var nodes = new RefList<Node>())
        {
            nodes.Add(a);
            Say($"nodes.Add(a)           a.RefCount = {a.RefCount}");
        }

        Say($"nodes released         a.RefCount = {a.RefCount}");
        a.DecRef();
        Say($"a.DecRef() (Py_DECREF) a.RefCount = {a.RefCount}");
        a.DecRef();
    }

    /// <summary>ctypes writing <c>ob_refcnt</c>: a premature free, then a new object at the old address.</summary>
    // The analyzers still count a's and b's references, which the hack made meaningless: besides REFS006 they report
    // them as never released (REFS001). That is the point of the slide, so only the consequence is silenced here.
#pragma warning disable REFS001
    private void TheDirtyHack()
    {
        Slide("The dirty hack: writing ob_refcnt (ctypes)");
        var a = new Node("A", _out);
        Node b = a;
        b.IncRef();
        long address = Gc.Id(a);
        Say($"a = Node('A'); b = a   a.RefCount = {a.RefCount}, Gc.Id(a) = 0x{address:x}");
        Say($"a.DangerousSetRefCount(0)   (ctypes.c_long.from_address(id(a)).value = 0)");
        a.DangerousSetRefCount(0);
        Say($"a.IsAlive = {a.IsAlive}, though b still points at it");
        try
        {
            b.IncRef();
        }
        catch (ReleasedObjectException e)
        {
            // The message's first line: ObjectDisposedException appends the object name on a second one.
            Say($"b.IncRef() -> {e.GetType().Name}: {e.Message.Split('\n')[0]}");
        }

        var c = new Node("C", _out);
        Say($"c = Node('C')          Gc.Id(c) = 0x{Gc.Id(c):x}");
        Say($"Gc.Id(c) == Gc.Id(a): {Gc.Id(c) == address} (c took a's freed block: in CPython, b would now read c)");
        c.DecRef();
    }
#pragma warning restore REFS001

    /// <summary>Names are labels: rebinding one releases what it pointed to.</summary>
    private void LabelsReassigned()
    {
        Slide("Labels, not boxes: n1 = Node('ABC') ... n1 = Node('JKL')");
        Node? n1 = new Node("ABC", _out);
        Node? n2 = new Node("DEF", _out);
        Say($"n1 = Node('ABC'); n2 = Node('DEF')");
        Say($"n1 = Node('JKL')       RefField.Move(ref n1, new Node(\"JKL\")): store, release the old value");
        RefField.Move(ref n1, new Node("JKL", _out));
        Say($"n2 = n1                RefField.Set(ref n2, n1): keep the new value, release the old one");
        RefField.Set(ref n2, n1);
        Say($"n1 and n2 are {n1!.Name} and {n2!.Name}: RefCount = {n1.RefCount}");
        RefField.Clear(ref n1);
        RefField.Clear(ref n2);
    }

    /// <summary>A cycle that counting cannot free, and the three generations that find it.</summary>
    private void CyclesAndGenerations()
    {
        Slide("Reference cycles and generational collection");
        Say($"Gc.GetThreshold() = {Gc.GetThreshold()}");
        Say($"Gc.GetCount() = {Gc.GetCount()}");
        var x = new Node("X", _out);
        var y = new Node("Y", _out);
        RefField.Set(ref x.Next, y);
        RefField.Set(ref y.Next, x);
        Say($"x.Next = y; y.Next = x  counts {x.RefCount} and {y.RefCount}; Gc.GetCount() = {Gc.GetCount()}");
        x.DecRef();
        y.DecRef();
        Say($"x and y released       counts {x.RefCount} and {y.RefCount}: counting cannot free a cycle");
        Say($"Gc.Collect(0) = {Gc.Collect(0)} unreachable objects freed");

        var survivor = new Node("S", _out);
        Gc.Collect(0);
        Say($"a survivor of a generation 0 collection is in generation 1: {Gc.GetObjects(1).Contains(survivor)}");
        Gc.Collect(1);
        Say($"and after a generation 1 collection, in generation 2: {Gc.GetObjects(2).Contains(survivor)}");
        survivor.DecRef();

        // Automatic collection: a generation 0 collection starts when allocations minus deallocations of tracked
        // objects pass threshold 0; once more than threshold 1 of those have run, the next one takes generation 1 too.
        int automatic = 0;
        long freed = 0;
        Action<GcPhase, GcCallbackInfo> count = (phase, info) =>
        {
            if (phase == GcPhase.Stop)
            {
                automatic++;
                freed += info.Collected;
            }
        };
        Gc.SetThreshold(10);
        Gc.Callbacks.Add(count);
        for (int i = 0; i < 25; i++)
        {
            var selfReferencing = new RefList<RefObject>();
            selfReferencing.Add(selfReferencing);
            selfReferencing.DecRef();
        }

        Gc.Callbacks.Remove(count);
        Gc.SetThreshold(700);
        Say($"25 self-referencing lists with threshold 10: {automatic} automatic collections freed {freed}");
        Say($"Gc.Collect() = {Gc.Collect()}");
        Say($"Gc.GetStats(): {string.Join(", ", Gc.GetStats().Select((s, g) => $"gen {g}: {s.Collections} collections, {s.Collected} collected"))}");
    }

    /// <summary>The gc module: who refers to what, and DEBUG_LEAK.</summary>
    private void TheGcModule()
    {
        Slide("The gc module: referrers, referents, DEBUG_LEAK");
        var p = new Node("P", _out);
        var q = new Node("Q", _out);
        RefField.Set(ref p.Next, q);
        RefField.Set(ref q.Next, p);
        Say($"Gc.GetReferrers(q) = [{string.Join(", ", Gc.GetReferrers(q))}]");
        Say($"Gc.GetReferents(p) = [{string.Join(", ", Gc.GetReferents(p))}]");
        p.DecRef();
        q.DecRef();
        Gc.SetDebug(GcDebugFlags.Leak);
        Say($"Gc.SetDebug(GcDebugFlags.Leak); Gc.Collect():");
        long found = Gc.Collect();
        Say($"Gc.Collect() = {found}; Gc.Garbage = [{string.Join(", ", Gc.Garbage)}] (DEBUG_SAVEALL keeps them)");
        Gc.SetDebug(GcDebugFlags.None);
        Say($"Gc.Garbage.Clear(); Gc.Collect():");
        Gc.Garbage.Clear();
        Say($"Gc.Collect() = {Gc.Collect()}");
    }

    /// <summary>objgraph's show_refs and show_backrefs, written as DOT and drawn by Graphviz.</summary>
    private void Objgraph()
    {
        Slide("objgraph: show_refs and show_backrefs");
        var tree = new Node("root", _out);
        var left = new Node("left", _out);
        var right = new Node("right", _out);
        RefField.Set(ref tree.Next, left);
        RefField.Set(ref left.Next, right);
        using var siblings = new RefList<Node>();
        siblings.Add(right);
        left.DecRef();
        right.DecRef();

        var inspector = new HeapInspector();
        Say($"most common types: {string.Join(", ", inspector.MostCommonTypes(3).Select(t => $"{t.Type} {t.Count}"))}");
        GraphFiles.Write(_out, inspector.ShowRefs(new RefObject[] { tree }), _outputDirectory, "lifecycle-refs", "ShowRefs([root])", _renderer);
        GraphFiles.Write(_out, inspector.ShowBackrefs(new RefObject[] { right }), _outputDirectory, "lifecycle-backrefs", "ShowBackrefs([right])", _renderer);
        tree.DecRef();
    }

    /// <summary><c>__del__</c> on objects in a cycle, before and after PEP 442.</summary>
    private void FinalizersOnACycle()
    {
        Slide("Finalizers on a cycle: legacy (before Python 3.4) and PEP 442");
        foreach (FinalizationMode mode in new[] { FinalizationMode.Legacy, FinalizationMode.Pep442 })
        {
            var heap = new Heap(mode) { DebugOutput = _out };
            using (heap.Activate())
            {
                var x = new Node("X", _out);
                var y = new Node("Y", _out);
                RefField.Set(ref x.Next, y);
                RefField.Set(ref y.Next, x);
                x.DecRef();
                y.DecRef();
                Say($"{mode}: a cycle of two nodes with finalizers, Gc.Collect():");
                long collected = Gc.Collect();
                Say($"{mode}: Gc.Collect() = {collected}, Gc.Garbage holds {Gc.Garbage.Count}");
                if (Gc.Garbage.Count > 0)
                {
                    // What Python 2 programs did: break the cycles in gc.garbage by hand, then drop the list.
                    Say($"{mode}: uncollectable: the finalizers did not run and the nodes stay alive in Gc.Garbage");
                    Say($"{mode}: breaking the cycle by hand and clearing Gc.Garbage:");
                    foreach (Node node in Gc.Garbage.OfType<Node>())
                    {
                        RefField.Clear(ref node.Next);
                    }

                    Gc.Garbage.Clear();
                }

                Say($"{mode}: nodes left: {Gc.GetObjects().OfType<Node>().Count()}");
            }
        }
    }

    /// <summary>Small ints and interned strings: one immortal object per value.</summary>
    private void SpecialObjects()
    {
        Slide("Special objects: small ints and interned strings");
        RefInt five = RefInt.FromInt64(5);
        RefInt fiveAgain = RefInt.FromInt64(5);
        Say($"RefInt.FromInt64(5) twice: same object {ReferenceEquals(five, fiveAgain)}, immortal {five.IsImmortal}, RefCount {five.RefCount}");
        five.DecRef(); // a no-op on an immortal object, kept so that the code is right whatever the value
        fiveAgain.DecRef();
        RefInt big = RefInt.FromInt64(1000);
        RefInt bigAgain = RefInt.FromInt64(1000);
        Say($"RefInt.FromInt64(1000) twice: same object {ReferenceEquals(big, bigAgain)}, RefCount {big.RefCount} (outside -5..256)");
        big.DecRef();
        bigAgain.DecRef();
        RefString interned = RefString.Intern("refsafety");
        RefString internedAgain = RefString.Intern("refsafety");
        Say($"RefString.Intern(\"refsafety\") twice: same object {ReferenceEquals(interned, internedAgain)}, immortal {interned.IsImmortal}");
        interned.DecRef();
        internedAgain.DecRef();
        RefString made = RefString.FromString("refsafety");
        RefString madeAgain = RefString.FromString("refsafety");
        Say($"RefString.FromString(\"refsafety\") twice: same object {ReferenceEquals(made, madeAgain)}");
        made.DecRef();
        madeAgain.DecRef();
    }

    /// <summary>pymalloc's arenas and pools: freed blocks stay reserved until a whole arena is empty.</summary>
    private void MemoryPools()
    {
        Slide("Memory pools and fragmentation (sys._debugmallocstats)");
        const int count = 20_000;
        var records = new Record[count];
        for (int i = 0; i < count; i++)
        {
            records[i] = new Record(i);
        }

        Report($"{count:N0} records");
        for (int i = 0; i < count; i += 2)
        {
            records[i].DecRef();
        }

        Report("every other one freed");
        for (int i = 1; i < count; i += 2)
        {
            records[i].DecRef();
        }

        Report("all freed");
    }

    private void Report(string when)
    {
        AllocatorStats stats = Gc.GetAllocatorStats();
        Say($"{when,-22} arenas {stats.ArenasCurrent,2}, {stats.BytesInUse,9:N0} of {stats.BytesReserved,9:N0} bytes in use, fragmentation {stats.Fragmentation,4:P0}");
    }
}

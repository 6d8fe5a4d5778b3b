using System.Collections.Generic;
using RefHeap;

namespace RefSafety.Samples;

/// <summary>REFS010, REFS021 and REFS022: cycles closed in a method, a resurrecting finalizer, a C# destructor.</summary>
public static class CyclesInstances
{
    /// <summary>REFS010: a.Next → b.Next → a survives both releases until Gc.Collect.</summary>
    public static void Pair()
    {
        var a = new SampleLink();
        var b = new SampleLink();
        RefField.Set(ref a.Next, b);
        RefField.Set(ref b.Next, a);
        a.DecRef();
        b.DecRef();
    }

    /// <summary>REFS010: parent.Children[] → child.Parent → parent.</summary>
    public static void Adopt(SampleTree parent, SampleTree child)
    {
        parent.Children.Add(child);
        RefField.Set(ref child.Parent, parent);
    }
}

/// <summary>A singly linked node: no REFS011 on a plain Next (see docs/rules/REFS011.md).</summary>
public sealed class SampleLink : RefObject
{
    public SampleLink? Next;
}

/// <summary>REFS021: the finalizer puts the dying object back into a static pool.</summary>
public sealed class SamplePooledConnection : RefObject
{
    public static readonly List<SamplePooledConnection> Pool = new();

    protected override void OnFinalize() => Pool.Add(this);
}

/// <summary>REFS022: a C# destructor on a RefObject type.</summary>
public sealed class SampleNativeBuffer : RefObject
{
    ~SampleNativeBuffer() => System.Console.WriteLine("runs on the .NET finalizer thread");
}

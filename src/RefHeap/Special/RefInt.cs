using System;

namespace RefHeap;

/// <summary>
/// An integer object. Like CPython's small-int cache, <see cref="FromInt64(long)"/> returns one shared immortal object
/// for every value in [<see cref="SmallIntMin"/>, <see cref="SmallIntMax"/>] ("some objects are special"), and a
/// new object for any other value.
/// </summary>
public sealed class RefInt : RefObject
{
    /// <summary>The smallest cached value (CPython's <c>-NSMALLNEGINTS</c>).</summary>
    public const int SmallIntMin = -5;

    /// <summary>The largest cached value (CPython's <c>NSMALLPOSINTS - 1</c>).</summary>
    public const int SmallIntMax = 256;

    private static readonly RefInt[] SmallInts = CreateSmallInts();

    private RefInt(long value, bool immortal)
        : base(immortal)
    {
        Value = value;
    }

    private RefInt(long value, Heap heap)
        : base(heap)
    {
        Value = value;
    }

    /// <summary>The value.</summary>
    public long Value { get; }

    /// <summary>
    /// <c>PyLong_FromLong</c>: a new reference to an integer object. Small values return the cached immortal object,
    /// whose count never changes, so releasing it is harmless; callers release every result the same way.
    /// </summary>
    [return: NewReference]
    public static RefInt FromInt64(long value) => FromInt64(value, Heap.Current);

    /// <summary>Like <see cref="FromInt64(long)"/>, allocating any new object on <paramref name="heap"/>.</summary>
    [return: NewReference]
    public static RefInt FromInt64(long value, Heap heap)
    {
        ArgumentNullException.ThrowIfNull(heap);
        return value is >= SmallIntMin and <= SmallIntMax
            ? SmallInts[value - SmallIntMin]
            : new RefInt(value, heap);
    }

    /// <inheritdoc/>
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static RefInt[] CreateSmallInts()
    {
        var ints = new RefInt[SmallIntMax - SmallIntMin + 1];
        for (int i = 0; i < ints.Length; i++)
        {
            ints[i] = new RefInt(i + SmallIntMin, immortal: true);
        }

        return ints;
    }
}

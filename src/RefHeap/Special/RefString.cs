using System;
using System.Collections.Concurrent;

namespace RefHeap;

/// <summary>
/// A string object. <see cref="Intern"/> returns the one immortal object for a given text (like
/// <c>sys.intern</c> with PEP 683 immortal interned strings); <see cref="FromString(string)"/> creates a new object.
/// </summary>
public sealed class RefString : RefObject
{
    private static readonly ConcurrentDictionary<string, RefString> Interned = new(StringComparer.Ordinal);

    private RefString(string value, bool immortal)
        : base(immortal)
    {
        Value = value;
    }

    private RefString(string value, Heap heap)
        : base(heap)
    {
        Value = value;
    }

    /// <summary>The text.</summary>
    public string Value { get; }

    /// <summary>A new string object owned by the caller, on the current heap.</summary>
    [return: NewReference]
    public static RefString FromString(string value) => FromString(value, Heap.Current);

    /// <summary>A new string object owned by the caller, on <paramref name="heap"/>.</summary>
    [return: NewReference]
    public static RefString FromString(string value, Heap heap)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(heap);
        return new RefString(value, heap);
    }

    /// <summary>
    /// <c>sys.intern</c>: the shared immortal object for <paramref name="value"/>. Two calls with equal texts
    /// return the same object; it is never freed, and releasing it is harmless.
    /// </summary>
    [return: NewReference]
    public static RefString Intern(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Interned.GetOrAdd(value, static v => new RefString(v, immortal: true));
    }

    /// <inheritdoc/>
    public override string ToString() => Value;
}

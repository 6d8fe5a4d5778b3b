using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace RefHeap;

/// <summary>
/// <c>weakref.WeakValueDictionary</c>: a dictionary whose values are held weakly. An entry disappears when its
/// value dies. Removals that happen while the dictionary is being enumerated are deferred until the enumeration
/// ends, so enumerating never fails because a value died. Values read from it are borrowed references.
/// The dictionary belongs to a heap (its values' callbacks run on the thread that holds it): every member takes that
/// heap for the calling thread, and values must belong to it.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class WeakValueDictionary<TKey, TValue> : IEnumerable<KeyValuePair<TKey, TValue>>
    where TKey : notnull
    where TValue : RefObject
{
    private readonly Dictionary<TKey, WeakRef<TValue>> _entries = new();
    private readonly List<(TKey Key, WeakRef<TValue> Ref)> _pendingRemovals = new();
    private readonly Heap _heap;
    private int _iterating;

    /// <summary>Creates an empty dictionary for values of the current heap (<see cref="Heap.Current"/>).</summary>
    public WeakValueDictionary()
        : this(Heap.Current)
    {
    }

    /// <summary>Creates an empty dictionary for values of <paramref name="heap"/>.</summary>
    public WeakValueDictionary(Heap heap) => _heap = heap ?? throw new ArgumentNullException(nameof(heap));

    /// <summary>Number of entries, counting those whose removal is deferred by a running enumeration.</summary>
    public int Count
    {
        get
        {
            _heap.CheckThread("WeakValueDictionary.Count");
            return _entries.Count;
        }
    }

    /// <summary>Gets (borrowed) or stores (weakly) the value for <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No live value for the key.</exception>
    /// <exception cref="HeapMismatchException">The value belongs to another heap than the dictionary.</exception>
    public TValue this[TKey key]
    {
        [BorrowedReference]
        get => TryGetValue(key, out TValue? value) ? value : throw new KeyNotFoundException($"No live value for key '{key}'.");
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _heap.CheckThread("WeakValueDictionary.set_Item");
            _heap.CheckStore(value, "WeakValueDictionary.set_Item", "the weak-value dictionary");
            WeakRef<TValue>? entry = null;
            entry = new WeakRef<TValue>(value, _ => OnValueDied(key, entry!));
            _entries[key] = entry;
        }
    }

    /// <summary>Gets the value for <paramref name="key"/> if it is alive (a borrowed reference).</summary>
    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        _heap.CheckThread("WeakValueDictionary.TryGetValue");
        value = null;
        return _entries.TryGetValue(key, out WeakRef<TValue>? entry) && entry.TryGetTarget(out value);
    }

    /// <summary>True if the key has a live value.</summary>
    public bool ContainsKey(TKey key) => TryGetValue(key, out _);

    /// <summary>Removes the entry for <paramref name="key"/>.</summary>
    public bool Remove(TKey key)
    {
        _heap.CheckThread("WeakValueDictionary.Remove");
        return _entries.Remove(key);
    }

    /// <summary>Enumerates the entries whose value is alive (borrowed references).</summary>
    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator()
    {
        _heap.CheckThread("WeakValueDictionary.GetEnumerator");
        _iterating++;
        try
        {
            // A snapshot of the keys: a value dying during the enumeration only queues its removal.
            foreach (KeyValuePair<TKey, WeakRef<TValue>> entry in new List<KeyValuePair<TKey, WeakRef<TValue>>>(_entries))
            {
                // Each step may run after an await, on another thread.
                _heap.CheckThread("WeakValueDictionary.Enumerator");
                if (entry.Value.TryGetTarget(out TValue? value))
                {
                    yield return new KeyValuePair<TKey, TValue>(entry.Key, value);
                }
            }
        }
        finally
        {
            _heap.CheckThread("WeakValueDictionary.Enumerator");
            if (--_iterating == 0)
            {
                CommitRemovals();
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void OnValueDied(TKey key, WeakRef<TValue> entry)
    {
        if (_iterating > 0)
        {
            _pendingRemovals.Add((key, entry));
        }
        else
        {
            RemoveIfCurrent(key, entry);
        }
    }

    private void CommitRemovals()
    {
        foreach ((TKey key, WeakRef<TValue> entry) in _pendingRemovals)
        {
            RemoveIfCurrent(key, entry);
        }

        _pendingRemovals.Clear();
    }

    // The key may have been given a new value since this one was stored: remove only the entry that died.
    private void RemoveIfCurrent(TKey key, WeakRef<TValue> entry)
    {
        if (_entries.TryGetValue(key, out WeakRef<TValue>? current) && ReferenceEquals(current, entry))
        {
            _entries.Remove(key);
        }
    }
}

using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace RefHeap;

/// <summary>
/// <c>weakref.WeakKeyDictionary</c>: a dictionary whose keys are held weakly and compared by identity. An entry
/// disappears when its key dies. Removals that happen while the dictionary is being enumerated are deferred until
/// the enumeration ends. Values are held as ordinary .NET references; a value that is a <see cref="RefObject"/> is
/// not counted, so it must be kept alive by its owner (store an IncRef'd reference and release it yourself, or hold
/// it in a <see cref="RefDictionary{TKey, TValue}"/>).
/// The dictionary belongs to a heap (its keys' callbacks run on the thread that holds it): every member takes that
/// heap for the calling thread, and keys must belong to it.
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class WeakKeyDictionary<TKey, TValue> : IEnumerable<KeyValuePair<TKey, TValue>>
    where TKey : RefObject
{
    private readonly Dictionary<TKey, (WeakRef<TKey> Ref, TValue Value)> _entries = new(ReferenceEqualityComparer.Instance);
    private readonly List<(TKey Key, WeakRef<TKey> Ref)> _pendingRemovals = new();
    private readonly Heap _heap;
    private int _iterating;

    /// <summary>Creates an empty dictionary for keys of the current heap (<see cref="Heap.Current"/>).</summary>
    public WeakKeyDictionary()
        : this(Heap.Current)
    {
    }

    /// <summary>Creates an empty dictionary for keys of <paramref name="heap"/>.</summary>
    public WeakKeyDictionary(Heap heap) => _heap = heap ?? throw new ArgumentNullException(nameof(heap));

    /// <summary>Number of entries, counting those whose removal is deferred by a running enumeration.</summary>
    public int Count
    {
        get
        {
            _heap.CheckThread("WeakKeyDictionary.Count");
            return _entries.Count;
        }
    }

    /// <summary>Gets or stores the value for the live key <paramref name="key"/>.</summary>
    /// <exception cref="HeapMismatchException">The key belongs to another heap than the dictionary.</exception>
    public TValue this[TKey key]
    {
        get => TryGetValue(key, out TValue? value) ? value : throw new KeyNotFoundException("The key is not in the dictionary.");
        set
        {
            ArgumentNullException.ThrowIfNull(key);
            _heap.CheckThread("WeakKeyDictionary.set_Item");
            _heap.CheckStore(key, "WeakKeyDictionary.set_Item", "the weak-key dictionary");
            if (_entries.TryGetValue(key, out var entry) && entry.Ref.IsAlive)
            {
                _entries[key] = (entry.Ref, value);
                return;
            }

            WeakRef<TKey>? weak = null;
            weak = new WeakRef<TKey>(key, _ => OnKeyDied(key, weak!));
            _entries[key] = (weak, value);
        }
    }

    /// <summary>Gets the value for <paramref name="key"/> if the key is present.</summary>
    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        _heap.CheckThread("WeakKeyDictionary.TryGetValue");
        if (_entries.TryGetValue(key, out var entry) && entry.Ref.IsAlive)
        {
            value = entry.Value;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>True if the key is present.</summary>
    public bool ContainsKey(TKey key) => TryGetValue(key, out _);

    /// <summary>Removes the entry for <paramref name="key"/>.</summary>
    public bool Remove(TKey key)
    {
        _heap.CheckThread("WeakKeyDictionary.Remove");
        return _entries.Remove(key);
    }

    /// <summary>Enumerates the entries whose key is alive (keys are borrowed references).</summary>
    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator()
    {
        _heap.CheckThread("WeakKeyDictionary.GetEnumerator");
        _iterating++;
        try
        {
            foreach (KeyValuePair<TKey, (WeakRef<TKey> Ref, TValue Value)> entry in new List<KeyValuePair<TKey, (WeakRef<TKey>, TValue)>>(_entries))
            {
                // Each step may run after an await, on another thread.
                _heap.CheckThread("WeakKeyDictionary.Enumerator");
                if (entry.Value.Ref.IsAlive)
                {
                    yield return new KeyValuePair<TKey, TValue>(entry.Key, entry.Value.Value);
                }
            }
        }
        finally
        {
            _heap.CheckThread("WeakKeyDictionary.Enumerator");
            if (--_iterating == 0)
            {
                foreach ((TKey key, WeakRef<TKey> weak) in _pendingRemovals)
                {
                    RemoveIfCurrent(key, weak);
                }

                _pendingRemovals.Clear();
            }
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void OnKeyDied(TKey key, WeakRef<TKey> weak)
    {
        if (_iterating > 0)
        {
            _pendingRemovals.Add((key, weak));
        }
        else
        {
            RemoveIfCurrent(key, weak);
        }
    }

    private void RemoveIfCurrent(TKey key, WeakRef<TKey> weak)
    {
        if (_entries.TryGetValue(key, out var entry) && ReferenceEquals(entry.Ref, weak))
        {
            _entries.Remove(key);
        }
    }
}

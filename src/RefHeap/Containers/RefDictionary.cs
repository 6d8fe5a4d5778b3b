using System;
using System.Collections;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;

namespace RefHeap;

/// <summary>
/// A dictionary that holds a strong reference to each value (and to each key that is a <see cref="RefObject"/>),
/// like a Python dict. Storing IncRefs (the caller keeps its own references); removing or overwriting releases the
/// dictionary's references; reading gives borrowed references. Keys that are RefObjects compare by identity.
/// Every member, reads and enumeration included, takes the dictionary's heap for the calling thread (see
/// <see cref="Heap"/>), and stored keys and values must belong to the dictionary's heap (or be immortal).
/// </summary>
/// <typeparam name="TKey">The key type.</typeparam>
/// <typeparam name="TValue">The value type.</typeparam>
public sealed class RefDictionary<TKey, TValue> : RefObject, IReadOnlyDictionary<TKey, TValue>
    where TKey : notnull
    where TValue : RefObject
{
    private Dictionary<TKey, TValue> _entries = NewTable();

    /// <summary>Creates an empty dictionary on the current heap.</summary>
    public RefDictionary()
    {
    }

    /// <summary>Creates an empty dictionary on <paramref name="heap"/>.</summary>
    public RefDictionary(Heap heap)
        : base(heap)
    {
    }

    /// <summary>Number of entries.</summary>
    public int Count
    {
        get
        {
            CheckUsable("RefDictionary.Count");
            return _entries.Count;
        }
    }

    /// <summary>The keys (borrowed).</summary>
    public IEnumerable<TKey> Keys
    {
        get
        {
            CheckUsable("RefDictionary.Keys");
            return Checked(_entries.Keys, "RefDictionary.Keys");
        }
    }

    /// <summary>The values (borrowed).</summary>
    public IEnumerable<TValue> Values
    {
        get
        {
            CheckUsable("RefDictionary.Values");
            return Checked(_entries.Values, "RefDictionary.Values");
        }
    }

    /// <summary>Gets (borrowed) or stores (IncRef the new value, release the old one) the value for <paramref name="key"/>.</summary>
    public TValue this[TKey key]
    {
        [BorrowedReference]
        get
        {
            CheckUsable("RefDictionary.get_Item");
            return _entries[key];
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            CheckUsable("RefDictionary.set_Item");
            CheckStore(value, "RefDictionary.set_Item");
            if (key is RefObject refKey)
            {
                CheckStore(refKey, "RefDictionary.set_Item");
            }

            value.IncRef();
            if (_entries.TryGetValue(key, out TValue? old))
            {
                _entries[key] = value;
                old.DecRef();
            }
            else
            {
                (key as RefObject)?.IncRef();
                _entries[key] = value;
            }
        }
    }

    /// <summary>Adds an entry, IncRef-ing the value (and the key if it is a RefObject).</summary>
    /// <exception cref="ArgumentException">The key is already present.</exception>
    public void Add(TKey key, TValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        CheckUsable("RefDictionary.Add");
        if (_entries.ContainsKey(key))
        {
            throw new ArgumentException("An entry with the same key already exists.", nameof(key));
        }

        this[key] = value;
    }

    /// <summary>True if the key is present.</summary>
    public bool ContainsKey(TKey key)
    {
        CheckUsable("RefDictionary.ContainsKey");
        return _entries.ContainsKey(key);
    }

    /// <summary>Gets the value for <paramref name="key"/> (a borrowed reference).</summary>
    public bool TryGetValue(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        CheckUsable("RefDictionary.TryGetValue");
        return _entries.TryGetValue(key, out value);
    }

    /// <summary>Removes the entry and releases the dictionary's references to its key and value.</summary>
    public bool Remove(TKey key)
    {
        CheckUsable("RefDictionary.Remove");
        if (!_entries.Remove(key, out TValue? value))
        {
            return false;
        }

        (key as RefObject)?.DecRef();
        value.DecRef();
        return true;
    }

    /// <summary>Removes every entry and releases the dictionary's references.</summary>
    public void Clear()
    {
        CheckUsable("RefDictionary.Clear");
        ClearReferences();
    }

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<TKey, TValue>> GetEnumerator()
    {
        CheckUsable("RefDictionary.GetEnumerator");
        return Checked(_entries, "RefDictionary.Enumerator").GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    protected internal override void Traverse(ReferenceVisitor visitor)
    {
        foreach (KeyValuePair<TKey, TValue> entry in _entries)
        {
            if (entry.Key is RefObject key)
            {
                visitor.Visit(key);
            }

            visitor.Visit(entry.Value);
        }
    }

    /// <inheritdoc/>
    protected internal override void ClearReferences()
    {
        Dictionary<TKey, TValue> entries = _entries;
        _entries = NewTable();
        foreach (KeyValuePair<TKey, TValue> entry in entries)
        {
            (entry.Key as RefObject)?.DecRef();
            entry.Value.DecRef();
        }
    }

    // Takes the heap before each step, so that an enumeration may go on after an await, on another thread.
    private IEnumerable<TItem> Checked<TItem>(IEnumerable<TItem> items, string operation)
    {
        using IEnumerator<TItem> enumerator = items.GetEnumerator();
        while (true)
        {
            CheckUsable(operation);
            if (!enumerator.MoveNext())
            {
                yield break;
            }

            yield return enumerator.Current;
        }
    }

    private static Dictionary<TKey, TValue> NewTable() =>
        typeof(RefObject).IsAssignableFrom(typeof(TKey))
            ? new Dictionary<TKey, TValue>((IEqualityComparer<TKey>)(object)ReferenceEqualityComparer.Instance)
            : new Dictionary<TKey, TValue>();
}

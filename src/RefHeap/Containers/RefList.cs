using System;
using System.Collections;
using System.Collections.Generic;

namespace RefHeap;

/// <summary>
/// A list that holds a strong reference to each item, like a Python list. Storing an item IncRefs it (the caller
/// keeps its own reference, as with <c>PyList_Append</c>); removing or overwriting an item releases the list's
/// reference; reading an item gives a borrowed reference. When the list dies it releases everything it holds.
/// Every member, reads and enumeration included, takes the list's heap for the calling thread (see <see cref="Heap"/>),
/// and an item must belong to the list's heap (or be immortal).
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed class RefList<T> : RefObject, IReadOnlyList<T>
    where T : RefObject
{
    private T[] _items = Array.Empty<T>();
    private int _count;
    private int _version;

    /// <summary>Creates an empty list on the current heap.</summary>
    public RefList()
    {
    }

    /// <summary>Creates an empty list on <paramref name="heap"/>.</summary>
    public RefList(Heap heap)
        : base(heap)
    {
    }

    /// <summary>Number of items.</summary>
    public int Count
    {
        get
        {
            CheckUsable("RefList.Count");
            return _count;
        }
    }

    /// <summary>Gets (borrowed) or replaces (IncRef the new item, release the old one) the item at <paramref name="index"/>.</summary>
    public T this[int index]
    {
        [BorrowedReference]
        get
        {
            CheckUsable("RefList.get_Item");
            CheckIndex(index);
            return _items[index];
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            CheckUsable("RefList.set_Item");
            CheckStore(value, "RefList.set_Item");
            CheckIndex(index);
            value.IncRef();
            T old = _items[index];
            _items[index] = value;
            _version++;
            old.DecRef();
        }
    }

    /// <summary>Appends <paramref name="item"/> and IncRefs it: the caller keeps its own reference.</summary>
    public void Add(T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        CheckUsable("RefList.Add");
        CheckStore(item, "RefList.Add");
        item.IncRef();
        if (_count == _items.Length)
        {
            Array.Resize(ref _items, Math.Max(4, _count * 2));
        }

        _items[_count++] = item;
        _version++;
    }

    /// <summary>Inserts <paramref name="item"/> at <paramref name="index"/> and IncRefs it.</summary>
    public void Insert(int index, T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        CheckUsable("RefList.Insert");
        CheckStore(item, "RefList.Insert");
        if ((uint)index > (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The index must be in [0, {_count}].");
        }

        Add(item);
        Array.Copy(_items, index, _items, index + 1, _count - 1 - index);
        _items[index] = item;
    }

    /// <summary>Removes the first occurrence of <paramref name="item"/> and releases the list's reference to it.</summary>
    public bool Remove(T item)
    {
        int index = IndexOf(item);
        if (index < 0)
        {
            return false;
        }

        RemoveAt(index);
        return true;
    }

    /// <summary>Removes the item at <paramref name="index"/> and releases the list's reference to it.</summary>
    public void RemoveAt(int index)
    {
        Pop(index).DecRef();
    }

    /// <summary>Removes the item at <paramref name="index"/> (the last one by default) and gives the list's reference to the caller.</summary>
    [return: NewReference]
    public T Pop(int index = -1)
    {
        CheckUsable("RefList.Pop");
        if (index < 0)
        {
            index += _count;
        }

        CheckIndex(index);
        T item = _items[index];
        _count--;
        Array.Copy(_items, index + 1, _items, index, _count - index);
        _items[_count] = null!;
        _version++;
        return item;
    }

    /// <summary>Removes every item and releases the list's references.</summary>
    public void Clear()
    {
        CheckUsable("RefList.Clear");
        ClearReferences();
    }

    /// <summary>Index of the first occurrence of <paramref name="item"/> (by identity), or -1.</summary>
    public int IndexOf(T item)
    {
        CheckUsable("RefList.IndexOf");
        for (int i = 0; i < _count; i++)
        {
            if (ReferenceEquals(_items[i], item))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>True if the list holds <paramref name="item"/> (by identity).</summary>
    public bool Contains(T item) => IndexOf(item) >= 0;

    /// <summary>Enumerates the items (borrowed references). Changing the list while enumerating throws.</summary>
    public Enumerator GetEnumerator()
    {
        CheckUsable("RefList.GetEnumerator");
        return new Enumerator(this);
    }

    IEnumerator<T> IEnumerable<T>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc/>
    protected internal override void Traverse(ReferenceVisitor visitor)
    {
        T[] items = _items;
        for (int i = 0; i < _count; i++)
        {
            visitor.Visit(items[i]);
        }
    }

    /// <inheritdoc/>
    protected internal override void ClearReferences()
    {
        // Detach first: releasing an item may run a finalizer that looks at this list.
        T[] items = _items;
        int count = _count;
        _items = Array.Empty<T>();
        _count = 0;
        _version++;
        for (int i = 0; i < count; i++)
        {
            items[i].DecRef();
        }
    }

    // Precondition: CheckUsable ran (the calling thread holds the heap).
    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)_count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"The index must be in [0, {_count}).");
        }
    }

    /// <summary>Enumerates a <see cref="RefList{T}"/>; each item is a borrowed reference. Each step takes the list's heap, so an enumeration may go on after an await.</summary>
    public struct Enumerator : IEnumerator<T>
    {
        private readonly RefList<T> _list;
        private readonly int _version;
        private int _index;

        internal Enumerator(RefList<T> list)
        {
            _list = list;
            _version = list._version;
            _index = -1;
        }

        /// <inheritdoc/>
        public readonly T Current
        {
            get
            {
                _list.CheckUsable("RefList.Enumerator.Current");
                return _list._items[_index];
            }
        }

        readonly object IEnumerator.Current => Current;

        /// <inheritdoc/>
        public bool MoveNext()
        {
            _list.CheckUsable("RefList.Enumerator.MoveNext");
            if (_version != _list._version)
            {
                throw new InvalidOperationException("The list was changed during enumeration.");
            }

            return ++_index < _list._count;
        }

        /// <inheritdoc/>
        public void Reset() => _index = -1;

        /// <inheritdoc/>
        public readonly void Dispose()
        {
        }
    }
}

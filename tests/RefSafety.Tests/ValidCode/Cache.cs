using System;
using System.Collections.Generic;
using RefHeap;

namespace Corpus.Cache;

public sealed class Entry : RefObject
{
    public Entry(string key, byte[] payload)
    {
        Key = key;
        Payload = payload;
    }

    public string Key { get; }

    public byte[] Payload { get; }
}

/// <summary>A bounded cache: the dictionary holds the strong references; lookups hand out borrowed ones.</summary>
public sealed class Cache : RefObject
{
    private readonly RefDictionary<string, Entry> _entries = new();
    private readonly Queue<string> _order = new();
    private readonly int _capacity;

    public Cache(int capacity) => _capacity = capacity;

    [return: BorrowedReference]
    public Entry? Find(string key) => _entries.TryGetValue(key, out Entry? entry) ? entry : null;

    public void Put(string key, byte[] payload)
    {
        var entry = new Entry(key, payload);
        try
        {
            if (_entries.Count >= _capacity && _order.Count > 0)
            {
                _entries.Remove(_order.Dequeue());
            }

            _entries[key] = entry;
            _order.Enqueue(key);
        }
        finally
        {
            entry.DecRef();
        }
    }

    [return: NewReference]
    public Entry GetOrCreate(string key)
    {
        Entry? found = Find(key);
        if (found is not null)
        {
            found.IncRef();
            return found;
        }

        Put(key, Array.Empty<byte>());
        Entry created = Find(key)!;
        created.IncRef();
        return created;
    }
}

public static class Program
{
    public static int Run()
    {
        using var cache = new Cache(2);
        cache.Put("a", new byte[1]);
        cache.Put("b", new byte[2]);
        Entry c = cache.GetOrCreate("c");
        int size = c.Payload.Length;
        c.Dispose();
        return size + (cache.Find("a") is null ? 0 : 1);
    }
}

using System;
using System.Collections.Generic;
using RefHeap;

namespace Corpus.Lru;

public sealed class Entry : RefObject
{
    public Entry(string key, byte[] data)
    {
        Key = key;
        Data = data;
    }

    public string Key { get; }

    public byte[] Data { get; }

    public Entry? Newer;

    public WeakRef<Entry>? Older;
}

/// <summary>An LRU cache: the dictionary owns every entry; the recency list links entries newer-to-older strongly and older-to-newer weakly.</summary>
public sealed class LruCache : RefObject
{
    private readonly RefDictionary<string, Entry> _byKey = new();
    private readonly int _capacity;
    private Entry? _newest;

    public LruCache(int capacity) => _capacity = capacity;

    public event Action<string>? Evicted;

    public int Count => _byKey.Count;

    public bool TryGet(string key, out byte[]? data)
    {
        if (_byKey.TryGetValue(key, out Entry? entry))
        {
            data = entry.Data;
            return true;
        }

        data = null;
        return false;
    }

    public void Put(string key, byte[] data)
    {
        using var entry = new Entry(key, data);
        _byKey[key] = entry;
        if (_newest is not null)
        {
            entry.Older = new WeakRef<Entry>(_newest);
        }

        RefField.Set(ref _newest, entry);
        while (_byKey.Count > _capacity && Oldest() is { } oldest)
        {
            Evict(oldest);
        }
    }

    private Entry? Oldest()
    {
        Entry? cursor = _newest;
        while (cursor?.Older?.Target is { } older)
        {
            cursor = older;
        }

        return cursor;
    }

    private void Evict(Entry entry)
    {
        string key = entry.Key;
        _byKey.Remove(key);
        Evicted?.Invoke(key);
    }

    public IEnumerable<string> Keys()
    {
        foreach (KeyValuePair<string, Entry> pair in _byKey)
        {
            yield return pair.Key;
        }
    }

    public int TotalBytes()
    {
        int total = 0;
        foreach (var pair in _byKey)
        {
            total += pair.Value switch
            {
                { Data.Length: > 1024 } big => big.Data.Length,
                var small => small.Data.Length,
            };
        }

        return total;
    }

    protected override void OnFinalize()
    {
        RefField.Clear(ref _newest);
        _byKey.DecRef();
    }
}

using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using RefHeap;

namespace Corpus.Registry;

public sealed class Node : RefObject
{
    public Node? Next;
    public int Value;
    public Node(int value = 0) => Value = value;
}

public sealed class Registry : RefObject
{
    private Node? _current;
    private Node? _spare;
    private readonly RefDictionary<string, Node> _byName = new();

    public Node? Current
    {
        get => _current;
        set
        {
            value?.IncRef();
            _current?.DecRef();
            _current = value;
        }
    }

    public void Register(string name)
    {
        var node = new Node(name.Length);
        try
        {
            _byName[name] = node;
        }
        finally
        {
            node.DecRef();
        }
    }

    public int Lookup(string name)
    {
        if (!_byName.TryGetValue(name, out var node))
        {
            return -1;
        }

        return node.Value;
    }

    public void Rotate()
    {
        (_current, _spare) = (_spare, _current);
    }

    public async Task<int> ComputeAsync(int n)
    {
        var node = new Node(n);
        try
        {
            await Task.Yield();
            return node.Value * 2;
        }
        finally
        {
            node.Dispose();
        }
    }

    public int Pick(int kind)
    {
        var node = kind switch
        {
            0 => new Node(1),
            1 => new Node(2),
            _ => null,
        };
        int value = node?.Value ?? 0;
        node?.DecRef();
        return value;
    }

    public void Fill(int count)
    {
        bool dirty = false;
        Node? last = null;
        for (int i = 0; i < count; i++)
        {
            last?.DecRef();
            last = new Node(i);
            dirty = true;
        }

        if (dirty)
        {
            Console.WriteLine(last!.Value);
        }

        last?.DecRef();
    }

    public void Reset()
    {
        Current = null;
        RefField.Clear(ref _spare);
    }

    public int Walk()
    {
        int total = 0;
        foreach (KeyValuePair<string, Node> entry in _byName)
        {
            if (entry.Value.Value < 0)
            {
                break;
            }

            total += entry.Value.Value;
        }

        return total;
    }

    public void Lazy()
    {
        _spare ??= new Node();
        if (_current is not null)
        {
            return;
        }

        _current = new Node();
    }

    public static int Local(int n)
    {
        using var scratch = new Node(n);
        return Twice() + scratch.Value;

        int Twice()
        {
            var inner = new Node(n);
            int v = inner.Value * 2;
            inner.DecRef();
            return v;
        }
    }

    public void Retry(Func<bool> attempt)
    {
        var node = new Node();
        while (true)
        {
            try
            {
                if (attempt())
                {
                    break;
                }
            }
            catch (InvalidOperationException)
            {
                continue;
            }
        }

        node.DecRef();
    }

    protected override void OnFinalize()
    {
        _current?.DecRef();
        _spare?.DecRef();
        _byName.DecRef();
    }
}

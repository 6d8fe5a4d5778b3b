using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using RefHeap;

namespace Corpus.BufferPool;

public sealed class Buffer : RefObject
{
    public Buffer(int size) => Bytes = new byte[size];

    public byte[] Bytes { get; }

    public int Length => Bytes.Length;
}

public enum Kind
{
    Small,
    Large,
    Huge,
}

/// <summary>
/// A pool of buffers: rented buffers are handed out as new references, returned ones are kept in a list, and the
/// current "scratch" buffer is replaced by releasing the old one first.
/// </summary>
public sealed class Pool : RefObject
{
    private readonly RefList<Buffer> _free = new();
    private Buffer? _scratch;
    private Buffer? _last;

    public Pool() => _scratch = new Buffer(64);

    public bool TryRent(int size, [NewReference] out Buffer? rented)
    {
        for (int i = 0; i < _free.Count; i++)
        {
            if (_free[i].Length >= size)
            {
                rented = _free[i];
                rented.IncRef();
                _free.RemoveAt(i);
                return true;
            }
        }

        rented = size > 0 ? new Buffer(size) : null;
        return rented is not null;
    }

    public void Return(Buffer buffer) => _free.Add(buffer);

    public void ReplaceScratch(int size)
    {
        _scratch?.DecRef();
        _scratch = new Buffer(size);
    }

    public void Remember(Buffer buffer)
    {
        var previous = _last;
        buffer.IncRef();
        _last = buffer;
        previous?.DecRef();
    }

    public void Forget()
    {
        RefField.Clear(ref _last);
    }

    [return: NewReference]
    public Buffer Rent(Kind kind)
    {
        int size = kind switch
        {
            Kind.Small => 16,
            Kind.Large => 4096,
            _ => 65536,
        };

        if (TryRent(size, out Buffer? rented))
        {
            return rented;
        }

        return new Buffer(size);
    }

    public int Fill(IEnumerable<int> sizes)
    {
        int total = 0;
        foreach (int size in sizes)
        {
            if (!TryRent(size, out var buffer))
            {
                continue;
            }

            try
            {
                if (buffer.Length > 1 << 20)
                {
                    return total;
                }

                total += buffer.Length;
            }
            finally
            {
                buffer.DecRef();
            }
        }

        return total;
    }

    public int FirstFit(int size)
    {
        var probe = new Buffer(size);
        foreach (Buffer candidate in _free)
        {
            if (candidate.Length >= probe.Length)
            {
                probe.DecRef();
                return candidate.Length;
            }
        }

        probe.DecRef();
        return -1;
    }

    public void Drain(int rounds)
    {
        var current = Rent(Kind.Small);
        for (int i = 0; i < rounds; i++)
        {
            Return(current);
            current.DecRef();
            current = Rent(i % 2 == 0 ? Kind.Small : Kind.Large);
        }

        current.DecRef();
    }

    public async Task<int> MeasureAsync(Func<Buffer, Task<int>> measure)
    {
        using var buffer = Rent(Kind.Large);
        int first = await measure(buffer);
        int second = await measure(buffer);
        return first + second;
    }

    public int Describe(object? item)
    {
        switch (item)
        {
            case Buffer { Length: > 100 } large:
                return large.Length;
            case Buffer small:
                return -small.Length;
            default:
                return 0;
        }
    }

    public int Sum(int count)
    {
        int total = 0;
        for (int i = 0; i < count; i++)
        {
            total += Measure();
        }

        return total;

        int Measure()
        {
            using var scratch = new Buffer(8);
            return scratch.Length;
        }
    }

    protected override void OnFinalize()
    {
        _scratch?.DecRef();
        _last?.DecRef();
        _free.DecRef();
    }
}

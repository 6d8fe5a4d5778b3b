using System;
using System.IO;
using System.Threading.Tasks;
using RefHeap;

namespace Corpus.Exceptions;

public sealed class Buffer : RefObject
{
    public Buffer(int size) => Bytes = new byte[size];

    public byte[] Bytes { get; }
}

public sealed class Pipeline : RefObject
{
    public Buffer? Current;

    public void Process(Stream input)
    {
        var buffer = new Buffer(4096);
        try
        {
            int read = input.Read(buffer.Bytes, 0, buffer.Bytes.Length);
            if (read == 0)
            {
                return;
            }

            if (read < 0)
            {
                throw new IOException("negative read");
            }

            Current?.DecRef();
            buffer.IncRef();
            Current = buffer;
        }
        catch (IOException)
        {
            RefField.Clear(ref Current);
            throw;
        }
        finally
        {
            buffer.DecRef();
        }
    }

    public async Task<int> ProcessAsync(Func<Task<int>> source)
    {
        using var buffer = new Buffer(16);
        int value = await source();
        buffer.Bytes[0] = (byte)value;
        return buffer.Bytes[0];
    }

    public int Classify(RefObject? item)
    {
        switch (item)
        {
            case Buffer { Bytes.Length: > 1024 } big:
                return big.Bytes.Length;
            case Buffer small:
                return small.Bytes.Length;
            case null:
                return -1;
            default:
                return 0;
        }
    }

    public void Fill(int count)
    {
        for (int i = 0; i < count; i++)
        {
            var next = new Buffer(i);
            if (i % 2 == 0)
            {
                RefField.Move(ref Current, next);
                continue;
            }

            next.Dispose();
        }
    }
}

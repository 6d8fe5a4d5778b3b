using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using RefHeap;

namespace Corpus.Lookups;

public sealed class Node : RefObject
{
    public Node? Next;
    public int Value;
}

public static class Work
{
    public static int Pattern(object o)
    {
        if (o is Node { Value: > 0 } n)
        {
            n.IncRef();
            try
            {
                return n.Value;
            }
            finally
            {
                n.DecRef();
            }
        }

        return 0;
    }

    public static async Task<int> Async(Func<Task<int>> more)
    {
        var node = new Node();
        try
        {
            int total = 0;
            while (await more() > 0)
            {
                total += node.Value;
                if (total > 100)
                {
                    return total;
                }
            }

            return total;
        }
        finally
        {
            node.DecRef();
        }
    }

    public static int Goto(int n)
    {
        var node = new Node();
        int i = 0;
    again:
        if (i++ < n)
        {
            node.Value++;
            goto again;
        }

        int v = node.Value;
        node.DecRef();
        return v;
    }

    public static int LocalFunction(int n)
    {
        var node = new Node();
        int result = Sum(node);
        node.DecRef();
        return result;

        static int Sum(Node start)
        {
            int total = 0;
            for (Node? cursor = start; cursor is not null; cursor = cursor.Next)
            {
                total += cursor.Value;
            }

            return total;
        }
    }

    public static Node? Find(List<Node> nodes, int value)
    {
        foreach (var node in nodes)
        {
            if (node.Value == value)
            {
                node.IncRef();
                return node;
            }
        }

        return null;
    }

    public static void UseFind(List<Node> nodes)
    {
        var found = Find(nodes, 3);
        found?.DecRef();
    }

    public static int Switch(int kind)
    {
        using var node = kind switch
        {
            0 => new Node { Value = 1 },
            _ => new Node { Value = 2 },
        };
        return node.Value;
    }

    public static void Lambda(List<int> values)
    {
        var node = new Node();
        values.ForEach(v => node.Value += v);
        node.DecRef();
    }

    public static int Catch(Func<int> risky)
    {
        var node = new Node();
        try
        {
            node.Value = risky();
        }
        catch (InvalidOperationException)
        {
            node.DecRef();
            throw;
        }

        int v = node.Value;
        node.DecRef();
        return v;
    }
}

using System;
using RefHeap;

namespace Corpus.LinkedList;

public sealed class Item : RefObject
{
    public Item(int value) => Value = value;

    public int Value { get; }

    public Item? Next;
}

/// <summary>A singly linked stack: each node owns the next one; the stack owns the head.</summary>
public sealed class Stack : RefObject
{
    private Item? _head;
    private int _count;

    public int Count => _count;

    public void Push(int value)
    {
        var item = new Item(value);
        item.Next = _head; // the old head's reference moves into the new item
        _head = item;      // the new item's reference moves into the stack
        _count++;
    }

    public bool TryPop(out int value)
    {
        Item? head = _head;
        if (head is null)
        {
            value = 0;
            return false;
        }

        value = head.Value;
        Item? next = head.Next;
        next?.IncRef();
        _head = next;
        head.DecRef();
        _count--;
        return true;
    }

    public int Sum()
    {
        int sum = 0;
        for (Item? item = _head; item is not null; item = item.Next)
        {
            sum += item.Value;
        }

        return sum;
    }
}

public static class Program
{
    public static int Run()
    {
        using var stack = new Stack();
        for (int i = 0; i < 10; i++)
        {
            stack.Push(i);
        }

        int total = 0;
        while (stack.TryPop(out int value))
        {
            total += value;
        }

        return total;
    }
}

namespace RefHeap;

/// <summary>The head of a circular, doubly linked list of tracked objects (CPython's <c>PyGC_Head</c> list).</summary>
internal sealed class GcListHead : RefObject
{
    public GcListHead()
        : base(immortal: false)
    {
        _gcNext = this;
        _gcPrev = this;
    }

    public bool IsEmpty => ReferenceEquals(_gcNext, this);

    public RefObject First => _gcNext!;

    public void Append(RefObject node)
    {
        RefObject last = _gcPrev!;
        node._gcPrev = last;
        node._gcNext = this;
        last._gcNext = node;
        _gcPrev = node;
    }

    /// <summary>Moves every object of this list to the end of <paramref name="to"/>, in O(1); this list ends empty.</summary>
    public void MergeInto(GcListHead to)
    {
        if (IsEmpty)
        {
            return;
        }

        RefObject toLast = to._gcPrev!;
        RefObject first = _gcNext!;
        RefObject last = _gcPrev!;
        toLast._gcNext = first;
        first._gcPrev = toLast;
        last._gcNext = to;
        to._gcPrev = last;
        _gcNext = this;
        _gcPrev = this;
    }

    public long Count()
    {
        long n = 0;
        for (RefObject node = _gcNext!; !ReferenceEquals(node, this); node = node._gcNext!)
        {
            n++;
        }

        return n;
    }

    public static void Unlink(RefObject node)
    {
        node._gcPrev!._gcNext = node._gcNext;
        node._gcNext!._gcPrev = node._gcPrev;
        node._gcNext = null;
        node._gcPrev = null;
    }

    public static void Move(RefObject node, GcListHead to)
    {
        node._gcPrev!._gcNext = node._gcNext;
        node._gcNext!._gcPrev = node._gcPrev;
        to.Append(node);
    }
}

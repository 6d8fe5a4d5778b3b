using System;
using System.Collections.Generic;
using RefHeap;

namespace Hazards;

/// <summary>The pixels of one rendered page.</summary>
public sealed class Bitmap : RefObject
{
    public Bitmap(int pageNumber) => PageNumber = pageNumber;

    public int PageNumber { get; }

    public int Width => 595;
}

/// <summary>Keeps the last rendered bitmap of each page (the cache owns one reference to each).</summary>
public sealed class RenderCache : RefObject
{
    private readonly RefDictionary<int, Bitmap> _bitmaps = new();

    public int Count => _bitmaps.Count;

    /// <summary>The cached bitmap of <paramref name="page"/>, rendered on first use.</summary>
    [return: BorrowedReference]
    public Bitmap Render(Page page)
    {
        if (_bitmaps.TryGetValue(page.Number, out Bitmap? cached))
        {
            return cached;
        }

        var bitmap = new Bitmap(page.Number);
        _bitmaps[page.Number] = bitmap;  // the dictionary takes a reference of its own
        bitmap.DecRef();
        return _bitmaps[page.Number];
    }

    /// <summary>The width a page renders at, without keeping its bitmap.</summary>
    public static int MeasureWidth(Page page, bool blankPage)
    {
        var bitmap = new Bitmap(page.Number);
        if (blankPage)
        {
            // REFS001: 'bitmap' is still owned on this early return: it leaks.
            // Fix: release it before returning (the "Release before this exit" code fix), or hold it in a using.
            return 0;
        }

        int width = bitmap.Width;
        bitmap.DecRef();
        return width;
    }

    /// <summary>Drops a bitmap the caller looked up with <see cref="Render"/>.</summary>
    public void Evict(Bitmap bitmap)
    {
        _bitmaps.Remove(bitmap.PageNumber);
        // REFS002: 'bitmap' is a parameter, borrowed: the caller never gave this method a reference to release.
        // The dictionary's Remove already released the cache's own. Fix: delete this line.
        bitmap.DecRef();
    }

    /// <summary>Caches a quarter-size copy of a page, under the page's negative number.</summary>
    public void CacheThumbnail(Page page)
    {
        var thumbnail = new Bitmap(page.Number);
        thumbnail.DecRef();
        // REFS003: the release above was the last reference, so the thumbnail is already freed: storing it (the
        // dictionary IncRefs what it stores) throws ReleasedObjectException. Fix: release after the last use (the
        // "Move the release after the last use" code fix).
        _bitmaps[-page.Number] = thumbnail;
    }

    // REFS005: [BorrowedReference] tells callers they need not release the result, but 'new' gives this method a
    // reference it owns: nobody will ever release it. Fix: declare the result [NewReference] (and release it at the
    // call sites), or hand out a bitmap the cache keeps, as Render does.
    [return: BorrowedReference]
    public static Bitmap Placeholder() => new Bitmap(0);
}

/// <summary>Scratch bitmaps are recycled through a pool instead of being freed.</summary>
public sealed class ScratchBitmap : RefObject
{
    public static readonly List<ScratchBitmap> Pool = new();

    // REFS021: the finalizer stores 'this' where it outlives the object: the object is resurrected, and the pool
    // holds it without a reference of its own, so the next use of a pooled bitmap is a use after release.
    // Fix: pool the pixels (a plain .NET array), not the RefObject; or return objects to the pool explicitly.
    protected override void OnFinalize() => Pool.Add(this);
}

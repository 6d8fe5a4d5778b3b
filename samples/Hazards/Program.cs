using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using RefHeap;

namespace Hazards;

/// <summary>
/// A small document renderer with one instance of every RefSafety rule, each commented where it is: `dotnet build`
/// lists them, this program runs the paths that are safe to run and shows what the hazards do at run time.
/// </summary>
public static class Program
{
    public static void Main()
    {
        var font = new FontHandle("Serif");
        var document = new Document("Annual report", font);
        font.DecRef(); // the document keeps its own reference
        for (int i = 0; i < 3; i++)
        {
            document.AddPage();
        }

        var cache = new RenderCache();
        foreach (Page page in document.Pages)
        {
            Bitmap bitmap = cache.Render(page);
            Console.WriteLine($"rendered {page}: {bitmap.Width} px wide");
        }

        Console.WriteLine($"cache: {cache.Count} bitmaps; page 1 measures {RenderCache.MeasureWidth(document.Pages[0], blankPage: false)} px");

        string path = Path.GetTempFileName();
        using (SafeFileHandle file = File.OpenHandle(path, FileMode.Create, FileAccess.Write))
        {
            Console.WriteLine($"exported '{document.Title}': {Export.WriteTo(file, document)} bytes");
        }

        File.Delete(path);

        try
        {
            cache.CacheThumbnail(document.Pages[0]);
            Console.WriteLine("thumbnail cached");
        }
        catch (ReleasedObjectException ex)
        {
            Console.WriteLine($"REFS003 at run time: {ex.GetType().Name} ({ex.Operation} on a released {ex.ObjectType.Name})");
        }

        // The pages point back at the document (REFS010, REFS011): releasing it frees nothing ...
        long before = Heap.Current.LiveObjectCount;
        document.DecRef();
        Console.WriteLine($"document released: {before - Heap.Current.LiveObjectCount} objects freed by reference counting");

        // ... until the cycle collector runs; the font's finalizer (REFS020) waits for it too.
        Console.WriteLine($"Gc.Collect(): {Gc.Collect()} unreachable objects freed");
        cache.DecRef();
        Console.WriteLine($"live objects at exit: {Heap.Current.LiveObjectCount}");
    }
}

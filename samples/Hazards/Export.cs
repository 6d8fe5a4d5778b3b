using System;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using RefHeap;

namespace Hazards;

/// <summary>Writes documents out through native handles.</summary>
public static class Export
{
    /// <summary>Writes <paramref name="document"/> to an open file; returns the bytes written.</summary>
    public static int WriteTo(SafeHandle file, Document document)
    {
        bool added = false;
        try
        {
            file.DangerousAddRef(ref added);
            return document.Title.Length + 16 * document.Pages.Count;
        }
        finally
        {
            // REFS007: DangerousAddRef throws without adding a reference when the handle is already closed, and then
            // this release drops a reference nobody added. Fix: `if (added) file.DangerousRelease();`.
            file.DangerousRelease();
        }
    }

    /// <summary>Writes <paramref name="document"/> on a worker thread (the program does not run it: it would throw).</summary>
    public static int WriteInBackground(SafeHandle file, Document document)
    {
        // REFS030: this thread holds the heap 'document' lives on and blocks on work that needs it: the worker waits
        // Heap.AcquireTimeout (5 s), then throws HeapThreadException. Fix: await the work, or call
        // document.Heap?.Release() before starting it (the "Release the heap before starting the work" code fix).
        return Task.Run(() => WriteTo(file, document)).Result;
    }

    /// <summary>Resets a page's count after a native call that "forgot" to take its reference.</summary>
    public static void ForceSingleOwner(Page page)
    {
        // REFS006: writing the count breaks every ownership invariant at once (the talk's ctypes "dirty hack"): set
        // too low it frees a page the document still holds. Fix: IncRef/DecRef for each real holder; never write it.
        page.DangerousSetRefCount(1);
    }
}

/// <summary>A texture uploaded to the GPU for a page preview.</summary>
public sealed class PreviewTexture : RefObject
{
    // REFS022: a C# destructor runs on the .NET finalizer thread whenever the .NET GC decides, long after (or before)
    // the count reaches zero, and any RefHeap call from there throws HeapThreadException.
    // Fix: override OnFinalize instead (the "Convert to OnFinalize override" code fix).
    ~PreviewTexture() => Console.WriteLine("texture released");
}

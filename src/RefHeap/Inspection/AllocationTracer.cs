using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace RefHeap;

/// <summary>
/// Where an object was allocated: the source line of the <c>new</c> that created it (<c>tracemalloc</c>'s
/// innermost frame). <see cref="File"/> is null and <see cref="Line"/> 0 when the code has no debug symbols.
/// </summary>
/// <param name="File">The source file, as recorded in the debug symbols.</param>
/// <param name="Line">The line in <see cref="File"/>.</param>
/// <param name="Method">The method that ran the <c>new</c>, as <c>Type.Method</c>.</param>
public sealed record AllocationSite(string? File, int Line, string Method)
{
    /// <summary><c>Program.cs:42</c>, or the method when there are no symbols.</summary>
    public override string ToString() => File is null ? Method : $"{Path.GetFileName(File)}:{Line}";
}

/// <summary>
/// A heap's allocation-site record while tracing is on (<see cref="HeapInspector.StartTracing"/>). The heap calls
/// <see cref="Record"/> from <see cref="Heap.Register"/>; while tracing is off the heap has no tracer and pays one
/// null test per allocation.
/// </summary>
internal sealed class AllocationTracer
{
    private static readonly Assembly RuntimeAssembly = typeof(RefObject).Assembly;

    private static readonly ConcurrentDictionary<(MethodBase Method, int ILOffset), AllocationSite> Sites = new();

    // Weak keys: a site never keeps an object's managed memory alive, and a released object's entry goes with it.
    private readonly ConditionalWeakTable<RefObject, AllocationSite> _sites = new();

    public void Record(RefObject obj) => _sites.AddOrUpdate(obj, SiteOf(obj.GetType()));

    public AllocationSite? SiteOf(RefObject obj) => _sites.TryGetValue(obj, out AllocationSite? site) ? site : null;

    /// <summary>The objects recorded that are alive on <paramref name="heap"/>, tracked by the collector or not.</summary>
    public IEnumerable<RefObject> LiveObjects(Heap heap)
    {
        foreach (KeyValuePair<RefObject, AllocationSite> entry in _sites)
        {
            if (ReferenceEquals(entry.Key.Heap, heap))
            {
                yield return entry.Key;
            }
        }
    }

    // The first frame outside RefHeap that is not a constructor of the object's own type or of a base type: the
    // line of the 'new'. A field initializer or constructor of another type that allocates is its own site.
    // Resolving file and line reads debug symbols, which costs most: the frames are walked without, and the chosen
    // one is resolved once per code location (method and IL offset) and cached.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static AllocationSite SiteOf(Type allocated)
    {
        var trace = new StackTrace(0, fNeedFileInfo: false);
        for (int i = 0; i < trace.FrameCount; i++)
        {
            StackFrame? frame = trace.GetFrame(i);
            MethodBase? method = frame?.GetMethod();
            if (method is null || method.Module.Assembly == RuntimeAssembly || IsConstructorOf(method, allocated))
            {
                continue;
            }

            (MethodBase, int) location = (method, frame!.GetILOffset());
            if (!Sites.TryGetValue(location, out AllocationSite? site))
            {
                // The same index as in the trace: both count frames from this method.
                var resolved = new StackFrame(i, needFileInfo: true);
                string owner = method.DeclaringType is { } type ? TypeNames.Of(type) + "." : string.Empty;
                site = Sites.GetOrAdd(location, new AllocationSite(resolved.GetFileName(), resolved.GetFileLineNumber(), owner + method.Name));
            }

            return site;
        }

        return new AllocationSite(null, 0, "(RefHeap)");
    }

    private static bool IsConstructorOf(MethodBase method, Type allocated)
    {
        if (method is not ConstructorInfo || method.DeclaringType is not { } declaring)
        {
            return false;
        }

        // Frames of shared generic code name the open type (RefList`1), the object its constructed one.
        for (Type? t = allocated; t is not null; t = t.BaseType)
        {
            if (t == declaring || (t.IsGenericType && t.GetGenericTypeDefinition() == declaring))
            {
                return true;
            }
        }

        return false;
    }
}

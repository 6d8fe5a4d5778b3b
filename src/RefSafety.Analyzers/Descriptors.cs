using Microsoft.CodeAnalysis;

namespace RefSafety.Analyzers;

/// <summary>
/// The one catalogue of RefSafety's diagnostics. Each rule's analyzer reports only descriptors from here, and
/// docs/rules/&lt;ID&gt;.md documents each (a test checks that every descriptor has its page).
/// </summary>
internal static class Descriptors
{
    public const string Category = "RefSafety";

    public static readonly DiagnosticDescriptor REFS001ReferenceLeak = Create(
        "REFS001",
        "Reference leak",
        "Refcount of '{0}' is 1 too high {1}: the owned reference is never released",
        DiagnosticSeverity.Warning,
        "An owned reference (from new, a [NewReference] method or IncRef) must be released, stored in a strong field, passed to a [StealsReference] parameter or returned on every path out of the method.");

    public static readonly DiagnosticDescriptor REFS002OverRelease = Create(
        "REFS002",
        "Over-release",
        "Refcount of '{0}' is 1 too low {1}: the method releases a reference it does not own",
        DiagnosticSeverity.Warning,
        "Releasing a borrowed reference, or one already released, moved into a field or stolen by a call, frees the object while others still use it.");

    public static readonly DiagnosticDescriptor REFS003UseAfterRelease = Create(
        "REFS003",
        "Use after release",
        "'{0}' is used after its last owned reference was released {1}",
        DiagnosticSeverity.Warning,
        "After the method releases (or gives away) its last reference to an object, the object may already be freed; any further use is a use after free.");

    public static readonly DiagnosticDescriptor REFS004BorrowedEscapes = Create(
        "REFS004",
        "Borrowed reference escapes as owned",
        "Borrowed reference '{0}' {1} without IncRef",
        DiagnosticSeverity.Warning,
        "A borrowed reference (+0) that is returned from a [NewReference] method, stored in a strong field or passed to a [StealsReference] parameter hands out ownership the method never had.");

    public static readonly DiagnosticDescriptor REFS005BrokenContract = Create(
        "REFS005",
        "Broken ownership contract",
        "{0}",
        DiagnosticSeverity.Warning,
        "A method's body must honour its ownership attributes: a [BorrowedReference] method must not return an owned reference and a [StealsReference] parameter must be consumed on every path.");

    public static readonly DiagnosticDescriptor REFS006DirectRefCountManipulation = Create(
        "REFS006",
        "Direct refcount manipulation",
        "{0} sets the reference count directly; the heap can no longer tell who owns '{1}'",
        DiagnosticSeverity.Warning,
        "Overwriting a reference count (DangerousSetRefCount, reflection on the count field) breaks every ownership invariant and can free live objects or leak dead ones.");

    public static readonly DiagnosticDescriptor REFS007SafeHandleAddRefNotGuarded = Create(
        "REFS007",
        "SafeHandle add-ref not guarded",
        "'{0}' is released without testing '{1}', the success flag of its DangerousAddRef",
        DiagnosticSeverity.Info,
        "DangerousAddRef(ref success) either adds a reference and sets success, or throws without adding one; a DangerousRelease in the finally that the throw also reaches should run only under if (success).");

    public static readonly DiagnosticDescriptor REFS010StrongCycleCreated = Create(
        "REFS010",
        "Strong reference cycle created",
        "Strong reference cycle: {0}; reference counting alone will never free these objects",
        DiagnosticSeverity.Warning,
        "Objects in a strong reference cycle keep each other's counts above zero; only the cycle collector frees them, late. Make one edge of the cycle weak, or break the cycle before the objects are released.");

    public static readonly DiagnosticDescriptor REFS011TypeCanFormCycle = Create(
        "REFS011",
        "Type can form a strong cycle",
        "Field '{0}' closes a strong cycle between types: {1}",
        DiagnosticSeverity.Info,
        "The strong-field graph of these types has a cycle, so instances can form reference cycles that only the cycle collector frees. A back edge (a parent, owner or previous pointer) is usually better weak.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor REFS020FinalizerInCycle = Create(
        "REFS020",
        "Finalizer on an object that can sit in a cycle",
        "'{0}' has a finalizer and {1}: in legacy mode such a cycle is uncollectable (it stays in Gc.Garbage forever); under PEP 442 the finalizer runs late, in no defined order",
        DiagnosticSeverity.Warning,
        "A finalizer on an object that can be part of, or be held by, a reference cycle runs only when the cycle collector gets to it, and never in legacy mode.",
        WellKnownDiagnosticTags.CompilationEnd);

    public static readonly DiagnosticDescriptor REFS021FinalizerResurrects = Create(
        "REFS021",
        "Finalizer resurrects its object",
        "The finalizer of '{0}' stores {1} in {2}, which outlives it: the object is resurrected",
        DiagnosticSeverity.Warning,
        "A finalizer that stores the dying object (or an object it alone kept alive) somewhere that outlives it resurrects it; the finalizer will not run again when it dies a second time.");

    public static readonly DiagnosticDescriptor REFS022DestructorOnRefObject = Create(
        "REFS022",
        "C# destructor on a RefObject type",
        "'{0}' declares a C# destructor: it runs on the .NET finalizer thread when the .NET GC decides, not when the reference count reaches zero; override OnFinalize instead",
        DiagnosticSeverity.Warning,
        "RefObject finalization is driven by reference counts and the cycle collector. A C# destructor runs at an unrelated time, on another thread, where touching the heap throws.");

    public static readonly DiagnosticDescriptor REFS030RefObjectUsedByParallelWork = Create(
        "REFS030",
        "RefObject used by parallel work without a heap hand-off",
        "'{0}' is used by work started with {1} while this flow may still hold its heap: the work waits for the heap, then throws HeapThreadException; await the work, call heap.Release() before starting it, or give it objects of a heap of its own",
        DiagnosticSeverity.Warning,
        "A heap is held by one thread at a time. Work that runs in parallel with the flow that holds the heap (Task.Run, TaskFactory.StartNew, Parallel, ThreadPool, a new Thread) cannot use the heap's objects until that flow gives the heap up: an await that yields, or heap.Release(). Activating a heap inside the work does not help: the captured objects still belong to the starter's heap.");

    /// <summary>Where a rule's documentation lives; each descriptor's help link points there.</summary>
    public static string HelpLink(string id) => $"https://github.com/refsafety/refsafety/blob/main/docs/rules/{id}.md";

    // Rules that need the whole compilation carry WellKnownDiagnosticTags.CompilationEnd: the IDE then knows they
    // come from full-solution analysis only.
    private static DiagnosticDescriptor Create(string id, string title, string messageFormat, DiagnosticSeverity severity, string description, params string[] customTags) =>
        new(id, title, messageFormat, Category, severity, isEnabledByDefault: true, description, HelpLink(id), customTags);
}

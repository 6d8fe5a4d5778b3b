using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RefHeap;

namespace RefSafety.Tests;

/// <summary>
/// What running a program did: its console output, how it ended, and what it left on its heap after
/// <c>Gc.Collect()</c>.
/// </summary>
/// <param name="Output">Everything written to <see cref="Console.Out"/> (and the heap's debug output).</param>
/// <param name="Exception">The exception that ended the entry point (type and message), null when it returned.</param>
/// <param name="RefHeapException">True when that exception is RefHeap's (ReleasedObjectException, RefCountCorruptionException, HeapThreadException…).</param>
/// <param name="Unraisable">Exceptions the heap reported as unraisable (a finalizer or weak-reference callback that threw).</param>
/// <param name="LiveByType">Tracked objects still alive after the collection, per type name.</param>
/// <param name="LiveObjects">All objects of the heap still alive after the collection (tracked or not).</param>
public sealed record ProgramOutcome(
    string Output,
    string? Exception,
    bool RefHeapException,
    ImmutableArray<string> Unraisable,
    ImmutableDictionary<string, int> LiveByType,
    long LiveObjects)
{
    /// <summary>A failure to run at all (no entry point, a timeout).</summary>
    public string? RunError { get; init; }

    public override string ToString() =>
        $"output \"{Output}\", {(Exception is null ? "returned" : "threw " + Exception)}, {LiveObjects} live object(s) after Gc.Collect() "
        + $"({string.Join(", ", LiveByType.OrderBy(kv => kv.Key).Select(kv => kv.Key + ": " + kv.Value))})"
        + (Unraisable.IsEmpty ? "" : ", unraisable: " + string.Join("; ", Unraisable))
        + (RunError is null ? "" : ", run error: " + RunError);
}

/// <summary>
/// Runs RefHeap programs in the test process, for the executed fix tests (<see cref="RuleTestBuilder.Runs"/>) and the
/// random round trip.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>The program is compiled against <see cref="TestReferences"/> as a console application and loaded in a
/// collectible <see cref="AssemblyLoadContext"/> that resolves RefHeap to the assembly already loaded in the test process,
/// so that the test can observe the program's heap.</item>
/// <item>It runs on a thread of its own with a fresh <see cref="Heap"/> activated: no state is shared with other
/// programs or tests (RefHeap heaps belong to one thread).</item>
/// <item>Console.Out is process-wide: runs are serialized and redirect it while they run.</item>
/// </list>
/// </remarks>
public static class ProgramRun
{
    private static readonly SemaphoreSlim ConsoleGate = new(1, 1);

    /// <summary>How long a program may run (an injected bug can make a loop spin).</summary>
    public static TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Compiles <paramref name="sources"/> as a console application against the test references.</summary>
    public static async Task<CSharpCompilation> CompileAsync(
        IEnumerable<(string Path, string Source)> sources,
        IEnumerable<MetadataReference>? libraries = null,
        bool nullable = false,
        LanguageVersion languageVersion = LanguageVersion.Latest)
    {
        var parseOptions = new CSharpParseOptions(languageVersion);
        return CSharpCompilation.Create(
            "Program" + Guid.NewGuid().ToString("N"),
            sources.Select(s => CSharpSyntaxTree.ParseText(s.Source, parseOptions, path: s.Path)),
            await TestReferences.AllAsync(libraries),
            new CSharpCompilationOptions(
                OutputKind.ConsoleApplication,
                nullableContextOptions: nullable ? NullableContextOptions.Enable : NullableContextOptions.Disable,
                optimizationLevel: OptimizationLevel.Debug));
    }

    /// <summary>Emits the compilation (its errors throw) and runs its entry point.</summary>
    public static async Task<ProgramOutcome> RunAsync(Compilation compilation)
    {
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = compilation.Emit(image);
        if (!emitted.Success)
        {
            throw new InvalidOperationException("The program does not compile:\n" + string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        }

        return await RunAsync(image.ToArray());
    }

    /// <summary>Runs the entry point of an emitted program image.</summary>
    public static async Task<ProgramOutcome> RunAsync(byte[] image)
    {
        var context = new ProgramLoadContext();
        try
        {
            Assembly assembly = context.LoadFromStream(new MemoryStream(image));
            MethodInfo entry = assembly.EntryPoint ?? throw new InvalidOperationException("The program has no entry point.");
            await ConsoleGate.WaitAsync();
            TextWriter console = Console.Out;
            var output = new StringWriter();
            try
            {
                Console.SetOut(output);
                ProgramOutcome? outcome = null;
                var thread = new Thread(() => outcome = RunOnThisThread(entry, output), 16 * 1024 * 1024) { IsBackground = true, Name = "RefSafety program run" };
                thread.Start();
                if (!thread.Join(Timeout))
                {
                    return new ProgramOutcome(output.ToString(), "timeout", false, ImmutableArray<string>.Empty, ImmutableDictionary<string, int>.Empty, 0)
                    {
                        RunError = $"did not return within {Timeout.TotalSeconds} s",
                    };
                }

                return outcome!;
            }
            finally
            {
                Console.SetOut(console);
                ConsoleGate.Release();
            }
        }
        finally
        {
            context.Unload();
        }
    }

    private static ProgramOutcome RunOnThisThread(MethodInfo entry, StringWriter output)
    {
        var heap = new Heap();
        var unraisable = new List<string>();
        string? exception = null;
        bool refHeap = false;
        using (heap.Activate())
        {
            heap.DebugOutput = output;
            heap.UnraisableException += (_, e) => unraisable.Add(Describe(e.Exception));
            try
            {
                object?[]? arguments = entry.GetParameters().Length == 1 ? new object?[] { Array.Empty<string>() } : null;
                object? result = entry.Invoke(null, arguments);
                if (result is Task task)
                {
                    task.GetAwaiter().GetResult();
                }
            }
            catch (TargetInvocationException wrapped) when (wrapped.InnerException is { } inner)
            {
                // Programs that call through reflection wrap again.
                while (inner is TargetInvocationException { InnerException: { } deeper })
                {
                    inner = deeper;
                }

                exception = Describe(inner);
                refHeap = IsRefHeapException(inner);
            }
            catch (Exception other)
            {
                exception = Describe(other);
                refHeap = IsRefHeapException(other);
            }

            try
            {
                Gc.Collect();
            }
            catch (Exception collect)
            {
                exception ??= "Gc.Collect: " + Describe(collect);
                refHeap |= IsRefHeapException(collect);
            }

            ImmutableDictionary<string, int> live = new HeapInspector(heap).TypeStats().ToImmutableDictionary();
            return new ProgramOutcome(output.ToString(), exception, refHeap, unraisable.ToImmutableArray(), live, heap.LiveObjectCount);
        }
    }

    /// <summary>An exception RefHeap throws to say the counts are wrong (or a heap was used from another thread).</summary>
    public static bool IsRefHeapException(Exception exception) =>
        exception.GetType().Assembly == typeof(RefObject).Assembly
        || exception.StackTrace is { } trace && exception is InvalidOperationException && trace.TrimStart().StartsWith("at RefHeap.", StringComparison.Ordinal);

    private static string Describe(Exception exception) => $"{exception.GetType().FullName}: {exception.Message}";

    /// <summary>
    /// The fixed program against the original: the same output and ending, no RefHeap exception, nothing unraisable,
    /// and no more live objects of any type after <c>Gc.Collect()</c> (fewer where the fix removed a leak). When the
    /// original itself died of a RefHeap exception (the bug the fix repairs), the fixed output must continue it.
    /// Null when the fixed program keeps the original's behaviour, else why not.
    /// </summary>
    public static string? CompareFixed(ProgramOutcome original, ProgramOutcome fixedOutcome)
    {
        if (fixedOutcome.RunError is { } error)
        {
            return "the fixed program " + error;
        }

        if (fixedOutcome.RefHeapException)
        {
            return "the fixed program throws " + fixedOutcome.Exception;
        }

        if (!fixedOutcome.Unraisable.IsEmpty)
        {
            return "the fixed program reports unraisable exceptions: " + string.Join("; ", fixedOutcome.Unraisable);
        }

        if (original.RefHeapException || original.RunError is not null)
        {
            return fixedOutcome.Output.StartsWith(original.Output, StringComparison.Ordinal)
                ? null
                : "the fixed program's output does not continue the original's";
        }

        if (fixedOutcome.Output != original.Output)
        {
            return "the output changed";
        }

        if (fixedOutcome.Exception != original.Exception)
        {
            return "the program ends differently";
        }

        foreach (var (type, count) in fixedOutcome.LiveByType)
        {
            int before = original.LiveByType.TryGetValue(type, out int b) ? b : 0;
            if (count > before)
            {
                return $"the fixed program leaves {count} live {type} after Gc.Collect() ({before} before the fix)";
            }
        }

        return fixedOutcome.LiveObjects > original.LiveObjects
            ? $"the fixed program leaves {fixedOutcome.LiveObjects} live objects after Gc.Collect() ({original.LiveObjects} before the fix)"
            : null;
    }

    /// <summary>Loads one program; RefHeap resolves to the test process's own copy so that its heap can be inspected.</summary>
    private sealed class ProgramLoadContext : AssemblyLoadContext
    {
        private static readonly Assembly RefHeapAssembly = typeof(RefObject).Assembly;

        public ProgramLoadContext()
            : base("RefSafety program", isCollectible: true)
        {
        }

        protected override Assembly? Load(AssemblyName assemblyName) =>
            assemblyName.Name == RefHeapAssembly.GetName().Name ? RefHeapAssembly : null;
    }
}

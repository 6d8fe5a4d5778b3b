using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace RefSafety.Tests;

/// <summary>
/// The one set of references every RefSafety test compiles against: the .NET 8 reference assemblies and the
/// RefHeap.dll this solution builds.
/// </summary>
/// <remarks>
/// Why .NET 8 reference assemblies, and not the running .NET 10 runtime's assemblies:
/// <list type="bullet">
/// <item>RefHeap targets net8.0 and the package puts it in lib/net8.0, so net8.0 is the oldest framework a user
/// compiles RefHeap code against. Code that compiles here compiles for every user; the newer runtime's assemblies
/// would accept APIs a net8.0 user does not have.</item>
/// <item>They are reference assemblies, as in a real build (no implementation-only types), and the same on every
/// machine, whatever runtime runs the tests; ReferenceAssemblies.Net.Net80 resolves from the local package cache
/// (ReferenceAssemblies.Net.Net100 does not: Testing 1.1.4 asks for a 10.0.x pack that is not served here).</item>
/// <item>A program compiled against them runs in the test process (the runtime unifies framework references
/// upward), which is what executed fix tests need.</item>
/// </list>
/// </remarks>
public static class TestReferences
{
    public static ReferenceAssemblies Framework { get; } = ReferenceAssemblies.Net.Net80;

    public static readonly MetadataReference RefHeap =
        MetadataReference.CreateFromFile(typeof(global::RefHeap.RefObject).Assembly.Location);

    private static readonly Lazy<Task<ImmutableArray<MetadataReference>>> FrameworkReferences =
        new(() => Framework.ResolveAsync(LanguageNames.CSharp, CancellationToken.None));

    /// <summary>The framework reference assemblies plus RefHeap (and <paramref name="extra"/>).</summary>
    public static async Task<ImmutableArray<MetadataReference>> AllAsync(IEnumerable<MetadataReference>? extra = null) =>
        (await FrameworkReferences.Value).Add(RefHeap).AddRange(extra ?? Enumerable.Empty<MetadataReference>());

    /// <summary>Every analyzer RefSafety ships, as a user's build runs them.</summary>
    public static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers { get; } = typeof(RefSafety.Analyzers.Descriptors).Assembly.GetTypes()
        .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    /// <summary>Every code fix RefSafety ships.</summary>
    public static ImmutableArray<Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider> AllCodeFixes { get; } = typeof(RefSafety.CodeFixes.Balance.BalanceFix).Assembly.GetTypes()
        .Where(t => typeof(Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract)
        .Select(t => (Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    /// <summary>Compiles <paramref name="source"/> into an in-memory library referenced as metadata ("a type from another assembly").</summary>
    public static async Task<MetadataReference> CompileLibraryAsync(string source, string name = "Library")
    {
        CSharpCompilation library = CSharpCompilation.Create(
            name,
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)) },
            await AllAsync(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = library.Emit(stream);
        if (!result.Success)
        {
            throw new InvalidOperationException(string.Join("\n", result.Diagnostics));
        }

        return MetadataReference.CreateFromImage(stream.ToArray());
    }
}

using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace RefSafety.Tests.Rules;

/// <summary>
/// Runs a type-graph analyzer over several source files and, optionally, a library compiled in the test and
/// referenced as metadata (the "types from a referenced assembly" case).
/// </summary>
public static class CycleTest<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static Task Run(IEnumerable<string> sources, string? librarySource, params DiagnosticResult[] expected)
    {
        var test = new CSharpAnalyzerTest<TAnalyzer, DefaultVerifier> { ReferenceAssemblies = ReferenceAssemblies.Net.Net80 };
        test.TestState.AdditionalReferences.Add(TestSupport.RefHeapReference);
        if (librarySource is not null)
        {
            test.TestState.AdditionalReferences.Add(CompileLibrary(librarySource));
        }

        int i = 0;
        foreach (string source in sources)
        {
            test.TestState.Sources.Add(($"/0/Test{i++}.cs", source));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Compiles <paramref name="source"/> against the running framework and RefHeap into an in-memory library.</summary>
    public static MetadataReference CompileLibrary(string source)
    {
        var references = new List<MetadataReference> { TestSupport.RefHeapReference };
        foreach (string path in ((string)System.AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator))
        {
            references.Add(MetadataReference.CreateFromFile(path));
        }

        CSharpCompilation library = CSharpCompilation.Create(
            "CycleLibrary",
            new[] { CSharpSyntaxTree.ParseText(source) },
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = library.Emit(stream);
        if (!result.Success)
        {
            throw new System.InvalidOperationException(string.Join("\n", result.Diagnostics));
        }

        return MetadataReference.CreateFromImage(stream.ToArray());
    }
}

/// <summary>
/// Code-fix test for diagnostics reported at compilation end (REFS011, REFS020): the IDE offers fixes for them from
/// full-solution analysis, so the harness's "local diagnostic" check is skipped. Every fixed document still compiles.
/// </summary>
public sealed class CycleFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
{
    public CycleFixTest(string? equivalenceKey = null)
    {
        ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
        TestState.AdditionalReferences.Add(TestSupport.RefHeapReference);
        FixedState.AdditionalReferences.Add(TestSupport.RefHeapReference);
        BatchFixedState.AdditionalReferences.Add(TestSupport.RefHeapReference);
        CodeFixTestBehaviors |= CodeFixTestBehaviors.SkipLocalDiagnosticCheck;
        CodeActionEquivalenceKey = equivalenceKey;
    }

    public static Task Run(string source, string fixedSource, params DiagnosticResult[] expected)
    {
        var test = new CycleFixTest<TAnalyzer, TCodeFix> { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }
}

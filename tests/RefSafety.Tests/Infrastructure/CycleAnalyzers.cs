using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

/// <summary>Runs all five cycle and finalizer analyzers over sources: used to show a fixed program raises none of them.</summary>
public static class CycleAnalyzers
{
    private static readonly ImmutableArray<DiagnosticAnalyzer> All = ImmutableArray.Create<DiagnosticAnalyzer>(
        new REFS010StrongCycleCreatedAnalyzer(),
        new REFS011TypeCanFormCycleAnalyzer(),
        new REFS020FinalizerInCycleAnalyzer(),
        new REFS021FinalizerResurrectsAnalyzer(),
        new REFS022DestructorOnRefObjectAnalyzer());

    /// <summary>The sources compile without errors and no cycle or finalizer analyzer reports anything (analyzer exceptions included).</summary>
    public static async Task AssertSilent(params string[] sources) => Assert.Empty(await Run(sources));

    /// <summary>
    /// The fixed program compiles, reports fewer <paramref name="fixedId"/> diagnostics than the original, and
    /// nothing the original did not report (compared by ID and message).
    /// </summary>
    public static async Task AssertFixedWithoutNewDiagnostics(string fixedId, string[] original, string[] fixedSources)
    {
        List<string> before = await Run(original);
        List<string> after = await Run(fixedSources);
        Assert.True(after.Count(d => d.StartsWith(fixedId)) < before.Count(d => d.StartsWith(fixedId)), $"{fixedId} is still reported: {string.Join("; ", after)}");
        Assert.Empty(after.Except(before));
    }

    /// <summary>"ID: message" of every cycle and finalizer diagnostic; fails on compile errors and analyzer exceptions.</summary>
    private static async Task<List<string>> Run(string[] sources)
    {
        var references = new List<MetadataReference> { TestSupport.RefHeapReference };
        references.AddRange(((string)System.AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).Select(p => MetadataReference.CreateFromFile(p)));
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Fixed",
            sources.Select(s => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest))),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var exceptions = new List<string>();
        var options = new CompilationWithAnalyzersOptions(options: null!, (ex, analyzer, _) => exceptions.Add($"{analyzer}: {ex}"), concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(All, options).GetAnalyzerDiagnosticsAsync();
        Assert.Empty(exceptions);
        return diagnostics.Select(d => $"{d.Id}: {d.GetMessage()}").ToList();
    }
}

using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace RefSafety.Tests;

/// <summary>
/// What a compilation and a set of analyzers produce, for the tests that look at diagnostics themselves (crash and
/// robustness tests) rather than through markers: <see cref="RuleTestBuilder.AnalyzeAsync"/>.
/// </summary>
public sealed record AnalysisResult(ImmutableArray<Diagnostic> Compiler, ImmutableArray<Diagnostic> Analyzer, ImmutableArray<string> AnalyzerExceptions)
{
    public IEnumerable<Diagnostic> CompilerErrors => Compiler.Where(d => d.Severity == DiagnosticSeverity.Error);

    internal static async Task<AnalysisResult> RunAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, string? editorConfig = null)
    {
        var exceptions = new List<string>();
        var options = new CompilationWithAnalyzersOptions(
            options: editorConfig is null ? null! : new EditorConfigOptions(editorConfig).AsAnalyzerOptions(),
            (ex, analyzer, _) => { lock (exceptions) { exceptions.Add($"{analyzer}: {ex}"); } },
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();
        return new AnalysisResult(compilation.GetDiagnostics(), diagnostics, exceptions.ToImmutableArray());
    }
}

public sealed partial class RuleTestBuilder
{
    /// <summary>
    /// Compiles the sources (markers are not allowed: nothing is expected) and runs the analyzers, without asserting
    /// anything: the caller inspects the result. Analyzer exceptions appear as AD0001 diagnostics, as in a build.
    /// </summary>
    public async Task<AnalysisResult> AnalyzeAsync()
    {
        var compilation = CSharpCompilation.Create(
            "Corpus",
            _sources.Select(s => CSharpSyntaxTree.ParseText(s.Source, new CSharpParseOptions(_languageVersion ?? LanguageVersion.Latest), path: s.Path)),
            await TestReferences.AllAsync(await CompileLibrariesAsync()),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: _nullable ? NullableContextOptions.Enable : NullableContextOptions.Disable));
        ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(_analyzers).GetAnalyzerDiagnosticsAsync();
        return new AnalysisResult(compilation.GetDiagnostics(), diagnostics, ImmutableArray<string>.Empty);
    }
}

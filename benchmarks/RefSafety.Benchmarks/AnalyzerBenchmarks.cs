using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace RefSafety.Benchmarks;

/// <summary>
/// One benchmark per analyzer: the time one analyzer takes over a compilation of the ValidCode corpus copied
/// <see cref="Copies"/> times (each copy in its own namespace), control flow graphs included, as in a build.
/// Run: <c>dotnet run -c Release --project benchmarks/RefSafety.Benchmarks</c>.
/// </summary>
[MemoryDiagnoser]
public class AnalyzerBenchmarks
{
    private const int Copies = 25;

    private Compilation _compilation = null!;
    private DiagnosticAnalyzer _analyzer = null!;

    public static IEnumerable<string> AnalyzerNames() =>
        typeof(RefSafety.Analyzers.Rules.OwnershipAnalyzer).Assembly.GetTypes()
            .Where(t => typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && !t.IsAbstract)
            .Select(t => t.Name)
            .OrderBy(n => n, StringComparer.Ordinal);

    [ParamsSource(nameof(AnalyzerNames))]
    public string Analyzer { get; set; } = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        string corpus = Path.Combine(AppContext.BaseDirectory, "Corpus");
        var trees = new List<SyntaxTree>();
        for (int copy = 0; copy < Copies; copy++)
        {
            foreach (string file in Directory.GetFiles(corpus, "*.cs"))
            {
                string source = File.ReadAllText(file).Replace("namespace Corpus.", $"namespace Corpus{copy}.", StringComparison.Ordinal);
                trees.Add(CSharpSyntaxTree.ParseText(source, path: $"{copy}/{Path.GetFileName(file)}"));
            }
        }

        IEnumerable<MetadataReference> references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Select(p => MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(RefHeap.RefObject).Assembly.Location));
        _compilation = CSharpCompilation.Create("Corpus", trees, references, new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        Type type = typeof(RefSafety.Analyzers.Rules.OwnershipAnalyzer).Assembly.GetTypes().Single(t => t.Name == Analyzer);
        _analyzer = (DiagnosticAnalyzer)Activator.CreateInstance(type)!;
    }

    [Benchmark]
    public int Analyze() =>
        _compilation.WithAnalyzers(ImmutableArray.Create(_analyzer)).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult().Length;
}

public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}

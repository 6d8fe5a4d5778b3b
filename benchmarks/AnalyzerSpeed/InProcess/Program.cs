using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

// Analyzer speed in one process, side by side: CA2000 over the IDisposable twin, then each given RefSafety build
// over the RefHeap project and over the twin (which references RefHeap but counts nothing), alternating, REPS times.
// Each run gets a fresh compilation, bound first (as the build's compile does); times are the driver's per-analyzer
// execution times, the figures -p:ReportAnalyzer=true prints.
// Usage: InProcess GEN_DIR REFHEAP_DLL NETANALYZERS_DLL REPS REFSAFETY_DLL...
// With INPROCESS_SERIAL=1 the driver runs the analyzers one action at a time (concurrentAnalysis: false): slower, but
// an action's time is then its own CPU work, not also the waits and collections of the actions beside it (steadier
// before/after figures on a shared 2-core machine).
string gen = args[0];
MetadataReference refHeap = MetadataReference.CreateFromFile(args[1]);
string netAnalyzers = args[2];
int reps = int.Parse(args[3]);
string[] builds = args.Skip(4).ToArray();
bool concurrent = Environment.GetEnvironmentVariable("INPROCESS_SERIAL") != "1";

List<MetadataReference> framework = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
    .Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
    .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
    .ToList();
ImmutableArray<DiagnosticAnalyzer> ca2000 = Load(netAnalyzers).Where(a => a.SupportedDiagnostics.Any(d => d.Id == "CA2000")).ToImmutableArray();
List<ImmutableArray<DiagnosticAnalyzer>> refSafety = builds.Select(Load).ToList();

var samples = new Dictionary<string, List<double>>();
for (int rep = 0; rep < reps; rep++)
{
    double ca = Record("CA2000 on the twin", Run("DisposableProject", null, ca2000));
    string line = $"rep {rep}: CA2000 {ca:F3} s";
    for (int k = 0; k < builds.Length; k++)
    {
        double counted = Record($"[{k}] RefSafety on the RefHeap project", Run("RefHeapProject", refHeap, refSafety[k], $"[{k}] "));
        double uncounted = Record($"[{k}] RefSafety on the twin (RefHeap referenced, unused)", Run("DisposableProject", refHeap, refSafety[k]));
        Record($"[{k}] RefSafety / CA2000", counted / ca);
        line += $" | [{k}] {counted:F3} s = {counted / ca:P1}, on the twin {uncounted:F3} s";
    }

    Console.WriteLine(line);
}

Console.WriteLine();
Console.WriteLine($"median (min) of {reps} runs, seconds (ratios: per run, then the median):");
foreach (KeyValuePair<string, List<double>> sample in samples)
{
    Console.WriteLine($"  {Median(sample.Value),7:F3} ({sample.Value.Min():F3})  {sample.Key}");
}

for (int k = 0; k < builds.Length; k++)
{
    Console.WriteLine($"[{k}] {builds[k]}");
}

double Record(string name, double seconds)
{
    if (!samples.TryGetValue(name, out List<double>? list))
    {
        samples[name] = list = new List<double>();
    }

    list.Add(seconds);
    return seconds;
}

double Run(string project, MetadataReference? extra, ImmutableArray<DiagnosticAnalyzer> analyzers, string? perAnalyzerPrefix = null)
{
    Compilation compilation = CSharpCompilation.Create(
        project,
        Directory.GetFiles(Path.Combine(gen, project), "*.cs").Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), path: f)),
        extra is null ? framework : framework.Append(extra),
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
            specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic> { ["CA2000"] = ReportDiagnostic.Warn }));
    compilation.GetDiagnostics();

    // Start each run on a clean heap: otherwise the garbage of the runs before it (whole compilations) is collected
    // during this one and charged to whichever analyzer happens to allocate then.
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: concurrent, logAnalyzerExecutionTime: true);
    CompilationWithAnalyzers withAnalyzers = compilation.WithAnalyzers(analyzers, options);
    ImmutableArray<Diagnostic> diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().Result;
    if (diagnostics.Any(d => d.Severity >= DiagnosticSeverity.Warning))
    {
        throw new InvalidOperationException("The generated code is correct, yet: " + diagnostics.First(d => d.Severity >= DiagnosticSeverity.Warning));
    }

    double total = 0;
    foreach (DiagnosticAnalyzer analyzer in analyzers)
    {
        double seconds = withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, default).Result.ExecutionTime.TotalSeconds;
        total += seconds;
        if (perAnalyzerPrefix is not null)
        {
            Record(perAnalyzerPrefix + "  " + analyzer.GetType().Name, seconds);
        }
    }

    return total;
}

static ImmutableArray<DiagnosticAnalyzer> Load(string path) =>
    new AnalyzerFileReference(Path.GetFullPath(path), IsolatingLoader.Instance).GetAnalyzers(LanguageNames.CSharp);

static double Median(List<double> values) => values.OrderBy(v => v).ElementAt(values.Count / 2);

/// <summary>Each analyzer assembly in its own load context, so two builds of RefSafety.Analyzers can be compared; Roslyn itself is shared.</summary>
internal sealed class IsolatingLoader : IAnalyzerAssemblyLoader
{
    public static readonly IsolatingLoader Instance = new();

    public void AddDependencyLocation(string fullPath)
    {
    }

    public Assembly LoadFromPath(string fullPath) => new AssemblyLoadContext(fullPath).LoadFromAssemblyPath(fullPath);
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;

namespace RefSafety.Precision;

/// <summary>
/// The real-code precision harness (docs/precision.md). Builds one compilation from every .cs file under a folder
/// (compile errors tolerated: a corpus without its third-party references binds to error types, as it would in an
/// IDE with a broken restore), runs every RefSafety analyzer with one .editorconfig applied to every file, and writes
/// the findings as TSV (id, file, line, message). Prints the count per rule, every analyzer exception (AD0001), the
/// time per analyzer, and the files and methods that take longer than the threshold.
/// </summary>
internal static class Program
{
    private const string Usage =
        "Usage: Precision CORPUS_DIR EDITORCONFIG OUT_TSV [--define A;B] [--implicit-usings] [--include-tests]\n" +
        "                 [--analyzers PATH.dll] [--slow SECONDS] [--no-timing]";

    private static int Main(string[] args)
    {
        if (args.Length < 3)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        string corpus = Path.GetFullPath(args[0]);
        string editorconfig = Path.GetFullPath(args[1]);
        string output = Path.GetFullPath(args[2]);
        var defines = new List<string>();
        bool implicitUsings = false, includeTests = false, timing = true;
        string? analyzerPath = null;
        double slow = 1.0;
        for (int i = 3; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--define": defines.AddRange(args[++i].Split(';', ',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)); break;
                case "--implicit-usings": implicitUsings = true; break;
                case "--include-tests": includeTests = true; break;
                case "--analyzers": analyzerPath = Path.GetFullPath(args[++i]); break;
                case "--slow": slow = double.Parse(args[++i], System.Globalization.CultureInfo.InvariantCulture); break;
                case "--no-timing": timing = false; break;
                default: Console.Error.WriteLine("Unknown option " + args[i] + "\n" + Usage); return 2;
            }
        }

        // 1. The compilation.
        var parse = new CSharpParseOptions(LanguageVersion.Preview, DocumentationMode.None, SourceCodeKind.Regular, defines);
        List<string> files = SourceFiles(corpus, includeTests).ToList();
        var stopwatch = Stopwatch.StartNew();
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(SourceText.From(File.ReadAllText(f), Encoding.UTF8), parse, f)).ToList();
        if (implicitUsings)
        {
            // What the SDK generates for <ImplicitUsings>enable</ImplicitUsings> in a class library.
            trees.Add(CSharpSyntaxTree.ParseText(
                "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
                "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;", parse, Path.Combine(corpus, "obj", "GlobalUsings.g.cs")));
        }

        string refHeap = typeof(RefHeap.RefObject).Assembly.Location;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.Ordinal))
            .Append(refHeap)
            .Distinct(StringComparer.Ordinal)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
        CSharpCompilation compilation = CSharpCompilation.Create(
            Path.GetFileName(corpus.TrimEnd(Path.DirectorySeparatorChar)),
            trees,
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable,
                concurrentBuild: true));
        ImmutableArray<Diagnostic> compileDiagnostics = compilation.GetDiagnostics();
        int errors = compileDiagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
        Console.WriteLine($"corpus     {corpus}");
        Console.WriteLine($"config     {editorconfig}");
        Console.WriteLine($"files      {files.Count} .cs files, {trees.Sum(t => t.GetText().Lines.Count):N0} lines; defines: {string.Join(";", defines)}");
        Console.WriteLine($"compile    {errors} errors (tolerated), bound in {stopwatch.Elapsed.TotalSeconds:F1} s");
        foreach (IGrouping<string, Diagnostic> group in compileDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).GroupBy(d => d.Id).OrderByDescending(g => g.Count()).Take(5))
        {
            Console.WriteLine($"           {group.Key} x{group.Count()}: {group.First().GetMessage()}");
        }

        // 2. The analyzers and the options.
        ImmutableArray<DiagnosticAnalyzer> analyzers = LoadAnalyzers(analyzerPath);
        Console.WriteLine($"analyzers  {analyzers.Length} from {analyzerPath ?? typeof(RefSafety.Analyzers.Rules.OwnershipAnalyzer).Assembly.Location}");
        var options = new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty, EditorConfigProvider.Create(editorconfig, corpus, trees));

        // 3. One concurrent run: the findings and the time per analyzer.
        var exceptions = new List<string>();
        var runOptions = new CompilationWithAnalyzersOptions(options, (e, a, d) => { lock (exceptions) { exceptions.Add($"{a.GetType().Name}: {e.GetType().Name}: {e.Message}"); } },
            concurrentAnalysis: true, logAnalyzerExecutionTime: true, reportSuppressedDiagnostics: false);
        stopwatch.Restart();
        CompilationWithAnalyzers withAnalyzers = compilation.WithAnalyzers(analyzers, runOptions);
        ImmutableArray<Diagnostic> diagnostics = withAnalyzers.GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        double wall = stopwatch.Elapsed.TotalSeconds;

        List<Diagnostic> findings = diagnostics
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ToList();
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        using (var tsv = new StreamWriter(output, false, new UTF8Encoding(false)))
        {
            tsv.WriteLine("id\tfile\tline\tmessage");
            foreach (Diagnostic d in findings)
            {
                string file = d.Location.SourceTree is { } tree ? Path.GetRelativePath(corpus, tree.FilePath) : "";
                int line = d.Location.IsInSource ? d.Location.GetLineSpan().StartLinePosition.Line + 1 : 0;
                tsv.WriteLine($"{d.Id}\t{file}\t{line}\t{Clean(d.GetMessage())}");
            }
        }

        Console.WriteLine($"analysis   {wall:F1} s wall (concurrent); {findings.Count} findings -> {output}");
        Console.WriteLine("per rule:");
        foreach (IGrouping<string, Diagnostic> group in findings.GroupBy(d => d.Id).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            Console.WriteLine($"  {group.Key}  {group.Count(),6}");
        }

        List<Diagnostic> crashes = findings.Where(d => d.Id == "AD0001").ToList();
        Console.WriteLine($"AD0001 (analyzer exceptions): {crashes.Count + exceptions.Count}");
        foreach (Diagnostic crash in crashes)
        {
            Console.WriteLine($"  {crash.Location.GetLineSpan().Path}: {Clean(crash.GetMessage())}");
        }

        foreach (string e in exceptions.Distinct())
        {
            Console.WriteLine($"  {e}");
        }

        Console.WriteLine("time per analyzer (driver's execution time, concurrent run):");
        foreach (DiagnosticAnalyzer analyzer in analyzers)
        {
            TimeSpan time = withAnalyzers.GetAnalyzerTelemetryInfoAsync(analyzer, CancellationToken.None).GetAwaiter().GetResult().ExecutionTime;
            Console.WriteLine($"  {time.TotalSeconds,8:F3} s  {analyzer.GetType().Name}");
        }

        // 4. Worst files, then the slow methods inside the slow files: a fresh, sequential driver, one file at a time.
        if (timing)
        {
            ReportSlowCode(compilation, analyzers, options, corpus, slow);
        }

        return 0;
    }

    private static IEnumerable<string> SourceFiles(string corpus, bool includeTests)
    {
        foreach (string file in Directory.EnumerateFiles(corpus, "*.cs", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
        {
            string[] parts = Path.GetRelativePath(corpus, file).Split(Path.DirectorySeparatorChar);
            bool skipped = parts.Take(parts.Length - 1).Any(p =>
                p.Equals("obj", StringComparison.OrdinalIgnoreCase) || p.Equals("bin", StringComparison.OrdinalIgnoreCase) ||
                (!includeTests && p.Contains("test", StringComparison.OrdinalIgnoreCase)));
            if (!skipped)
            {
                yield return file;
            }
        }
    }

    private static ImmutableArray<DiagnosticAnalyzer> LoadAnalyzers(string? path)
    {
        if (path is not null)
        {
            return new AnalyzerFileReference(path, new IsolatingLoader()).GetAnalyzers(LanguageNames.CSharp);
        }

        return typeof(RefSafety.Analyzers.Rules.OwnershipAnalyzer).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
    }

    private static void ReportSlowCode(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, AnalyzerOptions options, string corpus, double slow)
    {
        var sequential = new CompilationWithAnalyzersOptions(options, null, concurrentAnalysis: false, logAnalyzerExecutionTime: false, reportSuppressedDiagnostics: false);
        CompilationWithAnalyzers perFile = compilation.WithAnalyzers(analyzers, sequential);

        // The compilation-start actions run on the first request: pay them on an empty span first.
        SyntaxTree first = compilation.SyntaxTrees.First();
        perFile.GetAnalyzerSemanticDiagnosticsAsync(compilation.GetSemanticModel(first), new TextSpan(0, 0), CancellationToken.None).GetAwaiter().GetResult();

        var fileTimes = new List<(SyntaxTree Tree, double Seconds)>();
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            var stopwatch = Stopwatch.StartNew();
            perFile.GetAnalyzerSemanticDiagnosticsAsync(compilation.GetSemanticModel(tree), null, CancellationToken.None).GetAwaiter().GetResult();
            fileTimes.Add((tree, stopwatch.Elapsed.TotalSeconds));
        }

        Console.WriteLine($"time per file (sequential re-run, all analyzers): total {fileTimes.Sum(f => f.Seconds):F1} s; worst 10:");
        foreach ((SyntaxTree tree, double seconds) in fileTimes.OrderByDescending(f => f.Seconds).Take(10))
        {
            Console.WriteLine($"  {seconds,8:F3} s  {Path.GetRelativePath(corpus, tree.FilePath)}");
        }

        var slowMethods = new List<(string Name, double Seconds)>();
        foreach ((SyntaxTree tree, double _) in fileTimes.Where(f => f.Seconds > slow))
        {
            // A fresh driver per file, so no member's result is cached from the whole-file pass above.
            CompilationWithAnalyzers perMember = compilation.WithAnalyzers(analyzers, sequential);
            SemanticModel model = compilation.GetSemanticModel(tree);
            perMember.GetAnalyzerSemanticDiagnosticsAsync(model, new TextSpan(0, 0), CancellationToken.None).GetAwaiter().GetResult();
            foreach (MemberDeclarationSyntax member in tree.GetRoot().DescendantNodes().OfType<MemberDeclarationSyntax>()
                         .Where(m => m is BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax or FieldDeclarationSyntax))
            {
                var stopwatch = Stopwatch.StartNew();
                perMember.GetAnalyzerSemanticDiagnosticsAsync(model, member.Span, CancellationToken.None).GetAwaiter().GetResult();
                double seconds = stopwatch.Elapsed.TotalSeconds;
                if (seconds > slow)
                {
                    int line = member.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
                    slowMethods.Add(($"{Path.GetRelativePath(corpus, tree.FilePath)}:{line} {Describe(member)}", seconds));
                }
            }
        }

        Console.WriteLine($"methods over {slow:F1} s: {slowMethods.Count}");
        foreach ((string name, double seconds) in slowMethods.OrderByDescending(m => m.Seconds))
        {
            Console.WriteLine($"  {seconds,8:F3} s  {name}");
        }
    }

    private static string Describe(MemberDeclarationSyntax member) => member switch
    {
        MethodDeclarationSyntax m => m.Identifier.Text + "()",
        ConstructorDeclarationSyntax c => c.Identifier.Text + "..ctor",
        PropertyDeclarationSyntax p => p.Identifier.Text + " (property)",
        _ => member.Kind().ToString(),
    };

    private static string Clean(string message) => message.Replace('\t', ' ').Replace('\r', ' ').Replace('\n', ' ');

    /// <summary>Each analyzer assembly in its own load context, so another build of RefSafety.Analyzers can be measured; Roslyn is shared.</summary>
    private sealed class IsolatingLoader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => new AssemblyLoadContext(fullPath).LoadFromAssemblyPath(fullPath);
    }
}

/// <summary>
/// The .editorconfig applied to every file of the corpus: the file is parsed as if it sat at the corpus root, so its
/// <c>[*.cs]</c> section matches every source file; the options are resolved per tree through Roslyn's own
/// <see cref="AnalyzerConfigSet"/>, as the compiler does.
/// </summary>
internal sealed class EditorConfigProvider : AnalyzerConfigOptionsProvider
{
    private readonly Dictionary<SyntaxTree, AnalyzerConfigOptions> _perTree;

    private EditorConfigProvider(Dictionary<SyntaxTree, AnalyzerConfigOptions> perTree, AnalyzerConfigOptions global)
    {
        _perTree = perTree;
        GlobalOptions = global;
    }

    public override AnalyzerConfigOptions GlobalOptions { get; }

    public static EditorConfigProvider Create(string editorconfig, string corpus, IEnumerable<SyntaxTree> trees)
    {
        AnalyzerConfig config = AnalyzerConfig.Parse(File.ReadAllText(editorconfig), Path.Combine(corpus, ".editorconfig"));
        AnalyzerConfigSet set = AnalyzerConfigSet.Create(new[] { config });
        var perTree = new Dictionary<SyntaxTree, AnalyzerConfigOptions>();
        foreach (SyntaxTree tree in trees)
        {
            perTree[tree] = new Options(set.GetOptionsForSourcePath(tree.FilePath).AnalyzerOptions);
        }

        if (perTree.Count > 0 && !perTree.Values.Any(o => o.Keys.Any(k => k.StartsWith("refsafety.", StringComparison.Ordinal))))
        {
            throw new InvalidOperationException($"{editorconfig} sets no refsafety.* key for the files of {corpus}");
        }

        return new EditorConfigProvider(perTree, new Options(set.GlobalConfigOptions.AnalyzerOptions));
    }

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _perTree.TryGetValue(tree, out AnalyzerConfigOptions? options) ? options : Options.Empty;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

    private sealed class Options(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public static readonly Options Empty = new(ImmutableDictionary<string, string>.Empty);

        public override IEnumerable<string> Keys => values.Keys;

        public override bool TryGetValue(string key, out string value) => values.TryGetValue(key, out value!);
    }
}

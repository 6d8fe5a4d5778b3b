using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Xunit;

namespace RefSafety.Tests;

/// <summary>
/// The one way to test a RefSafety rule. Every test starts here:
/// <code>
/// RuleTest.For&lt;OwnershipAnalyzer&gt;()
///     .WithSource("... {|REFS001:return;|} ...")
///     .WithFix&lt;REFS001ReleaseFix&gt;("Release before this exit")
///     .ExpectFixed("... node.DecRef(); return; ...")
///     .RunAsync();
/// </code>
/// <list type="bullet">
/// <item>Sources are compiled against <see cref="TestReferences"/> (the .NET 8 reference assemblies and RefHeap):
/// always the same references.</item>
/// <item>Expected diagnostics are written in the sources as <c>{|REFS001:…|}</c> (see <see cref="Markup"/>); the
/// analyzer must report exactly those, at exactly those spans. <see cref="RuleTestBuilder.ExpectMessage"/>,
/// <see cref="RuleTestBuilder.ExpectArguments"/> and <see cref="RuleTestBuilder.ExpectMessageContaining"/> check
/// the message of the n-th marker (in source order).</item>
/// <item>With a fix, the fixed code must compile (a fix that breaks the build fails the test), equal
/// <see cref="RuleTestBuilder.ExpectFixed"/> both when fixing one diagnostic at a time and under Fix All in
/// document, project and solution, and raise no RefSafety diagnostic (of any rule) that the original code did not
/// raise as often.</item>
/// <item>Compilation-end rules (REFS011, REFS020) are handled: their fixes come from full-solution analysis, so the
/// "diagnostic is local" check is skipped for them.</item>
/// </list>
/// </summary>
public static class RuleTest
{
    /// <summary>A test of the rules <typeparamref name="TAnalyzer"/> reports.</summary>
    public static RuleTestBuilder For<TAnalyzer>()
        where TAnalyzer : DiagnosticAnalyzer, new() => new(ImmutableArray.Create<DiagnosticAnalyzer>(new TAnalyzer()));

    /// <summary>A test of every analyzer RefSafety ships at once (the ValidCode corpus, crash tests).</summary>
    public static RuleTestBuilder ForAllAnalyzers() => new(TestReferences.AllAnalyzers);
}

/// <summary>See <see cref="RuleTest"/>.</summary>
public sealed partial class RuleTestBuilder
{
    private readonly ImmutableArray<DiagnosticAnalyzer> _analyzers;
    private readonly List<(string Path, string Source)> _sources = new();
    private readonly List<(string Name, List<(string Path, string Source)> Sources, List<(string Path, string Source)> Fixed)> _projects = new();
    private readonly List<string> _libraries = new();
    private readonly List<Func<DiagnosticResult, DiagnosticResult>?> _messages = new();
    private readonly List<string?> _messageContains = new();
    private string? _editorConfig;
    private LanguageVersion? _languageVersion;
    private bool _nullable;
    private bool _unsafe;
    private bool _withoutRefHeap;
    private bool _program;
    private CodeFixProvider? _fix;
    private string? _equivalenceKey;
    private List<(string Path, string Source)>? _fixed;
    private List<(string Path, string Source)>? _fixAllFixed;
    private int? _fixAllIterations;
    private int? _fixIterations;
    private string? _newDiagnosticsAllowed;
    private bool _silentAfterFix;

    internal RuleTestBuilder(ImmutableArray<DiagnosticAnalyzer> analyzers) => _analyzers = analyzers;

    /// <summary>Adds a source file (named /0/Test0.cs, /0/Test1.cs, … in the order given).</summary>
    public RuleTestBuilder WithSource(string source) => WithSource($"/0/Test{_sources.Count}.cs", source);

    /// <summary>Adds a source file with the given path.</summary>
    public RuleTestBuilder WithSource(string path, string source)
    {
        _sources.Add((path, source));
        return this;
    }

    /// <summary>Adds several source files.</summary>
    public RuleTestBuilder WithSources(params string[] sources)
    {
        foreach (string source in sources)
        {
            WithSource(source);
        }

        return this;
    }

    /// <summary>Compiles <paramref name="source"/> into a separate assembly that the test project references as metadata.</summary>
    public RuleTestBuilder WithLibrary(string source)
    {
        _libraries.Add(source);
        return this;
    }

    /// <summary>
    /// Adds a second project to the solution, referencing the test project and RefHeap, with
    /// <paramref name="sources"/> (path, text) and, for a fix test, the <paramref name="fixedSources"/> it must become.
    /// </summary>
    public RuleTestBuilder WithProject(string name, (string Path, string Source)[] sources, (string Path, string Source)[]? fixedSources = null)
    {
        _projects.Add((name, sources.ToList(), (fixedSources ?? sources).ToList()));
        return this;
    }

    /// <summary>An .editorconfig at the root of the project (options such as the external ownership APIs).</summary>
    public RuleTestBuilder WithEditorConfig(string editorConfig)
    {
        _editorConfig = editorConfig;
        return this;
    }

    /// <summary>Compiles with this language version instead of the latest.</summary>
    public RuleTestBuilder WithLanguageVersion(LanguageVersion version)
    {
        _languageVersion = version;
        return this;
    }

    /// <summary>Compiles the sources as a console program (top-level statements allowed).</summary>
    public RuleTestBuilder AsProgram()
    {
        _program = true;
        return this;
    }

    /// <summary>Compiles without the RefHeap reference: a project that only configures another refcount API.</summary>
    public RuleTestBuilder WithoutRefHeap()
    {
        _withoutRefHeap = true;
        return this;
    }

    /// <summary>Compiles with unsafe code allowed (pointers, <c>&amp;x</c>, function pointers).</summary>
    public RuleTestBuilder WithUnsafe()
    {
        _unsafe = true;
        return this;
    }

    /// <summary>Compiles with nullable reference types enabled for the whole project (as the ValidCode corpus is).</summary>
    public RuleTestBuilder WithNullable()
    {
        _nullable = true;
        return this;
    }

    /// <summary>The message of the next marker (in source order) is exactly <paramref name="message"/>.</summary>
    public RuleTestBuilder ExpectMessage(string message) => AddExpectation(d => d.WithMessage(message), null);

    /// <summary>The message of the next marker is its descriptor's format filled with <paramref name="arguments"/>.</summary>
    public RuleTestBuilder ExpectArguments(params object[] arguments) => AddExpectation(d => d.WithMessageFormat(Descriptor(d.Id).MessageFormat).WithArguments(arguments), null);

    /// <summary>The message of the next marker contains <paramref name="text"/> (a line number, a variable name).</summary>
    public RuleTestBuilder ExpectMessageContaining(string text) => AddExpectation(null, text);

    /// <summary>The next marker has no message check (to skip one when a later marker has one).</summary>
    public RuleTestBuilder AnyMessage() => AddExpectation(null, null);

    private RuleTestBuilder AddExpectation(Func<DiagnosticResult, DiagnosticResult>? message, string? contains)
    {
        _messages.Add(message);
        _messageContains.Add(contains);
        return this;
    }

    /// <summary>Applies the code action of <typeparamref name="TFix"/> with <paramref name="equivalenceKey"/> (the first one offered when null).</summary>
    public RuleTestBuilder WithFix<TFix>(string? equivalenceKey = null)
        where TFix : CodeFixProvider, new()
    {
        _fix = new TFix();
        _equivalenceKey = equivalenceKey;
        return this;
    }

    /// <summary>
    /// The sources after the fix, in the order of <see cref="WithSource(string)"/>. Markers in them are the
    /// diagnostics that remain (a fix that is not offered: pass the original sources).
    /// </summary>
    public RuleTestBuilder ExpectFixed(params string[] sources)
    {
        _fixed = sources.Select((s, i) => (i < _sources.Count ? _sources[i].Path : $"/0/Test{i}.cs", s)).ToList();
        return this;
    }

    /// <summary>The fix is offered for none of the marked diagnostics: the sources (given before this call) stay as they are.</summary>
    public RuleTestBuilder ExpectNoFix()
    {
        _fixed = _sources.ToList();
        return this;
    }

    /// <summary>The sources after Fix All, when they differ from fixing one diagnostic at a time.</summary>
    public RuleTestBuilder ExpectFixAll(params string[] sources)
    {
        _fixAllFixed = sources.Select((s, i) => (i < _sources.Count ? _sources[i].Path : $"/0/Test{i}.cs", s)).ToList();
        return this;
    }

    /// <summary>Fix All must reach the fixed code in <paramref name="iterations"/> passes (one: all diagnostics at once).</summary>
    public RuleTestBuilder FixAllIterations(int iterations)
    {
        _fixAllIterations = iterations;
        return this;
    }

    /// <summary>Fixing one diagnostic at a time must reach the fixed code in <paramref name="iterations"/> fixes.</summary>
    public RuleTestBuilder FixIterations(int iterations)
    {
        _fixIterations = iterations;
        return this;
    }

    /// <summary>Lets the fixed code raise RefSafety diagnostics the original did not (say why).</summary>
    public RuleTestBuilder AllowNewDiagnosticsAfterFix(string reason)
    {
        _newDiagnosticsAllowed = reason;
        return this;
    }

    /// <summary>No RefSafety analyzer (of any rule) reports anything on the fixed code.</summary>
    public RuleTestBuilder ExpectSilentAfterFix()
    {
        _silentAfterFix = true;
        return this;
    }

    /// <summary>Runs the test: diagnostics, then the fix and its checks, then the message checks.</summary>
    public async Task RunAsync()
    {
        Assert.NotEmpty(_sources);
        var parsed = ParseAll(_sources);
        List<Markup.Marker> markers = parsed.SelectMany(p => p.Parsed.Markers).ToList();
        if (_messages.Count > markers.Count)
        {
            throw new ArgumentException($"{_messages.Count} message expectations for {markers.Count} markers");
        }

        ImmutableArray<MetadataReference> libraries = await CompileLibrariesAsync();
        AnalyzerTest<DefaultVerifier> test = _fix is null ? CreateAnalyzerTest() : CreateFixTest(parsed, markers);
        SolutionState state = test.TestState;
        foreach (var (path, p) in parsed)
        {
            state.Sources.Add((path, p.Rewritten));
        }

        foreach (Markup.Marker marker in markers)
        {
            DiagnosticResult result = Result(marker.Id).WithLocation(marker.Index);
            if (marker.Index < _messages.Count && _messages[marker.Index] is { } message)
            {
                result = message(result);
            }

            test.ExpectedDiagnostics.Add(result);
        }

        Configure(test, state, libraries);
        await test.RunAsync(CancellationToken.None);

        await CheckMessagesContainAsync(parsed, markers, libraries);
        if (_fix is not null && _fixed is not null && _newDiagnosticsAllowed is null)
        {
            await CheckNoNewDiagnosticsAsync(parsed.Select(p => p.Parsed.Plain), ParseAll(_fixed).Select(p => p.Parsed.Plain), libraries);
        }

        if (_fix is not null && _fixed is not null && _silentAfterFix)
        {
            Dictionary<string, List<string>> after = await AllRulesAsync(ParseAll(_fixed).Select(p => p.Parsed.Plain), libraries);
            Assert.True(after.Count == 0, "The fixed code raises " + string.Join("; ", after.SelectMany(a => a.Value.Select(m => a.Key + ": " + m))));
        }

        await CheckExecutionAsync(parsed, libraries);
    }

    private static List<(string Path, Markup.Parsed Parsed)> ParseAll(List<(string Path, string Source)> sources)
    {
        var result = new List<(string, Markup.Parsed)>();
        int next = 0;
        foreach (var (path, source) in sources)
        {
            Markup.Parsed parsed = Markup.Parse(source, next);
            next += parsed.Markers.Count;
            result.Add((path, parsed));
        }

        return result;
    }

    private DiagnosticResult Result(string id)
    {
        DiagnosticDescriptor? descriptor = _analyzers.SelectMany(a => a.SupportedDiagnostics).FirstOrDefault(d => d.Id == id);
        // No message check unless the test asks for one (new DiagnosticResult(descriptor) would compare the format).
        return descriptor is not null ? new DiagnosticResult(descriptor.Id, descriptor.DefaultSeverity) : DiagnosticResult.CompilerError(id);
    }

    private DiagnosticDescriptor Descriptor(string id) =>
        _analyzers.SelectMany(a => a.SupportedDiagnostics).FirstOrDefault(d => d.Id == id) ?? throw new ArgumentException($"No analyzer of this test reports {id}");

    private bool IsCompilationEnd(string id) =>
        _analyzers.SelectMany(a => a.SupportedDiagnostics).Any(d => d.Id == id && d.CustomTags.Contains(WellKnownDiagnosticTags.CompilationEnd));

    private AnalyzerTest<DefaultVerifier> CreateAnalyzerTest() => new AnalyzerOnly(_analyzers);

    private AnalyzerTest<DefaultVerifier> CreateFixTest(List<(string Path, Markup.Parsed Parsed)> parsed, List<Markup.Marker> markers)
    {
        var test = new FixTest(_analyzers, _fix!) { CodeActionEquivalenceKey = _equivalenceKey };
        if (markers.Any(m => IsCompilationEnd(m.Id)))
        {
            test.CodeFixTestBehaviors |= CodeFixTestBehaviors.SkipLocalDiagnosticCheck;
        }

        AddFixedState(test.FixedState, _fixed ?? throw new InvalidOperationException("A fix test needs ExpectFixed(...)"));
        if (_fixAllFixed is not null)
        {
            AddFixedState(test.BatchFixedState, _fixAllFixed);
        }

        if (_fixAllIterations is { } fixAll)
        {
            test.NumberOfFixAllIterations = fixAll;
        }

        if (_fixIterations is { } incremental)
        {
            test.NumberOfIncrementalIterations = incremental;
        }

        foreach (var (name, _, fixedSources) in _projects)
        {
            var project = new ProjectState(name, LanguageNames.CSharp, $"/{name}/Test", "cs");
            test.FixedState.AdditionalProjects.Add(name, project);
            AddProjectSources(project, fixedSources);
        }

        return test;
    }

    private void AddFixedState(SolutionState state, List<(string Path, string Source)> sources)
    {
        foreach (var (path, p) in ParseAll(sources))
        {
            state.Sources.Add((path, p.Rewritten));
            foreach (Markup.Marker marker in p.Markers)
            {
                state.ExpectedDiagnostics.Add(Result(marker.Id).WithLocation(marker.Index));
            }
        }
    }

    private static void AddProjectSources(ProjectState project, List<(string Path, string Source)> sources)
    {
        foreach (var source in sources)
        {
            project.Sources.Add(source);
        }

        project.AdditionalProjectReferences.Add("TestProject");
        project.AdditionalReferences.Add(TestReferences.RefHeap);
    }

    private void Configure(AnalyzerTest<DefaultVerifier> test, SolutionState state, ImmutableArray<MetadataReference> libraries)
    {
        test.ReferenceAssemblies = TestReferences.Framework;
        foreach (SolutionState s in States(test))
        {
            if (!_withoutRefHeap)
            {
                s.AdditionalReferences.Add(TestReferences.RefHeap);
            }

            if (_program)
            {
                s.OutputKind = OutputKind.ConsoleApplication;
            }

            s.AdditionalReferences.AddRange(libraries);
            if (_editorConfig is not null)
            {
                s.AnalyzerConfigFiles.Add(("/.editorconfig", _editorConfig));
            }
        }

        foreach (var (name, sources, _) in _projects)
        {
            var project = new ProjectState(name, LanguageNames.CSharp, $"/{name}/Test", "cs");
            state.AdditionalProjects.Add(name, project);
            AddProjectSources(project, sources);
        }

        if (_languageVersion is { } version || _nullable || _unsafe)
        {
            LanguageVersion languageVersion = _languageVersion ?? LanguageVersion.Latest;
            bool nullable = _nullable;
            bool allowUnsafe = _unsafe;
            test.SolutionTransforms.Add((solution, projectId) =>
            {
                Project project = solution.GetProject(projectId)!;
                solution = solution.WithProjectParseOptions(projectId, ((CSharpParseOptions)project.ParseOptions!).WithLanguageVersion(languageVersion));
                var options = (CSharpCompilationOptions)project.CompilationOptions!;
                if (nullable)
                {
                    options = options.WithNullableContextOptions(NullableContextOptions.Enable);
                }

                solution = solution.WithProjectCompilationOptions(projectId, options.WithAllowUnsafe(allowUnsafe));

                return solution;
            });
        }
    }

    private static IEnumerable<SolutionState> States(AnalyzerTest<DefaultVerifier> test)
    {
        yield return test.TestState;
        if (test is FixTest fix)
        {
            yield return fix.FixedState;
            yield return fix.BatchFixedState;
        }
    }

    private async Task<ImmutableArray<MetadataReference>> CompileLibrariesAsync()
    {
        var references = ImmutableArray.CreateBuilder<MetadataReference>();
        int i = 0;
        foreach (string library in _libraries)
        {
            references.Add(await TestReferences.CompileLibraryAsync(library, $"Library{i++}"));
        }

        return references.ToImmutable();
    }

    private async Task CheckMessagesContainAsync(List<(string Path, Markup.Parsed Parsed)> parsed, List<Markup.Marker> markers, ImmutableArray<MetadataReference> libraries)
    {
        if (_messageContains.All(c => c is null))
        {
            return;
        }

        Compilation compilation = await CompileAsync(parsed.Select(p => p.Parsed.Plain), libraries, parsed.Select(p => p.Path));
        ImmutableArray<Diagnostic> diagnostics = await compilation.WithAnalyzers(_analyzers).GetAnalyzerDiagnosticsAsync();
        for (int i = 0; i < _messageContains.Count; i++)
        {
            if (_messageContains[i] is not { } text)
            {
                continue;
            }

            Markup.Marker marker = markers[i];
            string path = parsed.First(p => p.Parsed.Markers.Contains(marker)).Path;
            Diagnostic diagnostic = Assert.Single(diagnostics, d => d.Id == marker.Id && d.Location.SourceSpan == marker.Span && d.Location.SourceTree!.FilePath == path);
            string message = diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(message.Contains(text, StringComparison.Ordinal), $"The message of marker {i} ({marker.Id}) is \"{message}\"; expected it to contain \"{text}\".");
        }
    }

    /// <summary>Every RefSafety analyzer on the fixed code: no rule is reported more often than on the original.</summary>
    private async Task CheckNoNewDiagnosticsAsync(IEnumerable<string> original, IEnumerable<string> fixedSources, ImmutableArray<MetadataReference> libraries)
    {
        Dictionary<string, List<string>> before = await AllRulesAsync(original, libraries);
        Dictionary<string, List<string>> after = await AllRulesAsync(fixedSources, libraries);
        foreach (var (id, messages) in after)
        {
            int was = before.TryGetValue(id, out var old) ? old.Count : 0;
            Assert.True(
                messages.Count <= was,
                $"The fix introduced {id} ({was} before, {messages.Count} after): {string.Join("; ", messages)}. Before the fix: {string.Join("; ", before.SelectMany(b => b.Value.Select(m => b.Key + ": " + m)))}");
        }
    }

    private async Task<Dictionary<string, List<string>>> AllRulesAsync(IEnumerable<string> sources, ImmutableArray<MetadataReference> libraries)
    {
        Compilation compilation = await CompileAsync(sources, libraries);
        AnalysisResult result = await AnalysisResult.RunAsync(compilation, TestReferences.AllAnalyzers);
        Assert.Empty(result.AnalyzerExceptions);
        return result.Analyzer.GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Select(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)).ToList());
    }

    private async Task<Compilation> CompileAsync(IEnumerable<string> sources, ImmutableArray<MetadataReference> libraries, IEnumerable<string>? paths = null)
    {
        var parseOptions = new CSharpParseOptions(_languageVersion ?? LanguageVersion.Latest);
        List<string> names = paths?.ToList() ?? new List<string>();
        var trees = sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, parseOptions, path: i < names.Count ? names[i] : $"/0/Test{i}.cs")).ToList();
        return CSharpCompilation.Create(
            "TestProject",
            trees,
            await TestReferences.AllAsync(libraries),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: _nullable ? NullableContextOptions.Enable : NullableContextOptions.Disable));
    }

    /// <summary>The analyzers of the test, given to Microsoft.CodeAnalysis.Testing (it takes one type otherwise).</summary>
    private sealed class AnalyzerOnly : CSharpAnalyzerTest<EmptyDiagnosticAnalyzer, DefaultVerifier>
    {
        private readonly ImmutableArray<DiagnosticAnalyzer> _analyzers;

        public AnalyzerOnly(ImmutableArray<DiagnosticAnalyzer> analyzers) => _analyzers = analyzers;

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => _analyzers;
    }

    private sealed class FixTest : CSharpCodeFixTest<EmptyDiagnosticAnalyzer, EmptyCodeFixProvider, DefaultVerifier>
    {
        private readonly ImmutableArray<DiagnosticAnalyzer> _analyzers;
        private readonly CodeFixProvider _fix;

        public FixTest(ImmutableArray<DiagnosticAnalyzer> analyzers, CodeFixProvider fix)
        {
            _analyzers = analyzers;
            _fix = fix;
        }

        protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => _analyzers;

        protected override IEnumerable<CodeFixProvider> GetCodeFixProviders() => new[] { _fix };
    }
}

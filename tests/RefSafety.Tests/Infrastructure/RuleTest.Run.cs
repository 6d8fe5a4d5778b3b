using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Xunit;

namespace RefSafety.Tests;

/// <summary>
/// Executed fix tests: <c>.Runs()</c> (the sources have their own <c>Main</c>) or <c>.WithEntryPoint("…")</c> makes
/// the builder compile the original and the fixed program against RefHeap, run both in the test process
/// (<see cref="ProgramRun"/>) and assert that the fix keeps the program's behaviour: the same output and ending, no
/// RefHeap exception, and no more live objects of any type after <c>Gc.Collect()</c>.
/// </summary>
public sealed partial class RuleTestBuilder
{
    private bool _runs;
    private string? _entryPoint;
    private bool _expectLeakFixed;

    /// <summary>The sources have an entry point: run the program before and after the fix and compare.</summary>
    public RuleTestBuilder Runs()
    {
        _runs = true;
        return this;
    }

    /// <summary>
    /// Runs <paramref name="statements"/> (a <c>Main</c> body, with <c>using System;</c> and <c>using RefHeap;</c>) as
    /// the entry point of the program before and after the fix, and compares. The entry point is not part of the
    /// analyzed sources.
    /// </summary>
    public RuleTestBuilder WithEntryPoint(string statements)
    {
        _runs = true;
        _entryPoint = statements;
        return this;
    }

    /// <summary>The fixed program leaves fewer live objects after <c>Gc.Collect()</c> than the original: the fix removed a leak.</summary>
    public RuleTestBuilder ExpectLeakFixed()
    {
        _expectLeakFixed = true;
        return this;
    }

    private async Task CheckExecutionAsync(List<(string Path, Markup.Parsed Parsed)> original, ImmutableArray<MetadataReference> libraries)
    {
        if (!_runs)
        {
            return;
        }

        Assert.True(_fix is not null && _fixed is not null, "An executed test is a fix test: WithFix and ExpectFixed.");
        ProgramOutcome before = await RunProgramAsync(original.Select(p => (p.Path, p.Parsed.Plain)), libraries);
        Assert.True(before.RunError is null, "The original program does not run: " + before);
        var versions = new List<(string Name, List<(string Path, string Source)> Sources)> { ("fixed", _fixed!) };
        if (_fixAllFixed is not null)
        {
            versions.Add(("Fix All", _fixAllFixed));
        }

        foreach (var (name, sources) in versions)
        {
            ProgramOutcome after = await RunProgramAsync(ParseAll(sources).Select(p => (p.Path, p.Parsed.Plain)), libraries);
            string? difference = ProgramRun.CompareFixed(before, after);
            Assert.True(difference is null, $"The {name} program does not behave as the original: {difference}.\nOriginal: {before}\nFixed: {after}");
            if (_expectLeakFixed)
            {
                Assert.True(after.LiveObjects < before.LiveObjects, $"The {name} program leaks as much as the original.\nOriginal: {before}\nFixed: {after}");
            }
        }
    }

    private async Task<ProgramOutcome> RunProgramAsync(IEnumerable<(string Path, string Source)> sources, ImmutableArray<MetadataReference> libraries)
    {
        List<(string Path, string Source)> all = sources.ToList();
        if (_entryPoint is not null)
        {
            all.Add(("/0/EntryPoint.cs", "using System;\nusing RefHeap;\n\nstatic class EntryPoint\n{\n    static void Main()\n    {\n" + _entryPoint + "\n    }\n}\n"));
        }

        var compilation = await ProgramRun.CompileAsync(all, libraries, _nullable, _languageVersion ?? Microsoft.CodeAnalysis.CSharp.LanguageVersion.Latest);
        return await ProgramRun.RunAsync(compilation);
    }
}

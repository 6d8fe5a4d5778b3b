using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using LeakHunt;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Samples;

/// <summary>
/// samples/LeakHunt, run through its entry point: each step finds what it says, the pictures are real SVG drawn by
/// Graphviz (installed by .ci/run), and after the fix nothing grows.
/// </summary>
public class LeakHuntSampleTests : IClassFixture<LeakHuntSampleTests.HuntOutput>
{
    private readonly SampleRun _hunt;

    public LeakHuntSampleTests(HuntOutput hunt) => _hunt = hunt.Run;

    [Fact]
    public void TheGrowthIsTheClosedDocumentsAndWhatTheyHold()
    {
        Assert.Equal(
            new[] { "Paragraph 15 +15 +600 B", "Document 5 +5 +280 B", "RefList<Paragraph> 5 +5 +280 B", "DocumentListener 5 +5 +200 B" },
            _hunt.Between("== 1. What grew (snapshots before and after, by type: count, change, bytes added) ==", "Gc.Collect() = 0: not a cycle; something reachable still holds them")
                .Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))));
        _hunt.IndexOf("ChangeTheme(\"dark\") restyled 5 documents, though every one was closed");
    }

    [Fact]
    public void ObjectsByTypeListEachClosedDocumentWithItsAllocationSite()
    {
        Assert.Equal(
            Enumerable.Range(1, 5).Select(i => $"report-{i}.md: RefCount 1, allocated at Editor.cs:"),
            _hunt.Between("== 2. Objects by type ==", "").Select(l => l[..(l.LastIndexOf(':') + 1)]));
        Assert.Matches(":\\d+$", _hunt.LineStartingWith("report-1.md: RefCount 1"));
    }

    [Fact]
    public void TheBackrefChainLeadsFromTheThemeCacheThroughTheListener()
    {
        _hunt.IndexOf("FindBackrefChain(report-1.md): ThemeCache -> RefList<ThemeListener> -> DocumentListener -> Document");
    }

    [Fact]
    public void ThePicturesAreWrittenAsDotAndRenderedAsSvg()
    {
        _hunt.IndexOf("ShowChain(chain) -> leakhunt-chain.dot, leakhunt-chain.svg");
        _hunt.IndexOf("ShowBackrefs([report-1.md]) -> leakhunt-backrefs.dot, leakhunt-backrefs.svg");
        _hunt.IndexOf("ShowRefs([ThemeCache]) -> leakhunt-cache.dot, leakhunt-cache.svg");
        Assert.Contains("[label=\"Owner\"]", _hunt.ReadFile("leakhunt-chain.dot"));
        string chain = _hunt.ReadFile("leakhunt-chain.svg");
        Assert.StartsWith("<?xml", chain);
        Assert.Contains(">DocumentListener</text>", chain);
        Assert.Contains(">Owner</text>", chain);
        string cache = _hunt.ReadFile("leakhunt-cache.svg");
        Assert.All(Enumerable.Range(1, 5), i => Assert.Contains($">report&#45;{i}.md</text>", cache));
    }

    [Fact]
    public void ThePictureInTheReadmeIsTheOneTheSampleDraws()
    {
        string root = typeof(LeakHuntSampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        string committed = File.ReadAllText(Path.Combine(root, "docs", "images", "leakhunt.svg"));

        // The texts (labels, edge names), not the layout, which varies with the Graphviz version.
        string[] drawn = Texts(_hunt.ReadFile("leakhunt-cache.svg"));
        Assert.Contains("report&#45;5.md", drawn);
        Assert.Equal(drawn, Texts(committed));
    }

    [Fact]
    public void WithTheWeakListenerNothingGrowsAndNothingIsLeft()
    {
        _hunt.IndexOf("growth after 5 more documents: none");
        _hunt.IndexOf("ChangeTheme(\"dark\") restyled 0 documents: the closed ones are gone");
        Assert.Equal("live objects at the end: 0", _hunt.Lines.Last(l => l.Length > 0));
    }

    [Fact]
    public void WithoutGraphvizOnlyTheDotFilesAreWritten()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-graphviz-here", "dot");
        using SampleRun run = SampleRun.Of(Hunt.Run, new GraphvizRenderer(missing));

        run.IndexOf($"ShowChain(chain) -> leakhunt-chain.dot; no SVG: Graphviz's '{missing}' program was not found (sudo apt-get install graphviz)");
        Assert.Equal(
            new[] { "leakhunt-backrefs.dot", "leakhunt-cache.dot", "leakhunt-chain.dot" },
            Directory.GetFiles(run.OutputDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private static string[] Texts(string svg) =>
        Regex.Matches(svg, "<text[^>]*>([^<]*)</text>").Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToArray();

    /// <summary>One run of the hunt, shared by the tests that read it.</summary>
    public sealed class HuntOutput : IDisposable
    {
        public SampleRun Run { get; } = SampleRun.Of(Hunt.Run);

        public void Dispose() => Run.Dispose();
    }
}

using System;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Text;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Inspection;

/// <summary>
/// These tests run Graphviz's real dot program: .ci/run installs it, and without it they fail (not skip), since the
/// rendering is then untested.
/// </summary>
public class GraphvizRendererTests
{
    private static readonly byte[] PngSignature = { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };

    [Fact]
    public void RendersTheObjectGraphAsSvgWithTheNodeLabels()
    {
        using var heap = new TestHeap();
        var cache = new Cache { Entries = new RefList<Node>() };
        using (var entry = new Node("entry"))
        {
            cache.Entries.Add(entry);
        }

        DotGraph graph = new HeapInspector().ShowRefs(new[] { cache }, label: o => (o as Node)?.Name);
        string svg = Encoding.UTF8.GetString(graph.Render(GraphFormat.Svg));

        Assert.StartsWith("<?xml", svg);
        Assert.Contains("<svg", svg);
        Assert.Contains(">Cache</text>", svg);
        Assert.Contains(">RefList&lt;Node&gt;</text>", svg);
        Assert.Contains(">entry</text>", svg);
        Assert.Contains(">Entries</text>", svg);
        cache.DecRef();
    }

    [Fact]
    public void RendersPng()
    {
        using var heap = new TestHeap();
        var head = new Node("head") { Next = new Node("tail") };

        byte[] png = new HeapInspector().ShowRefs(new[] { head }).Render(GraphFormat.Png);

        Assert.Equal(PngSignature, png.Take(8));
        Assert.True(png.Length > 1000, $"a PNG of two boxes and an arrow has more than {png.Length} bytes");
        head.DecRef();
    }

    [Fact]
    public void SaveWritesTheFormatTheExtensionNames()
    {
        using var heap = new TestHeap();
        using var node = new Node("saved");
        DotGraph graph = new HeapInspector().ShowRefs(new[] { node });
        string directory = Directory.CreateTempSubdirectory("refheap-graph").FullName;
        try
        {
            graph.Save(Path.Combine(directory, "g.dot"));
            graph.Save(Path.Combine(directory, "g.svg"));
            graph.Save(Path.Combine(directory, "g.PNG"));

            Assert.Equal(graph.Source, File.ReadAllText(Path.Combine(directory, "g.dot")));
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(directory, "g.svg")));
            Assert.Equal(PngSignature, File.ReadAllBytes(Path.Combine(directory, "g.PNG")).Take(8));
            var unknown = Assert.Throws<ArgumentException>(() => graph.Save(Path.Combine(directory, "g.jpeg")));
            Assert.Contains(".dot, .gv, .svg, .png", unknown.Message);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AMissingDotProgramSaysHowToInstallGraphviz()
    {
        var renderer = new GraphvizRenderer("/nonexistent/graphviz/dot");

        var error = Assert.Throws<GraphvizNotFoundException>(() => renderer.Render("digraph { a }", GraphFormat.Svg));

        Assert.False(renderer.IsAvailable);
        Assert.Equal("/nonexistent/graphviz/dot", error.Program);
        Assert.Contains("apt-get install graphviz", error.Message);
        Assert.Contains("brew install graphviz", error.Message);
    }

    [Fact]
    public void AProgramMissingFromPathIsNotFound()
    {
        var error = Assert.Throws<GraphvizNotFoundException>(() => new GraphvizRenderer("no-such-graphviz-program").Render("digraph { a }", GraphFormat.Png));

        Assert.Contains("'no-such-graphviz-program' program was not found on PATH", error.Message);
    }

    [Fact]
    public void BadDotFailsWithGraphvizsOwnMessage()
    {
        var renderer = new GraphvizRenderer();

        var error = Assert.Throws<GraphvizException>(() => renderer.Render("digraph { a -> }", GraphFormat.Svg));

        Assert.True(renderer.IsAvailable);
        Assert.Contains("syntax error", error.StandardError);
        Assert.Contains("failed with exit code 1", error.Message);
        Assert.Contains("syntax error", error.Message);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")] // the stand-in for dot is a shell script
    public void AProgramThatDoesNotFinishIsKilledAtTheTimeout()
    {
        string script = Path.Combine(Directory.CreateTempSubdirectory("refheap-dot").FullName, "dot");
        File.WriteAllText(script, "#!/bin/sh\nsleep 60\n");
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            var renderer = new GraphvizRenderer(script, TimeSpan.FromMilliseconds(300));

            var error = Assert.Throws<GraphvizException>(() => renderer.Render("digraph { a }", GraphFormat.Svg));

            Assert.Contains("did not finish within 0.3 s and was killed", error.Message);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(script)!, recursive: true);
        }
    }

    [Fact]
    public void BadRendererSettingsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new GraphvizRenderer(" "));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraphvizRenderer(timeout: TimeSpan.Zero));
    }
}

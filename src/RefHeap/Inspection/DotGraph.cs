using System;
using System.IO;

namespace RefHeap;

/// <summary>
/// A Graphviz graph in the DOT language, as drawn by <see cref="HeapInspector.ShowRefs"/>,
/// <see cref="HeapInspector.ShowBackrefs"/> and <see cref="HeapInspector.ShowChain"/>. The text stands alone;
/// rendering it to a picture needs Graphviz's <c>dot</c> program (<see cref="GraphvizRenderer"/>).
/// </summary>
public sealed class DotGraph
{
    internal DotGraph(string source) => Source = source;

    /// <summary>The DOT text.</summary>
    public string Source { get; }

    /// <summary>Renders the graph with <paramref name="renderer"/> (<c>dot</c> on PATH by default).</summary>
    /// <exception cref="GraphvizNotFoundException">Graphviz is not installed.</exception>
    /// <exception cref="GraphvizException">Graphviz failed or timed out.</exception>
    public byte[] Render(GraphFormat format, GraphvizRenderer? renderer = null) =>
        (renderer ?? new GraphvizRenderer()).Render(Source, format);

    /// <summary>
    /// Writes the graph to <paramref name="path"/> in the format its extension names: <c>.dot</c> or <c>.gv</c> for
    /// the DOT text, <c>.svg</c> or <c>.png</c> for a picture rendered by Graphviz.
    /// </summary>
    /// <exception cref="ArgumentException">The extension is none of these.</exception>
    /// <exception cref="GraphvizNotFoundException">A picture was asked for and Graphviz is not installed.</exception>
    /// <exception cref="GraphvizException">Graphviz failed or timed out.</exception>
    public void Save(string path, GraphvizRenderer? renderer = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        switch (Path.GetExtension(path).ToLowerInvariant())
        {
            case ".dot" or ".gv":
                File.WriteAllText(path, Source);
                break;
            case ".svg":
                File.WriteAllBytes(path, Render(GraphFormat.Svg, renderer));
                break;
            case ".png":
                File.WriteAllBytes(path, Render(GraphFormat.Png, renderer));
                break;
            default:
                throw new ArgumentException($"'{path}' has none of the extensions .dot, .gv, .svg, .png, which name the format to write.", nameof(path));
        }
    }

    /// <summary>The DOT text.</summary>
    public override string ToString() => Source;
}

using System;
using System.Globalization;
using System.IO;
using RefHeap;

namespace RefSafety.Samples;

/// <summary>Writes an object graph the way the samples show it: always the DOT text, and the SVG picture when Graphviz is installed.</summary>
internal static class GraphFiles
{
    /// <summary>Writes <paramref name="name"/>.dot and, with Graphviz, <paramref name="name"/>.svg, and prints one line saying which.</summary>
    public static void Write(TextWriter output, DotGraph graph, string directory, string name, string call, GraphvizRenderer renderer)
    {
        Directory.CreateDirectory(directory);
        graph.Save(Path.Combine(directory, name + ".dot"));
        if (!renderer.IsAvailable)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{call} -> {name}.dot; no SVG: Graphviz's '{renderer.DotProgram}' program was not found (sudo apt-get install graphviz)"));
            return;
        }

        graph.Save(Path.Combine(directory, name + ".svg"), renderer);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{call} -> {name}.dot, {name}.svg"));
    }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Samples;

/// <summary>One run of a sample's entry point in-process: its printed lines and the folder its pictures went to.</summary>
public sealed class SampleRun : IDisposable
{
    private SampleRun(string[] lines, string outputDirectory)
    {
        Lines = lines;
        OutputDirectory = outputDirectory;
    }

    public string[] Lines { get; }

    public string OutputDirectory { get; }

    /// <summary>Runs <paramref name="sample"/> (a sample's <c>Run(output, outputDirectory, renderer)</c>) into a fresh temporary folder.</summary>
    public static SampleRun Of(Action<TextWriter, string, GraphvizRenderer?> sample, GraphvizRenderer? renderer = null)
    {
        string directory = Path.Combine(Directory.CreateTempSubdirectory("refheap-sample").FullName, "output");
        var output = new StringWriter();
        sample(output, directory, renderer);
        return new SampleRun(output.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToArray(), directory);
    }

    /// <summary>The index of the one line equal to <paramref name="line"/>; fails unless there is exactly one.</summary>
    public int IndexOf(string line)
    {
        int[] found = Enumerable.Range(0, Lines.Length).Where(i => Lines[i] == line).ToArray();
        Assert.True(found.Length == 1, $"expected the line \"{line}\" once, found it {found.Length} times in:\n{string.Join('\n', Lines)}");
        return found[0];
    }

    /// <summary>The lines strictly between the one line <paramref name="first"/> and the next line <paramref name="last"/>.</summary>
    public IReadOnlyList<string> Between(string first, string last)
    {
        int start = IndexOf(first);
        int end = Array.IndexOf(Lines, last, start + 1);
        Assert.True(end > start, $"no line \"{last}\" after \"{first}\"");
        return Lines[(start + 1)..end];
    }

    /// <summary>The one line starting with <paramref name="prefix"/>.</summary>
    public string LineStartingWith(string prefix) => Assert.Single(Lines, l => l.StartsWith(prefix, StringComparison.Ordinal));

    public string ReadFile(string name) => File.ReadAllText(Path.Combine(OutputDirectory, name));

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(OutputDirectory)!, recursive: true);
}

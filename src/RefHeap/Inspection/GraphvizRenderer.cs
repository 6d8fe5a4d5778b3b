using System;
using System.ComponentModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;

namespace RefHeap;

/// <summary>An image format Graphviz renders a DOT graph into.</summary>
public enum GraphFormat
{
    /// <summary>Scalable vector graphics (<c>dot -Tsvg</c>): text, with the node labels readable in it.</summary>
    Svg,

    /// <summary>A PNG bitmap (<c>dot -Tpng</c>).</summary>
    Png,
}

/// <summary>
/// Renders DOT text to an image by running Graphviz's <c>dot</c> program: the DOT goes to its standard input, the
/// image comes from its standard output, and its standard error is kept for the exception when it fails.
/// </summary>
public sealed class GraphvizRenderer
{
    /// <summary>How long <c>dot</c> may run before it is killed, unless the constructor says otherwise.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Uses <paramref name="dotProgram"/>: a path, or a program name looked up on <c>PATH</c> (<c>dot</c> by default).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="dotProgram"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="timeout"/> is not positive.</exception>
    public GraphvizRenderer(string dotProgram = "dot", TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dotProgram);
        if (timeout is { } t && t <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), t, "The timeout must be positive.");
        }

        DotProgram = dotProgram;
        Timeout = timeout ?? DefaultTimeout;
    }

    /// <summary>The program as given to the constructor.</summary>
    public string DotProgram { get; }

    /// <summary>How long one rendering may take.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>True if the program can be found (a rendering may still fail, e.g. on bad DOT).</summary>
    public bool IsAvailable => FindProgram() is not null;

    /// <summary>Renders <paramref name="dotSource"/> to <paramref name="format"/> and returns the image's bytes.</summary>
    /// <exception cref="GraphvizNotFoundException">The <c>dot</c> program is not installed (the message says how to install it).</exception>
    /// <exception cref="GraphvizException"><c>dot</c> failed (its standard error is in the message) or timed out.</exception>
    public byte[] Render(string dotSource, GraphFormat format)
    {
        ArgumentNullException.ThrowIfNull(dotSource);
        string program = FindProgram() ?? throw new GraphvizNotFoundException(DotProgram);
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardInputEncoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        };
        start.ArgumentList.Add("-T" + (format == GraphFormat.Svg ? "svg" : "png"));

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new GraphvizException($"'{program}' could not be started: {ex.Message}", string.Empty, ex);
        }

        // All three streams at once: dot may fill one pipe while we wait on another.
        var image = new MemoryStream();
        Task readImage = process.StandardOutput.BaseStream.CopyToAsync(image);
        Task<string> readErrors = process.StandardError.ReadToEndAsync();
        Task writeSource = WriteAndCloseAsync(process.StandardInput, dotSource);
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new GraphvizException($"'{program}' did not finish within {Timeout.TotalSeconds:0.###} s and was killed.", string.Empty);
        }

        Task.WaitAll(readImage, readErrors, writeSource);
        string errors = readErrors.Result;
        if (process.ExitCode != 0)
        {
            throw new GraphvizException($"'{program} -T{format.ToString().ToLowerInvariant()}' failed with exit code {process.ExitCode}: {errors.Trim()}", errors);
        }

        return image.ToArray();
    }

    private static async Task WriteAndCloseAsync(StreamWriter input, string text)
    {
        try
        {
            await input.WriteAsync(text).ConfigureAwait(false);
            input.Close();
        }
        catch (IOException)
        {
            // The program exited without reading all its input; its exit code and standard error say why.
        }
    }

    private string? FindProgram()
    {
        if (DotProgram.IndexOfAny(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }) >= 0)
        {
            return File.Exists(DotProgram) ? DotProgram : null;
        }

        string[] names = OperatingSystem.IsWindows() && !DotProgram.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)
            ? new[] { DotProgram + ".exe", DotProgram }
            : new[] { DotProgram };
        string path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(directory => names.Select(name => Path.Combine(directory, name)))
            .FirstOrDefault(File.Exists);
    }
}

/// <summary>Graphviz's <c>dot</c> program ran and failed, or did not finish in time.</summary>
public class GraphvizException : Exception
{
    internal GraphvizException(string message, string standardError, Exception? inner = null)
        : base(message, inner)
    {
        StandardError = standardError;
    }

    /// <summary>What <c>dot</c> wrote to its standard error (empty when it never ran to the end).</summary>
    public string StandardError { get; }
}

/// <summary>Graphviz's <c>dot</c> program is not installed, or not where it was said to be.</summary>
public sealed class GraphvizNotFoundException : GraphvizException
{
    internal GraphvizNotFoundException(string program)
        : base(
            $"Graphviz's '{program}' program was not found{(program.Contains(Path.DirectorySeparatorChar) ? string.Empty : " on PATH")}, so the graph cannot be rendered. "
            + "Install Graphviz (Debian/Ubuntu: sudo apt-get install graphviz; Fedora: sudo dnf install graphviz; macOS: brew install graphviz; "
            + "Windows: winget install graphviz) or pass the program's path to GraphvizRenderer. "
            + "The DOT text needs no Graphviz: DotGraph.Source, or Save(\"graph.dot\").",
            string.Empty)
    {
        Program = program;
    }

    /// <summary>The program that was looked for.</summary>
    public string Program { get; }
}

using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using RefHeap;
using Xunit;

namespace RefHeap.Tests.Threading;

/// <summary>The README's "Threads and async" example, run as written (the test checks that the README has the same lines).</summary>
[Collection(DefaultHeapCollection.Name)]
public class ReadmeExampleTests
{
    [Fact]
    public async Task TheReadmeAsyncExampleRunsAndPrintsWhatItSays()
    {
        long before = Heap.Default.LiveObjectCount;
        Console.Lines.Clear();

        // Like a console app's Main: a flow with no SynchronizationContext.
        await Task.Run(Example);

        Assert.Equal(new[] { "tea: 1 line(s)", "parallel: 10, 20, 30" }, Console.Lines);
        Assert.Equal(before, Heap.Default.LiveObjectCount);
    }

    [Fact]
    public void TheReadmeShowsThisExampleLineForLine()
    {
        string readme = File.ReadAllText(Path.Combine(RepositoryRoot(), "README.md"));
        string block = readme[readme.IndexOf("### Threads and async", StringComparison.Ordinal)..];
        block = block[(block.IndexOf("```csharp\n", StringComparison.Ordinal) + 10)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];

        Assert.Equal(Normalize(ExampleSource()), Normalize(block));
    }

    private static string[] Normalize(string code) =>
        code.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0).ToArray();

    // The lines between the README markers of this file. Read from the clone, not from [CallerFilePath]:
    // CI builds map source paths to /_/ (Directory.Build.props), so the compiled-in path does not exist.
    private static string ExampleSource()
    {
        string source = File.ReadAllText(Path.Combine(RepositoryRoot(), "tests", "RefHeap.Tests", "Threading", "ReadmeExampleTests.cs"));
        var lines = new List<string>();
        bool inside = false;
        foreach (string line in source.Split('\n'))
        {
            if (line.Trim() == "// README end")
            {
                inside = false;
            }
            else if (inside)
            {
                lines.Add(line);
            }
            else if (line.Trim() == "// README begin")
            {
                inside = true;
            }
        }

        return string.Join('\n', lines);
    }

    private static string RepositoryRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "RefSafety.sln")))
            {
                return dir;
            }
        }

        throw new DirectoryNotFoundException("RefSafety.sln not found above the test output folder " + AppContext.BaseDirectory);
    }

    // Stands in for System.Console inside the example, so the test can read what it prints.
    private static class Console
    {
        public static List<string> Lines { get; } = new();

        public static void WriteLine(string line)
        {
            lock (Lines)
            {
                Lines.Add(line);
            }
        }
    }

    private static async Task Example()
    {
        // README begin
        using var order = new Order();                    // on Heap.Current: here the process's default heap
        await AddLineAsync(order, "tea");                 // the heap follows the flow across awaits and threads
        Console.WriteLine($"tea: {order.Lines.Count} line(s)");

        // Work that runs in parallel gets its own heap (like a per-interpreter GIL) and hands back plain data.
        int[] counts = await Task.WhenAll(new[] { 10, 20, 30 }.Select(n => Task.Run(() =>
        {
            using HeapScope scope = new Heap().Activate();
            using var lines = new RefList<Line>();
            for (int i = 0; i < n; i++)
            {
                using var line = new Line($"item {i}");
                lines.Add(line);
            }

            return lines.Count;
        })));
        Console.WriteLine($"parallel: {string.Join(", ", counts)}");

        static async Task AddLineAsync(Order order, string name)
        {
            using var line = new Line(name);              // made before the await...
            await Task.Delay(10);                         // ...which gives the heap up: the continuation runs on a pool thread
            order.Lines.Add(line);                        // ...and takes it there
        }
        // README end
    }

    private sealed class Order : RefObject
    {
        public RefList<Line> Lines = new();
    }

    private sealed class Line : RefObject
    {
        public Line(string name) => Name = name;

        public string Name { get; }
    }
}

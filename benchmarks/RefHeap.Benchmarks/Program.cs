using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using BenchmarkDotNet.Running;

namespace RefHeap.Benchmarks;

/// <summary>
/// <c>compare [N ...]</c>: runs CPython's gc_bench.py and its RefHeap twin case by case, each in a fresh process,
/// and prints every figure side by side with the ratio RefHeap / CPython.
/// <c>--case N</c>: one RefHeap case (used by compare). <c>bdn [BenchmarkDotNet args]</c>: the IncRef+DecRef benchmarks.
/// </summary>
public static class Program
{
    private static readonly string[] Figures = { "create", "release", "collect", "live1", "live2", "young", "maxrss_MiB" };

    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == "--case")
        {
            Dictionary<string, double> result = GcTwin.RunCase(int.Parse(args[1], CultureInfo.InvariantCulture));
            Console.WriteLine(string.Join(" ", result.Select(kv => FormattableString.Invariant($"{kv.Key}={kv.Value:R}"))));
            return 0;
        }

        if (args.Length == 1 && args[0] == "--refcount")
        {
            Console.WriteLine(RefCountLoop.NanosecondsPerPair().ToString("R", CultureInfo.InvariantCulture));
            return 0;
        }

        if (args.Length == 2 && args[0] == "budget")
        {
            ByteBudget.Run(int.Parse(args[1], CultureInfo.InvariantCulture));
            return 0;
        }

        if (args.Length >= 1 && args[0] == "bdn")
        {
            BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args[1..]);
            return 0;
        }

        if (args.Length >= 1 && args[0] == "compare")
        {
            Compare(args.Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).DefaultIfEmpty(100_000).ToArray());
            return 0;
        }

        Console.Error.WriteLine("usage: compare [N ...] | --case N | --refcount | budget N | bdn [BenchmarkDotNet args]");
        return 2;
    }

    private static void Compare(int[] sizes)
    {
        string script = FindScript();
        Console.WriteLine($"RefHeap / CPython, slots kind (a class with one declared field), best of 3, each case in a fresh process");
        Console.WriteLine($"python: {Run("python3", "--version").Trim()}   .NET: {Environment.Version}   load: {File.ReadAllText("/proc/loadavg").Trim()}");
        foreach (int n in sizes)
        {
            Dictionary<string, double> python = ParsePython(Run("python3", $"{script} --case slots {n}"));
            Dictionary<string, double> refheap = ParseTwin(Run(Environment.ProcessPath!, $"{typeof(Program).Assembly.Location} --case {n}"));
            Console.WriteLine();
            Console.WriteLine(FormattableString.Invariant($"N = {n:N0} pairs ({2 * n:N0} objects); freed: CPython {python["freed"]:N0}, RefHeap {refheap["freed"]:N0}"));
            Console.WriteLine($"{"figure",-22}{"CPython",14}{"RefHeap",14}{"ratio",9}  target");
            foreach (string figure in Figures)
            {
                double ratio = refheap[figure] / python[figure];
                string unit = figure == "maxrss_MiB" ? "MiB" : "ms";
                double scale = figure == "maxrss_MiB" ? 1 : 1000;
                Console.WriteLine(FormattableString.Invariant($"{Label(figure),-22}{python[figure] * scale,11:F2} {unit}{refheap[figure] * scale,11:F2} {unit}{ratio,8:F2}x  {Target(figure, ratio)}"));
            }
        }

        // The same work as the script's refcount loop: one IncRef+DecRef pair per statement, on one hot object.
        double cpythonPair = ParsePython(Run("python3", $"-c \"import sys; sys.path.insert(0, '{Path.GetDirectoryName(script)}'); import gc_bench; print({{'pair': gc_bench.refcount_loop()[2]}})\""))["pair"];
        double refheapPair = double.Parse(Run(Environment.ProcessPath!, $"{typeof(Program).Assembly.Location} --refcount").Trim(), CultureInfo.InvariantCulture);
        Console.WriteLine();
        Console.WriteLine($"{"IncRef+DecRef pair",-22}{cpythonPair,11:F2} ns{refheapPair,11:F2} ns{refheapPair / cpythonPair,8:F2}x  {(refheapPair < 2 ? "< 2 ns: PASS" : "< 2 ns: MISS")}  (Stopwatch loop; BenchmarkDotNet: --with-bdn)");
        Console.WriteLine($"load at the end: {File.ReadAllText("/proc/loadavg").Trim()}");
    }

    private static string Label(string figure) => figure switch
    {
        "create" => "create pairs",
        "release" => "release holder",
        "collect" => "collect 2N garbage",
        "live1" => "collect all live (1st)",
        "live2" => "collect all live (2nd)",
        "young" => "gen-0 on old heap",
        _ => "peak RSS",
    };

    // Issue 10's targets: collections at most half CPython's time, peak memory at most 1.2x; creation no slower.
    private static string Target(string figure, double ratio) => figure switch
    {
        "collect" or "live2" => ratio <= 0.5 ? "<= 0.5x: PASS" : "<= 0.5x: MISS",
        "maxrss_MiB" => ratio <= 1.2 ? "<= 1.2x: PASS" : "<= 1.2x: MISS",
        "create" => ratio <= 1.0 ? "<= 1.0x: PASS" : "<= 1.0x: MISS",
        _ => string.Empty,
    };

    private static Dictionary<string, double> ParsePython(string output) =>
        Regex.Matches(output, @"'(\w+)': \(?([0-9.e+-]+)")
            .ToDictionary(m => m.Groups[1].Value, m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));

    private static Dictionary<string, double> ParseTwin(string output) =>
        output.Trim().Split(' ').Select(pair => pair.Split('='))
            .ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));

    private static string FindScript()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            string candidate = Path.Combine(dir, "..", "shared", "bench", "gc_bench.py");
            if (File.Exists(Path.Combine(dir, "RefSafety.sln")) && File.Exists(candidate))
            {
                return Path.GetFullPath(candidate);
            }
        }

        throw new FileNotFoundException("../shared/bench/gc_bench.py not found beside the repository");
    }

    private static string Run(string file, string arguments)
    {
        var info = new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using Process process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {errors}");
        }

        return output + errors;
    }
}

using System;
using System.IO;

namespace Lifecycle;

/// <summary>Runs the talk on the console; pictures go to the folder given as the first argument (default: ./lifecycle-output).</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        string outputDirectory = args.Length > 0 ? args[0] : Path.Combine(Directory.GetCurrentDirectory(), "lifecycle-output");
        Talk.Run(Console.Out, outputDirectory);
    }
}

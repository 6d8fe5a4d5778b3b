using System;
using System.IO;

namespace LeakHunt;

/// <summary>Runs the hunt on the console; pictures go to the folder given as the first argument (default: ./leakhunt-output).</summary>
public static class Program
{
    public static void Main(string[] args)
    {
        string outputDirectory = args.Length > 0 ? args[0] : Path.Combine(Directory.GetCurrentDirectory(), "leakhunt-output");
        Hunt.Run(Console.Out, outputDirectory);
    }
}

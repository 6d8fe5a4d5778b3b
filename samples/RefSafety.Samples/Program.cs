using System;

namespace RefSafety.Samples;

/// <summary>Each file of this project shows one rule's bad pattern; `dotnet build` lists their warnings.</summary>
public static class Program
{
    public static void Main() => Console.WriteLine("Build this project to see RefSafety's diagnostics.");
}

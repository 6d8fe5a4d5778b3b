using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Reflection;
using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace RefSafety.Tests.Package;

/// <summary>The one package users install (built by src/RefSafety.Package): what is in it, and where.</summary>
public class PackageTests
{
    private static readonly string PackagePath = typeof(PackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RefSafetyPackage").Value!;

    [Fact]
    public void HoldsTheRuntimeAsALibraryAndTheAnalyzersAsAnalyzers()
    {
        using ZipArchive package = ZipFile.OpenRead(PackagePath);
        string[] files = package.Entries.Select(e => e.FullName).ToArray();

        Assert.Contains("lib/net8.0/RefHeap.dll", files);
        Assert.Contains("lib/net8.0/RefHeap.xml", files);
        Assert.Contains("analyzers/dotnet/cs/RefSafety.Analyzers.dll", files);
        Assert.Contains("analyzers/dotnet/cs/RefSafety.CodeFixes.dll", files);
        Assert.Contains("README.md", files);
        // Nothing else is a library (the analyzers must not become compile references) or an analyzer.
        Assert.Equal(2, files.Count(f => f.StartsWith("lib/", System.StringComparison.Ordinal)));
        Assert.Equal(2, files.Count(f => f.StartsWith("analyzers/", System.StringComparison.Ordinal)));
    }

    [Fact]
    public void DependsOnNothing()
    {
        using ZipArchive package = ZipFile.OpenRead(PackagePath);
        using Stream nuspec = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", System.StringComparison.Ordinal)).Open();
        XDocument manifest = XDocument.Load(nuspec);

        Assert.Equal("RefSafety", manifest.Descendants().Single(e => e.Name.LocalName == "id").Value);
        Assert.DoesNotContain(manifest.Descendants(), e => e.Name.LocalName == "dependency");
    }

    [Fact]
    public void ThePackagedAnalyzersAndFixesLoadAndCoverEveryRule()
    {
        using ZipArchive package = ZipFile.OpenRead(PackagePath);
        var analyzers = new AnalyzerFileReference(Extract(package, "analyzers/dotnet/cs/RefSafety.Analyzers.dll"), new Loader());
        var fixes = new AnalyzerFileReference(Extract(package, "analyzers/dotnet/cs/RefSafety.CodeFixes.dll"), new Loader());

        string[] ids = analyzers.GetAnalyzers(LanguageNames.CSharp).SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct().OrderBy(id => id).ToArray();
        Assert.Equal(new[] { "REFS001", "REFS002", "REFS003", "REFS004", "REFS005", "REFS006", "REFS007", "REFS010", "REFS011", "REFS020", "REFS021", "REFS022", "REFS030" }, ids);
        Assert.Contains(fixes.GetAssembly().GetTypes(), t => typeof(CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract);
    }

    private static string Extract(ZipArchive package, string entry)
    {
        string directory = Path.Combine(Path.GetTempPath(), "refsafety-package-test", Path.GetDirectoryName(entry)!);
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, Path.GetFileName(entry));
        package.GetEntry(entry)!.ExtractToFile(path, overwrite: true);
        return path;
    }

    private sealed class Loader : IAnalyzerAssemblyLoader
    {
        public void AddDependencyLocation(string fullPath)
        {
        }

        public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
    }
}

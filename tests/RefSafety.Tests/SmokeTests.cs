using System.IO;
using System.Linq;
using RefSafety.Analyzers;
using Xunit;

namespace RefSafety.Tests;

public class DescriptorCatalogueTests
{
    [Fact]
    public void EveryDescriptorHasItsDocumentationPage()
    {
        string docs = Path.Combine(RepositoryRoot(), "docs", "rules");
        var ids = typeof(Descriptors).GetFields()
            .Where(f => f.FieldType == typeof(Microsoft.CodeAnalysis.DiagnosticDescriptor))
            .Select(f => ((Microsoft.CodeAnalysis.DiagnosticDescriptor)f.GetValue(null)!).Id)
            .ToList();
        Assert.NotEmpty(ids);
        Assert.All(ids, id => Assert.True(File.Exists(Path.Combine(docs, id + ".md")), $"docs/rules/{id}.md is missing"));
    }

    private static string RepositoryRoot()
    {
        string? dir = System.AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "RefSafety.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new DirectoryNotFoundException("RefSafety.sln not found above the test output folder");
    }
}

using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RefSafety.Analyzers;
using Xunit;

namespace RefSafety.Tests.Docs;

/// <summary>
/// docs/rules/&lt;ID&gt;.md and README.md against the code: one page per descriptor with its title, severity,
/// category and code fixes; the required sections; the README's rule table; and every csharp snippet compiled
/// against RefHeap with every analyzer run on it.
/// </summary>
/// <remarks>
/// How a snippet is checked (the convention the docs follow):
/// <list type="bullet">
/// <item>Every <c>```csharp</c> block must compile (compiler errors fail; warnings do not). A block of statements is
/// compiled inside a method, a block of members inside a class, a block of types or a whole program as it is; the
/// wrapper opens on the block's first line, so line numbers in messages are the block's own. Helper types a block
/// uses without declaring (<c>Node</c>, <c>Buffer</c>, <c>Log</c>, …) come from <see cref="Prelude"/>.</item>
/// <item>A comment that names a rule (<c>// REFS001: …</c>) says "this rule is reported on this line". The rules
/// reported in the block must be exactly the commented ones, on the commented lines. A comment that names a line
/// ("… through line 5") must agree with the message reported there.</item>
/// <item>A block under a <c>## Bad</c> heading must name (and so produce) its page's rule; a block under
/// <c>## Good</c> names none (and so produces no RefSafety diagnostic at all).</item>
/// </list>
/// </remarks>
public class DocumentationTests
{
    private static readonly string Root = RepositoryRoot();

    public static IEnumerable<DiagnosticDescriptor> Descriptors { get; } = typeof(Descriptors).GetFields()
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToList();

    public static TheoryData<string> Ids()
    {
        var data = new TheoryData<string>();
        foreach (DiagnosticDescriptor descriptor in Descriptors)
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    [Fact]
    public void DescriptorsAreFoundAndTheirIdsAreUnique()
    {
        Assert.True(Descriptors.Count() >= 11);
        Assert.Equal(Descriptors.Count(), Descriptors.Select(d => d.Id).Distinct().Count());
    }

    [Fact]
    public void EveryPageDocumentsADescriptor()
    {
        var ids = Descriptors.Select(d => d.Id).ToHashSet();
        Assert.All(Directory.GetFiles(Path.Combine(Root, "docs", "rules"), "*.md"), page => Assert.Contains(Path.GetFileNameWithoutExtension(page), ids));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void TitleLineIsTheDescriptorsTitle(string id) =>
        Assert.Equal($"# {id}: {Descriptor(id).Title}", Page(id).Split('\n')[0].TrimEnd());

    [Theory]
    [MemberData(nameof(Ids))]
    public void TableMatchesTheDescriptor(string id)
    {
        DiagnosticDescriptor descriptor = Descriptor(id);
        Dictionary<string, string> table = Table(Page(id));
        Assert.Equal(id, table["Id"]);
        Assert.Equal(descriptor.DefaultSeverity.ToString(), table["Severity"]);
        Assert.Equal(descriptor.IsEnabledByDefault.ToString(), table["Enabled"]);
        Assert.Equal(descriptor.Category, table["Category"]);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void CodeFixRowNamesTheRegisteredFixes(string id)
    {
        Dictionary<string, string> table = Table(Page(id));
        string row = Assert.Single(table, r => r.Key is "Code fix" or "Code fixes").Value;
        var fixes = TestReferences.AllCodeFixes.Where(f => f.FixableDiagnosticIds.Contains(id)).Select(f => f.GetType().Name).ToList();
        if (fixes.Count == 0)
        {
            Assert.StartsWith("None", row);
            return;
        }

        foreach (string fix in fixes)
        {
            Assert.Contains(fix + ".cs", row);
        }

        foreach (Match link in Regex.Matches(row, @"(\w+)\.cs\)"))
        {
            Assert.Contains(link.Groups[1].Value, fixes);
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void RequiredSectionsArePresent(string id)
    {
        var headings = Page(id).Split('\n').Where(l => l.StartsWith("## ", StringComparison.Ordinal)).Select(l => l.Substring(3).Trim()).ToList();
        Assert.Contains(headings, h => h.StartsWith("What", StringComparison.Ordinal));
        Assert.Contains("Why", headings);
        Assert.Contains("Bad", headings);
        Assert.Contains("Good", headings);
        Assert.Contains(headings, h => h is "How to fix" or "Why there is no automatic fix");
        Assert.Contains("How to suppress", headings);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void ReadmeRuleTableListsTheRule(string id) =>
        Assert.Contains($"| [{id}](docs/rules/{id}.md) |", File.ReadAllText(Path.Combine(Root, "README.md")));

    public static TheoryData<string, int> Snippets()
    {
        var data = new TheoryData<string, int>();
        foreach (string file in MarkdownFiles())
        {
            for (int i = 0; i < Snippet.All(Path.Combine(Root, file)).Count; i++)
            {
                data.Add(file, i);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public async Task SnippetCompilesAndReportsWhatItSays(string file, int index)
    {
        Snippet snippet = Snippet.All(Path.Combine(Root, file))[index];
        string? pageRule = Path.GetFileName(Path.GetDirectoryName(file)) == "rules" ? Path.GetFileNameWithoutExtension(file) : null;
        await snippet.VerifyAsync(pageRule);
    }

    [Fact]
    public void EverySnippetIsFound() => Assert.True(Snippets().Count() >= 25);

    private static IEnumerable<string> MarkdownFiles() =>
        new[] { "README.md" }.Concat(Directory.GetFiles(Path.Combine(Root, "docs", "rules"), "*.md").OrderBy(f => f).Select(f => Path.GetRelativePath(Root, f)));

    private static DiagnosticDescriptor Descriptor(string id) => Descriptors.Single(d => d.Id == id);

    private static string Page(string id)
    {
        string path = Path.Combine(Root, "docs", "rules", id + ".md");
        Assert.True(File.Exists(path), $"docs/rules/{id}.md is missing");
        return File.ReadAllText(path).Replace("\r\n", "\n");
    }

    /// <summary>The Topic | Value table at the top of a page.</summary>
    private static Dictionary<string, string> Table(string page)
    {
        var table = new Dictionary<string, string>();
        foreach (string line in page.Split('\n').SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')))
        {
            string[] cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length >= 3 && !cells[1].StartsWith(":--", StringComparison.Ordinal) && !cells[1].StartsWith("---", StringComparison.Ordinal) && cells[1] != "Topic")
            {
                table[cells[1]] = string.Join("|", cells.Skip(2).Take(cells.Length - 3));
            }
        }

        return table;
    }

    private static string RepositoryRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "RefSafety.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new DirectoryNotFoundException("RefSafety.sln not found above the test output folder");
    }
}

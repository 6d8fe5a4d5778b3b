using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Xunit;

namespace RefSafety.Tests.Samples;

/// <summary>
/// samples/Hazards, compiled in-process with every analyzer and its own .editorconfig, as `dotnet build` sees it:
/// one diagnostic per rule, each where the sample's comment says, and the program runs.
/// </summary>
public class HazardsSampleTests
{
    private static readonly string SampleDirectory = Path.Combine(
        typeof(HazardsSampleTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!,
        "samples",
        "Hazards");

    /// <summary>Rule, and the member (Type.Member) its one diagnostic is in.</summary>
    private static readonly (string Rule, string Member)[] Expected =
    {
        ("REFS001", "RenderCache.MeasureWidth"),
        ("REFS002", "RenderCache.Evict"),
        ("REFS003", "RenderCache.CacheThumbnail"),
        ("REFS004", "Document.FirstPage"),
        ("REFS005", "RenderCache.Placeholder"),
        ("REFS006", "Export.ForceSingleOwner"),
        ("REFS007", "Export.WriteTo"),
        ("REFS010", "Document.AddPage"),
        ("REFS011", "Page.Owner"),
        ("REFS020", "FontHandle.OnFinalize"),
        ("REFS021", "ScratchBitmap.OnFinalize"),
        ("REFS022", "PreviewTexture.~PreviewTexture"),
        ("REFS030", "Export.WriteInBackground"),
    };

    [Fact]
    public async Task TheBuildReportsExactlyOneDiagnosticPerRuleInTheCommentedMember()
    {
        CSharpCompilation compilation = await CompileAsync();
        AnalysisResult result = await AnalysisResult.RunAsync(
            compilation, TestReferences.AllAnalyzers, File.ReadAllText(Path.Combine(SampleDirectory, ".editorconfig")));

        Assert.Empty(result.CompilerErrors);
        Assert.Empty(result.AnalyzerExceptions);
        List<Diagnostic> refSafety = result.Analyzer.Where(d => d.Id.StartsWith("REFS", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            Expected.Select(e => $"{e.Rule} in {e.Member}"),
            refSafety.Select(d => $"{d.Id} in {ContainingMember(d)}").OrderBy(s => s, StringComparer.Ordinal));
        foreach (Diagnostic diagnostic in refSafety)
        {
            string comment = CommentAbove(diagnostic);
            Assert.True(comment.StartsWith($"// {diagnostic.Id}: ", StringComparison.Ordinal), $"{diagnostic} is not under a comment explaining it, but under \"{comment}\"");
        }
    }

    [Fact]
    public void TheSampleHasOneInstanceOfEveryRuleTheAnalyzersShip()
    {
        IEnumerable<string> shipped = TestReferences.AllAnalyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct().OrderBy(id => id, StringComparer.Ordinal);
        Assert.Equal(shipped, Expected.Select(e => e.Rule));
    }

    [Fact]
    public async Task TheProgramRunsAndReportsTheHazardsItMeets()
    {
        ProgramOutcome outcome = await ProgramRun.RunAsync(await CompileAsync());

        Assert.True(outcome.Exception is null && outcome.RunError is null && outcome.Unraisable.IsEmpty, outcome.ToString());
        Assert.Equal(0, outcome.LiveObjects);
        string[] lines = outcome.Output.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            new[]
            {
                "rendered page 1: 595 px wide",
                "rendered page 2: 595 px wide",
                "rendered page 3: 595 px wide",
                "cache: 3 bitmaps; page 1 measures 595 px",
                "exported 'Annual report': 61 bytes",
                "REFS003 at run time: ReleasedObjectException (RefDictionary.set_Item on a released Bitmap)",
                "document released: 0 objects freed by reference counting",
                "font 'Serif' closed",
                "Gc.Collect(): 5 unreachable objects freed",
                "live objects at exit: 0",
            },
            lines);
    }

    private static Task<CSharpCompilation> CompileAsync() =>
        ProgramRun.CompileAsync(
            Directory.GetFiles(SampleDirectory, "*.cs").OrderBy(f => f, StringComparer.Ordinal).Select(f => (f, File.ReadAllText(f))),
            nullable: true);

    /// <summary>Type.Member of the declaration that contains the diagnostic (a field's variable, a method, a destructor).</summary>
    private static string ContainingMember(Diagnostic diagnostic)
    {
        SyntaxNode node = diagnostic.Location.SourceTree!.GetRoot().FindNode(diagnostic.Location.SourceSpan);
        MemberDeclarationSyntax member = node.AncestorsAndSelf().OfType<MemberDeclarationSyntax>().First(m => m is not BaseTypeDeclarationSyntax);
        string name = member switch
        {
            MethodDeclarationSyntax method => method.Identifier.ValueText,
            DestructorDeclarationSyntax destructor => "~" + destructor.Identifier.ValueText,
            FieldDeclarationSyntax field => string.Join(",", field.Declaration.Variables.Select(v => v.Identifier.ValueText)),
            _ => member.Kind().ToString(),
        };
        return member.Ancestors().OfType<BaseTypeDeclarationSyntax>().First().Identifier.ValueText + "." + name;
    }

    /// <summary>The first line of the comment block above the diagnostic's line (attribute lines in between are skipped).</summary>
    private static string CommentAbove(Diagnostic diagnostic)
    {
        string[] lines = diagnostic.Location.SourceTree!.GetText().Lines.Select(l => l.ToString().Trim()).ToArray();
        int line = diagnostic.Location.GetLineSpan().StartLinePosition.Line - 1;
        while (line >= 0 && lines[line].StartsWith('['))
        {
            line--;
        }

        int last = line;
        while (line >= 0 && lines[line].StartsWith("//", StringComparison.Ordinal))
        {
            line--;
        }

        return line == last ? lines[Math.Max(last, 0)] : lines[line + 1];
    }
}

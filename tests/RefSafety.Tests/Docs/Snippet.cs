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
using Xunit;

namespace RefSafety.Tests.Docs;

/// <summary>A <c>```csharp</c> block of a Markdown file, with the heading it sits under. See <see cref="DocumentationTests"/>.</summary>
public sealed record Snippet(string File, int Line, string Heading, string Code, string? EditorConfig = null)
{
    private static readonly Regex RuleComment = new(@"//.*?\b(REFS\d{3})\b", RegexOptions.Compiled);
    private static readonly Regex LineNumber = new(@"\bline (\d+)\b", RegexOptions.Compiled);

    public override string ToString() => $"{System.IO.Path.GetFileName(File)}:{Line} ({Heading})";

    public static List<Snippet> All(string file)
    {
        var snippets = new List<Snippet>();
        string[] lines = System.IO.File.ReadAllText(file).Replace("\r\n", "\n").Split('\n');
        string heading = "";

        // A page whose rule needs a configured API shows it in an ```ini block: its snippets are analysed with it.
        int config = Array.FindIndex(lines, l => l.Trim() == "```ini");
        string? editorConfig = config < 0 ? null : string.Join("\n", lines.Skip(config + 1).TakeWhile(l => l.Trim() != "```"));
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith('#'))
            {
                heading = lines[i].TrimStart('#').Trim();
            }
            else if (lines[i].Trim() == "```csharp")
            {
                int end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
                snippets.Add(new Snippet(file, i + 2, heading, string.Join("\n", lines, i + 1, end - i - 1), editorConfig));
                i = end;
            }
        }

        return snippets;
    }

    /// <summary>Compiles the snippet, runs every analyzer, and compares with what its comments say.</summary>
    public async Task VerifyAsync(string? pageRule)
    {
        string source = Wrap(out bool program);
        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(source, parse, path: "Snippet.cs") };
        trees.Add(CSharpSyntaxTree.ParseText(Prelude.For(Declared()), parse, path: "Prelude.cs"));
        var compilation = CSharpCompilation.Create(
            "Snippet",
            trees,
            await TestReferences.AllAsync(),
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, $"{this} does not compile:\n{string.Join("\n", errors)}\n--- compiled as ---\n{source}");

        AnalysisResult result = await AnalysisResult.RunAsync(compilation, TestReferences.AllAnalyzers, EditorConfig);
        Assert.Empty(result.AnalyzerExceptions);
        var reported = result.Analyzer
            .Where(d => d.Location.SourceTree?.FilePath == "Snippet.cs")
            .Select(d => (Line: d.Location.GetLineSpan().StartLinePosition.Line + 1, d.Id, Message: d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        string[] lines = Code.Split('\n');
        var commented = new List<(int Line, string Id, string Comment)>();
        for (int i = 0; i < lines.Length; i++)
        {
            foreach (Match m in RuleComment.Matches(lines[i]))
            {
                commented.Add((i + 1, m.Groups[1].Value, lines[i].Substring(lines[i].IndexOf("//", StringComparison.Ordinal))));
            }
        }

        string Describe() =>
            $"{this}\n  commented: {string.Join("; ", commented.Select(c => $"{c.Id} at line {c.Line}"))}\n  reported:  {string.Join("; ", reported.Select(r => $"{r.Id} at line {r.Line}: {r.Message}"))}";

        if (Heading == "Bad")
        {
            Assert.True(pageRule is null || commented.Any(c => c.Id == pageRule), $"A Bad example must name its rule {pageRule} in a comment: {Describe()}");
        }

        if (Heading == "Good")
        {
            Assert.True(commented.Count == 0, $"A Good example names no rule: {Describe()}");
        }

        Assert.True(
            reported.Select(r => (r.Line, r.Id)).Distinct().OrderBy(r => r).SequenceEqual(commented.Select(c => (c.Line, c.Id)).Distinct().OrderBy(c => c)),
            "The rules reported differ from the rules the comments name: " + Describe());
        foreach (var (line, id, comment) in commented)
        {
            foreach (Match number in LineNumber.Matches(comment))
            {
                Assert.True(
                    reported.Any(r => r.Line == line && r.Id == id && r.Message.Contains(number.Value, StringComparison.Ordinal)),
                    $"The comment at line {line} says '{number.Value}', the message does not: {Describe()}");
            }
        }
    }

    /// <summary>Type names the snippet declares (so the prelude leaves them out).</summary>
    private ISet<string> Declared() =>
        CSharpSyntaxTree.ParseText(Code, new CSharpParseOptions(LanguageVersion.Latest, kind: SourceCodeKind.Script)).GetRoot()
            .DescendantNodes().OfType<BaseTypeDeclarationSyntax>().Select(t => t.Identifier.Text).ToHashSet();

    /// <summary>The snippet as a compilation unit: wrapped in a method or a class when it is statements or members.</summary>
    private string Wrap(out bool program)
    {
        // Parsed as a file of top-level statements: a method becomes a local function, so it counts as a member.
        var root = (CompilationUnitSyntax)CSharpSyntaxTree.ParseText(Code, new CSharpParseOptions(LanguageVersion.Latest)).GetRoot();
        bool IsMember(MemberDeclarationSyntax m) =>
            m is GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax } || m is not (GlobalStatementSyntax or BaseTypeDeclarationSyntax or DelegateDeclarationSyntax or BaseNamespaceDeclarationSyntax);
        // Top-level statements with local functions of their own are a program, not a list of members.
        bool topLevel = root.Members.Any(m => m is GlobalStatementSyntax { Statement: not LocalFunctionStatementSyntax })
            && root.Members.All(m => m is GlobalStatementSyntax or BaseTypeDeclarationSyntax);
        bool members = !topLevel && root.Members.Any(IsMember);
        bool statements = !members && root.Members.Any(m => m is GlobalStatementSyntax);
        bool types = root.Members.Any(m => m is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax);
        program = statements && (types || root.Usings.Count > 0 || (topLevel && root.Members.Any(m => m is GlobalStatementSyntax { Statement: LocalFunctionStatementSyntax })));
        if (program || (!statements && !members))
        {
            return Code;
        }

        if (statements && !members)
        {
            return "partial class Example { void Snippet() { " + Code + "\n} }\n";
        }

        return "partial class Example { " + Code + "\n}\n";
    }
}

/// <summary>The helper types the documentation's snippets use without declaring them.</summary>
internal static class Prelude
{
    private static readonly (string Name, string Source)[] Types =
    {
        ("Node", "class Node : RefObject { public Node? Next; public WeakRef<Node>? Back; public void Touch() { } }"),
        ("Buffer", "class Buffer : RefObject { public Buffer(int size) { } }"),
        ("Log", "static class Log { public static void Closed(object? what = null) { } }"),
        ("Order", "class Order : RefObject { public RefList<Line> Lines = new(); }"),
        ("Line", "class Line : RefObject { public Line(string name) => Name = name; public string Name { get; } }"),
        ("Example", "partial class Example : RefObject { Node? _current; readonly RefList<Node> _nodes = new(); void Write(Stream output, Buffer buffer) { } void Remember(Node node) { } }"),
    };

    public static string For(ISet<string> declared) =>
        "global using System;\nglobal using System.IO;\nglobal using System.Collections.Generic;\nglobal using System.Linq;\nglobal using System.Threading.Tasks;\nglobal using RefHeap;\n" +
        string.Join("\n", Types.Where(t => !declared.Contains(t.Name)).Select(t => t.Source)) + "\n";
}

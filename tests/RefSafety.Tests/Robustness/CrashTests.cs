using System.Linq;
using System.Reflection;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace RefSafety.Tests.Robustness;

/// <summary>Analyzers must never throw (AD0001), whatever the code: broken, half typed, or huge.</summary>
public class CrashTests
{
    [Theory]
    [InlineData("using RefHeap; class C { void M() { var n = new ")]
    [InlineData("using RefHeap; class N : RefObject { N? Next; } class C { void M() { var n = new N(); n.Next = ; n. } }")]
    [InlineData("using RefHeap; class C { void M(RefObject o) { o.DecRef(; if (o is ) { return } } }")]
    [InlineData("using RefHeap; class C { RefObject M() { return new Missing(); } void N() { using var x = Unknown(); x.DecRef(); } }")]
    [InlineData("using RefHeap; class N : RefObject { ~N() { } protected override void OnFinalize() { Heap.Current = this; } N? A; N? B; void M() { A = B; B = A; A.A = A; } }")]
    [InlineData("using RefHeap; class G<T> : RefObject where T : RefObject { T? Item; void M(T t) { Item = t; t.DecRef(); } }")]
    [InlineData("using RefHeap; class C { async System.Threading.Tasks.Task M() { var n = new Q(); await n; goto L; L: n.DecRef(); } }")]
    [InlineData("using System; using RefHeap; class N : RefObject { } class C { void M(IDisposable d) { using var scope = d; var node = new N(); Action<int> f = _ => throw new InvalidOperationException(); node.DecRef(); } }")]
    [InlineData("using System; using RefHeap; class N : RefObject { public N? Next; } class C { void M(IDisposable d) { using var scope = d; Action<N> f = n => { n.Next = n; throw new InvalidOperationException(); }; } }")]
    public async Task BrokenCodeNeverCrashesAnAnalyzer(string source)
    {
        AnalysisResult result = await RuleTest.ForAllAnalyzers().WithNullable().WithSources(source).AnalyzeAsync();

        Assert.DoesNotContain(result.Analyzer, d => d.Id == "AD0001");
    }

    [Fact]
    public async Task AFiveThousandStatementMethodIsAnalyzedWithoutCrashing()
    {
        var body = new StringBuilder();
        for (int i = 0; i < 1000; i++)
        {
            body.AppendLine($"var n{i} = new Node();");
            body.AppendLine($"if (flag) {{ n{i}.Touch(); }}");
            body.AppendLine($"holder.Child = n{i};");
            body.AppendLine($"for (int j{i} = 0; j{i} < 2; j{i}++) {{ holder.Child?.Touch(); }}");
            body.AppendLine($"var m{i} = Api.Create(); m{i}.DecRef();");
        }

        string source = RefSafety.Tests.Rules.RuleTestTypes.Source + "class Huge { void M(Holder holder, bool flag) {\n" + body + "} }";

        AnalysisResult result = await RuleTest.ForAllAnalyzers().WithNullable().WithSources(source).AnalyzeAsync();

        Assert.Empty(result.CompilerErrors);
        Assert.DoesNotContain(result.Analyzer, d => d.Id == "AD0001");
    }

    [Fact]
    public async Task ManyFlagsAndFieldsInLoopsStayBoundedAndCorrect()
    {
        // Eight flags (only four split the paths), each set in a loop and tested twice, and fields of this object
        // overwritten between: the analysis must stay bounded and still find the one leak at the end.
        var body = new StringBuilder();
        for (int i = 0; i < 8; i++)
        {
            body.AppendLine($"bool f{i} = i{i} > 0; Node? n{i} = null;");
            body.AppendLine($"for (int k = 0; k < i{i}; k++) {{ if (f{i}) {{ n{i}?.DecRef(); n{i} = new Node(); f{i} = k % 2 == 0; }} }}");
            body.AppendLine($"_current?.DecRef(); _current = new Node();");
            body.AppendLine($"if (!f{i}) {{ n{i}?.DecRef(); }} else {{ n{i}?.Dispose(); }}");
        }

        body.AppendLine("var leaked = new Node();");
        string parameters = string.Join(", ", System.Linq.Enumerable.Range(0, 8).Select(i => $"int i{i}"));
        string source = RefSafety.Tests.Rules.RuleTestTypes.Source + "class Flags : RefObject { Node? _current; void M(" + parameters + ") {\n" + body + "} }";

        AnalysisResult result = await RuleTest.ForAllAnalyzers().WithNullable().WithSources(source).AnalyzeAsync();

        Assert.Empty(result.CompilerErrors);
        Assert.DoesNotContain(result.Analyzer, d => d.Id == "AD0001");
        Assert.Equal(new[] { "REFS001 leaked" }, result.Analyzer.Where(d => d.Id.StartsWith("REFS00", System.StringComparison.Ordinal)).Select(d => d.Id + " " + d.Properties["Variable"]));
    }

    [Fact]
    public async Task TheRepositorysOwnRefHeapCodeNeverCrashesAnAnalyzer()
    {
        // Real code that uses RefHeap in every way: the runtime itself and its tests (their other references are
        // missing, so some of it does not bind, which is part of the point).
        string root = typeof(CrashTests).Assembly.GetCustomAttributes<System.Reflection.AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;
        string[] sources = new[] { "src/RefHeap", "tests/RefHeap.Tests", "samples" }
            .SelectMany(folder => System.IO.Directory.GetFiles(System.IO.Path.Combine(root, folder), "*.cs", System.IO.SearchOption.AllDirectories))
            .Where(path => !path.Contains("/obj/") && !path.Contains("/bin/"))
            .Select(System.IO.File.ReadAllText)
            .ToArray();
        Assert.True(sources.Length > 20);

        AnalysisResult result = await RuleTest.ForAllAnalyzers().WithNullable().WithSources(sources).AnalyzeAsync();

        Assert.DoesNotContain(result.Analyzer, d => d.Id == "AD0001");
    }
}

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

    /// <summary>
    /// A leak next to each construct the compiler lowers with temporaries, flags or hidden regions of its own (a
    /// lock's unnamed `lockTaken` once crashed the leak's message): the analyzers must not throw, and the leak is found.
    /// </summary>
    [Theory]
    [InlineData("lock (gate) { lost.Touch(); }")]
    [InlineData("lock (gate) { if (flag) { lost.Touch(); } } if (flag) { gate.GetHashCode(); }")]
    [InlineData("foreach (var item in items) { item.Touch(); }")]
    [InlineData("foreach (var (a, b) in pairs) { a.Touch(); }")]
    [InlineData("using (var scope = new Node()) { scope.Touch(); }")]
    [InlineData("using var scope = new Node(); scope.Touch();")]
    [InlineData("var text = $\"{lost} {flag}\"; Console.WriteLine(text);")]
    [InlineData("switch (items.Length) { case 0: lost.Touch(); break; case 1 when flag: goto case 0; case > 3: break; default: break; }")]
    [InlineData("var size = items switch { [] => 0, [var first, ..] when first is not null => 1, _ => 2 };")]
    [InlineData("if (gate is Node { Next: { } next } && next.Next is null) { next.Touch(); }")]
    [InlineData("var (x, y) = (items.Length, flag); Holder.Cache ??= null;")]
    [InlineData("try { lost.Touch(); } catch (Exception e) when (e.Message.Length > 0 && flag) { } finally { gate.GetHashCode(); }")]
    [InlineData("Span<int> numbers = stackalloc int[4]; numbers[0] = checked(items.Length + 1);")]
    [InlineData("void Local(Node n) { n.Touch(); } Local(lost); Func<Node, bool> test = n => n.Next is null; test(lost);")]
    [InlineData("bool done = false; while (!done) { done = flag || items.Length > 2; if (done) { break; } }")]
    public async Task ALeakNextToACompilerLoweredConstructIsFoundWithoutCrashing(string construct)
    {
        string source = RefSafety.Tests.Rules.RuleTestTypes.Source + @"
class C
{
    void M(object gate, Node[] items, (Node, Node)[] pairs, bool flag)
    {
        var lost = new Node();
        " + construct + @"
    }
}";

        AnalysisResult result = await RuleTest.ForAllAnalyzers().WithNullable().WithSources(source).AnalyzeAsync();

        Assert.Empty(result.CompilerErrors);
        Assert.DoesNotContain(result.Analyzer, d => d.Id == "AD0001");
        Assert.Contains(result.Analyzer, d => d.Id == "REFS001" && d.Properties["Variable"] == "lost");
    }

    [Fact]
    public async Task LeaksInAsyncMethodsAndIteratorsAreFoundWithoutCrashing()
    {
        string source = RefSafety.Tests.Rules.RuleTestTypes.Source + @"
class C
{
    async Task<int> Load(Task<int> pending, bool flag)
    {
        var lost = new Node();
        await using var scope = new Resource();
        int value = flag ? await pending : 0;
        lock (this) { lost.Touch(); }
        return value;
    }

    System.Collections.Generic.IEnumerable<int> Count(int n)
    {
        var lost = new Node();
        for (int i = 0; i < n; i++)
        {
            yield return i;
        }
    }
}

sealed class Resource : IAsyncDisposable
{
    public ValueTask DisposeAsync() => default;
}";

        AnalysisResult result = await RuleTest.ForAllAnalyzers().WithNullable().WithSources(source).AnalyzeAsync();

        Assert.Empty(result.CompilerErrors);
        Assert.DoesNotContain(result.Analyzer, d => d.Id == "AD0001");
        Assert.Equal(2, result.Analyzer.Count(d => d.Id == "REFS001" && d.Properties["Variable"] == "lost"));
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

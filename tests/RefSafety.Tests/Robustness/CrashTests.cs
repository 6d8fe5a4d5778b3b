using System.Linq;
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
    public async Task BrokenCodeNeverCrashesAnAnalyzer(string source)
    {
        var (_, analyzers) = await AllAnalyzers.RunAsync(source);

        Assert.DoesNotContain(analyzers, d => d.Id == "AD0001");
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

        var (compiler, analyzers) = await AllAnalyzers.RunAsync(source);

        Assert.Empty(compiler.Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error));
        Assert.DoesNotContain(analyzers, d => d.Id == "AD0001");
    }
}

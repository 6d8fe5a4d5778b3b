using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace RefSafety.Tests.Rules;

/// <summary>
/// REFS010 on code that is broken or unusual: whatever the callee (broken, recursive, without a body, in another
/// file, reached with named arguments) summarizing it never throws, a summary is applied by parameter, not by
/// position, and container calls with missing arguments are no crash either.
/// </summary>
public class REFS010Robustness
{
    private const string Node = "using RefHeap; class Node : RefObject { public Node? Next; }";

    [Theory]
    [InlineData("static class C { static void Link(Node a, Node b) { a.Next = ; } static void M(Node x) { Link(x, x); } }")]
    [InlineData("static class C { static void A(Node n) { B(n); n.Next = n; } static void B(Node n) { A(n); n.Next = null; } static void M(Node x) { A(x); B(x); } }")]
    [InlineData("partial class P : RefObject { public Node? Held; partial void Keep(Node n); void M(Node n) { Keep(n); Held = n; } }")]
    [InlineData("abstract class Q : RefObject { public abstract void Keep(Node n); public virtual void Hold(Node n) { n.Next = n; } void M(Node n) { Keep(n); Hold(n); } }")]
    [InlineData("interface I { void Keep(Node n) { n.Next = n; } } class R : I { void M(I i, Node n) { i.Keep(n); } }")]
    [InlineData("class S : RefObject { public Node? Held; public S(Node n) => Held = n; public Node? Init { init { Held = value; } } public Node? this[int i] { set { Held = value; } } void M(Node n) { var s = new S(n) { Init = n }; s[0] = n; Missing(n); } }")]
    [InlineData("class T(Node n) : RefObject { public Node? Held = n; static void M(Node n) { var t = new T(n); n.Next = null; } }")]
    [InlineData("static class U { static void Link(Node a, Node b) { a.Next = b; } static void M(Node x) { Link(x); Link(b: x); } }")]
    [InlineData("static class V { static void M(RefDictionary<string, Node> d, RefList<Node> l, Node n) { d.Add(\"a\"); d[] = n; l.Remove(); l.Insert(n); d.Remove(); d.Add(key: \"k\", value: n); } }")]
    public async Task BrokenCalleesAndContainerCallsNeverCrash(string source)
    {
        AnalysisResult result = await RuleTest.ForAllAnalyzers().WithNullable().WithSources(Node, "using RefHeap;\n" + source).AnalyzeAsync();

        Assert.DoesNotContain(result.Analyzer, d => d.Id == "AD0001");
    }

    [Fact]
    public async Task ACalleeInAnotherFileCalledWithNamedArgumentsOutOfOrder()
    {
        const string Links = "static class Links { public static void Link(Node from, Node to) { from.Next = to; } }";
        const string Use = "static class Use { static void M(Node x, Node y) { Links.Link(to: y, from: x); Links.Link(to: x, from: y); } }";

        AnalysisResult result = await RuleTest.ForAllAnalyzers().WithNullable().WithSources(Node, Links, Use).AnalyzeAsync();

        Assert.Empty(result.CompilerErrors);
        Microsoft.CodeAnalysis.Diagnostic cycle = Assert.Single(result.Analyzer, d => d.Id == "REFS010");
        Assert.Equal("Links.Link(to: x, from: y)", cycle.Location.SourceTree!.GetText().ToString(cycle.Location.SourceSpan));
        Assert.Contains("x.Next → y.Next → x", cycle.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
    }
}

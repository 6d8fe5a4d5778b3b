using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS002;

public class REFS002Valid
{
    [Theory]
    [InlineData("void M(Node borrowed) { borrowed.IncRef(); borrowed.DecRef(); }")]
    [InlineData("void M(Holder holder) { holder.Child?.DecRef(); holder.Child = new Node(); }")]
    [InlineData("void M([StealsReference] Node stolen) { stolen.DecRef(); }")]
    [InlineData("void M(bool own, Node node) { if (own) { node.IncRef(); } Api.Inspect(node); if (own) { node.DecRef(); } }")]
    [InlineData("void M() { var node = new Node(); node.IncRef(); node.DecRef(); node.DecRef(); }")]
    [InlineData("void M() { var node = Api.Create(); using (node) { node.Touch(); } }")]
    public Task ReleasesOnlyWhatItOwns(string member) =>
        Verify<OwnershipAnalyzer>.Valid(RuleTestTypes.Source + "class C { " + member + " }");
}

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
        RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + "class C { " + member + " }").RunAsync();

    [Fact]
    public Task AReleaseInALoopThatReacquiresOrLeaves() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void Walk(Node head)
    {
        Node? cursor = head;
        cursor.IncRef();
        while (cursor is not null)
        {
            var next = cursor.Next;
            next?.IncRef();
            cursor.DecRef();
            cursor = next;
        }
    }

    void Renew(int rounds)
    {
        var node = Api.Create();
        for (int i = 0; i < rounds; i++)
        {
            node.DecRef();
            node = Api.Create();
        }

        node.DecRef();
    }

    void ReleaseOnce(RefList<Node> list)
    {
        var node = new Node();
        foreach (var item in list)
        {
            if (item.Next is null)
            {
                node.DecRef();
                return;
            }
        }

        node.DecRef();
    }
}")
        .RunAsync();
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS003;

public class REFS003Valid
{
    [Theory]
    [InlineData("void M(Holder holder) { var node = new Node(); holder.Child = node; node.Touch(); }")]
    [InlineData("void M() { var node = new Node(); node.Touch(); node.DecRef(); }")]
    [InlineData("void M() { var node = new Node(); node.IncRef(); Api.Consume(node); node.Touch(); node.DecRef(); }")]
    [InlineData("void M(bool flag) { var node = new Node(); if (flag) { node.DecRef(); return; } node.Touch(); node.DecRef(); }")]
    [InlineData("void M() { var node = new Node(); node.DecRef(); node = new Node(); node.Touch(); node.DecRef(); }")]
    [InlineData("void M() { for (int i = 0; i < 2; i++) { var node = new Node(); node.Touch(); node.DecRef(); } }")]
    public Task UsesOnlyLiveReferences(string member) =>
        RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + "class C { " + member + " }").RunAsync();

    [Fact]
    public Task AFieldRefilledByACallIsLiveAgain() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class Refill
{
    public static void Cache() => Holder.Cache = new Node();
}

class Owner : RefObject
{
    private Node? _current;

    private void Reload()
    {
        if (_current is null)
        {
            _current = new Node();
        }
    }

    public void M()
    {
        _current?.DecRef();
        _current = null;
        Reload();
        _current!.Touch();

        Holder.Cache?.DecRef();
        Refill.Cache();
        Holder.Cache!.Touch();
    }
}")
        .RunAsync();
}

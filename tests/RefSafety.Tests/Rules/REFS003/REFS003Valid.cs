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
        Verify<OwnershipAnalyzer>.Valid(RuleTestTypes.Source + "class C { " + member + " }");
}

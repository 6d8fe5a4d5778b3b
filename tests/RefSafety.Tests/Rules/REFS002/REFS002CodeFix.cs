using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Balance;
using Xunit;

namespace RefSafety.Tests.Rules.REFS002;

public class REFS002CodeFix
{
    [Fact]
    public Task RemoveTheExtraRelease() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M(Holder holder)
    {
        var node = new Node();
        holder.Child = node;
        {|REFS002:node.DecRef()|};
    }

    void N(Node borrowed)
    {
        borrowed.Touch();
        {|REFS002:borrowed.Dispose()|};
    }
}")
        .WithFix<REFS002RemoveExtraReleaseFix>("Remove the extra release")
        .ExpectFixed(RuleTestTypes.Source + @"
class C
{
    void M(Holder holder)
    {
        var node = new Node();
        holder.Child = node;
    }

    void N(Node borrowed)
    {
        borrowed.Touch();
    }
}")
        .RunAsync();
}

public class REFS002IncRefBeforeStoringCodeFix
{
    [Fact]
    public Task IncRefBeforeTheStoreThatTookTheReference() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M(Holder holder)
    {
        var node = new Node();
        holder.Child = node;
        node.Touch();
        {|REFS002:node.DecRef()|};
    }
}")
        .WithFix<REFS002RemoveExtraReleaseFix>("IncRef before storing")
        .ExpectFixed(RuleTestTypes.Source + @"
class C
{
    void M(Holder holder)
    {
        var node = new Node();
        node.IncRef();
        holder.Child = node;
        node.Touch();
        node.DecRef();
    }
}")
        .RunAsync();

    [Fact]
    public Task NoFixWhenOnlySomePathsOverRelease()
    {
        // On the path where 'own' is true the release is right: removing it would leak there.
        const string source = RuleTestTypes.Source + @"
class C
{
    void M(bool own, Node node)
    {
        if (own)
        {
            node.IncRef();
        }

        {|REFS002:node.DecRef()|};
    }
}";
        return RuleTest.For<OwnershipAnalyzer>()
            .WithSource(source)
            .WithFix<REFS002RemoveExtraReleaseFix>("Remove the extra release")
            .ExpectFixed(source)
            .RunAsync();
    }
}

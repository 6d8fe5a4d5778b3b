using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Balance;
using Xunit;

namespace RefSafety.Tests.Rules.REFS002;

public class REFS002CodeFix
{
    [Fact]
    public Task RemoveTheExtraRelease() => Verify<OwnershipAnalyzer>.CodeFix<REFS002RemoveExtraReleaseFix>(RuleTestTypes.Source + @"
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
}", RuleTestTypes.Source + @"
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
}", "Remove the extra release");
}

public class REFS002IncRefBeforeStoringCodeFix
{
    [Fact]
    public Task IncRefBeforeTheStoreThatTookTheReference() => Verify<OwnershipAnalyzer>.CodeFix<REFS002RemoveExtraReleaseFix>(RuleTestTypes.Source + @"
class C
{
    void M(Holder holder)
    {
        var node = new Node();
        holder.Child = node;
        node.Touch();
        {|REFS002:node.DecRef()|};
    }
}", RuleTestTypes.Source + @"
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
}", "IncRef before storing");

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
        return Verify<OwnershipAnalyzer>.CodeFix<REFS002RemoveExtraReleaseFix>(source, source, "Remove the extra release");
    }
}

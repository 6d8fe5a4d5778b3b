using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Balance;
using Xunit;

namespace RefSafety.Tests.Rules.REFS001;

public class REFS001CodeFix
{
    [Fact]
    public Task ReleaseBeforeTheLeakingReturn() => Verify<OwnershipAnalyzer>.CodeFix<REFS001ReleaseFix>(RuleTestTypes.Source + @"
class C
{
    int M(bool fail)
    {
        var node = new Node();
        if (fail)
        {
            {|REFS001:return -1;|}
        }

        node.DecRef();
        return 0;
    }
}", RuleTestTypes.Source + @"
class C
{
    int M(bool fail)
    {
        var node = new Node();
        if (fail)
        {
            node.DecRef();
            return -1;
        }

        node.DecRef();
        return 0;
    }
}", "Release before this exit");

    [Fact]
    public Task FixAllReleasesTwoLeaksAtTheSameExit() => Verify<OwnershipAnalyzer>.CodeFix<REFS001ReleaseFix>(RuleTestTypes.Source + @"
class C
{
    void M(bool fail)
    {
        var first = new Node();
        var second = Api.Create();
        if (fail)
        {
            {|REFS001:{|REFS001:throw new InvalidOperationException();|}|}
        }

        first.DecRef();
        second.DecRef();
    }
}", RuleTestTypes.Source + @"
class C
{
    void M(bool fail)
    {
        var first = new Node();
        var second = Api.Create();
        if (fail)
        {
            first.DecRef();
            second.DecRef();
            throw new InvalidOperationException();
        }

        first.DecRef();
        second.DecRef();
    }
}", "Release before this exit");

    [Fact]
    public Task ReleaseWithUsing() => Verify<OwnershipAnalyzer>.CodeFix<REFS001ReleaseFix>(RuleTestTypes.Source + @"
class C
{
    void M(bool early)
    {
        var node = new Node();
        if (early)
        {
            {|REFS001:return;|}
        }

        node.Touch();
    {|REFS001:}|}
}", RuleTestTypes.Source + @"
class C
{
    void M(bool early)
    {
        using var node = new Node();
        if (early)
        {
            return;
        }

        node.Touch();
    }
}", "Release with using");

    [Fact]
    public Task DisposeADiscardedNewReference() => Verify<OwnershipAnalyzer>.CodeFix<REFS001ReleaseFix>(RuleTestTypes.Source + @"
class C
{
    void M()
    {
        {|REFS001:Api.Create()|};
    }
}", RuleTestTypes.Source + @"
class C
{
    void M()
    {
        Api.Create().Dispose();
    }
}", "Release before this exit");

    [Fact]
    public Task ReleaseAtTheEndOfTheBody() => Verify<OwnershipAnalyzer>.CodeFix<REFS001ReleaseFix>(RuleTestTypes.Source + @"
class C
{
    void M(Holder holder)
    {
        var node = new Node();
        Api.Inspect(node);
    {|REFS001:}|}
}", RuleTestTypes.Source + @"
class C
{
    void M(Holder holder)
    {
        var node = new Node();
        Api.Inspect(node);
        node.DecRef();
    }
}", "Release before this exit");

    [Fact]
    public Task ReleaseAnOverwrittenFieldBeforeTheStore() => Verify<OwnershipAnalyzer>.CodeFix<REFS001ReleaseFix>(RuleTestTypes.Source + @"
class Owner : RefObject
{
    private Node? _current;

    public void Replace(Node next)
    {
        next.IncRef();
        {|REFS001:this._current = next|};
    }
}", RuleTestTypes.Source + @"
class Owner : RefObject
{
    private Node? _current;

    public void Replace(Node next)
    {
        next.IncRef();
        this._current?.DecRef();
        this._current = next;
    }
}", "Release the field's old value before the store");

    [Fact]
    public Task ReleaseInFinallyCoversEveryExitOnce() => Verify<OwnershipAnalyzer>.CodeFix<REFS001ReleaseFix>(RuleTestTypes.Source + @"
class C
{
    void M(bool flag)
    {
        var node = new Node();
        node.Touch();
        if (flag)
        {
            {|REFS001:return;|}
        }

        node.Touch();
    {|REFS001:}|}
}", RuleTestTypes.Source + @"
class C
{
    void M(bool flag)
    {
        var node = new Node();
        try
        {
            node.Touch();
            if (flag)
            {
                return;
            }

            node.Touch();
        }
        finally
        {
            node.DecRef();
        }
    }
}", "Release in finally");

    [Fact]
    public Task ReleaseBeforeAnExitWhereTheReferenceMayBeNull() => Verify<OwnershipAnalyzer>.CodeFix<REFS001ReleaseFix>(RuleTestTypes.Source + @"
class C
{
    void M(bool make)
    {
        Node? node = make ? new Node() : null;
        node?.Touch();
    {|REFS001:}|}
}", RuleTestTypes.Source + @"
class C
{
    void M(bool make)
    {
        Node? node = make ? new Node() : null;
        node?.Touch();
        node?.DecRef();
    }
}", "Release before this exit");

    [Fact]
    public Task NoReleaseBeforeAnExitThatSomePathsReachReleased()
    {
        // Where 'flag' is true the node is already released when the method ends: a DecRef there would over-release.
        const string source = RuleTestTypes.Source + @"
class C
{
    void M(bool flag)
    {
        var node = new Node();
        if (flag)
        {
            node.DecRef();
        }
    {|REFS001:}|}
}";
        return Verify<OwnershipAnalyzer>.CodeFix<REFS001ReleaseFix>(source, source, "Release before this exit");
    }

    [Fact]
    public Task HoldANewObjectPassedToACallInAUsingVariable() => Verify<OwnershipAnalyzer>.CodeFix<REFS001ReleaseFix>(RuleTestTypes.Source + @"
class C
{
    void M(RefList<Node> list, Holder holder)
    {
        var node = 1;
        list.Insert(node, {|REFS001:new Node()|});
        RefField.Set(ref holder.Child, {|REFS001:Api.Create()|});
    }
}", RuleTestTypes.Source + @"
class C
{
    void M(RefList<Node> list, Holder holder)
    {
        var node = 1;
        using var node2 = new Node();
        list.Insert(node, node2);
        using var created = Api.Create();
        RefField.Set(ref holder.Child, created);
    }
}", "Hold it in a using variable");
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Balance;
using Xunit;

namespace RefSafety.Tests.Rules.REFS001;

public class REFS001CodeFix
{
    [Fact]
    public Task ReleaseBeforeTheLeakingReturn() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
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
}")
        .WithFix<REFS001ReleaseFix>("Release before this exit")
        .ExpectFixed(RuleTestTypes.Source + @"
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
}")
        .RunAsync();

    [Fact]
    public Task FixAllReleasesTwoLeaksAtTheSameExit() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
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
}")
        .WithFix<REFS001ReleaseFix>("Release before this exit")
        .ExpectFixed(RuleTestTypes.Source + @"
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
}")
        .RunAsync();

    [Fact]
    public Task ReleaseWithUsing() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
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
}")
        .WithFix<REFS001ReleaseFix>("Release with using")
        .ExpectFixed(RuleTestTypes.Source + @"
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
}")
        .RunAsync();

    [Fact]
    public Task DisposeADiscardedNewReference() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M()
    {
        {|REFS001:Api.Create()|};
    }
}")
        .WithFix<REFS001ReleaseFix>("Release before this exit")
        .ExpectFixed(RuleTestTypes.Source + @"
class C
{
    void M()
    {
        Api.Create().Dispose();
    }
}")
        .RunAsync();

    [Fact]
    public Task ReleaseAtTheEndOfTheBody() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M(Holder holder)
    {
        var node = new Node();
        Api.Inspect(node);
    {|REFS001:}|}
}")
        .WithFix<REFS001ReleaseFix>("Release before this exit")
        .ExpectFixed(RuleTestTypes.Source + @"
class C
{
    void M(Holder holder)
    {
        var node = new Node();
        Api.Inspect(node);
        node.DecRef();
    }
}")
        .RunAsync();

    [Fact]
    public Task ReleaseAnOverwrittenFieldBeforeTheStore() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class Owner : RefObject
{
    private Node? _current;

    public void Replace(Node next)
    {
        next.IncRef();
        {|REFS001:this._current = next|};
    }
}")
        .WithFix<REFS001ReleaseFix>("Release the field's old value before the store")
        .ExpectFixed(RuleTestTypes.Source + @"
class Owner : RefObject
{
    private Node? _current;

    public void Replace(Node next)
    {
        next.IncRef();
        this._current?.DecRef();
        this._current = next;
    }
}")
        .RunAsync();

    [Fact]
    public Task ReleaseInFinallyCoversEveryExitOnce() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
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
}")
        .WithFix<REFS001ReleaseFix>("Release in finally")
        .ExpectFixed(RuleTestTypes.Source + @"
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
}")
        .RunAsync();

    [Fact]
    public Task ReleaseBeforeAnExitWhereTheReferenceMayBeNull() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M(bool make)
    {
        Node? node = make ? new Node() : null;
        node?.Touch();
    {|REFS001:}|}
}")
        .WithFix<REFS001ReleaseFix>("Release before this exit")
        .ExpectFixed(RuleTestTypes.Source + @"
class C
{
    void M(bool make)
    {
        Node? node = make ? new Node() : null;
        node?.Touch();
        node?.DecRef();
    }
}")
        .RunAsync();

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
        return RuleTest.For<OwnershipAnalyzer>()
            .WithSource(source)
            .WithFix<REFS001ReleaseFix>("Release before this exit")
            .ExpectFixed(source)
            .RunAsync();
    }

    [Fact]
    public Task HoldANewObjectPassedToACallInAUsingVariable() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M(RefList<Node> list, Holder holder)
    {
        var node = 1;
        list.Insert(node, {|REFS001:new Node()|});
        RefField.Set(ref holder.Child, {|REFS001:Api.Create()|});
    }
}")
        .WithFix<REFS001ReleaseFix>("Hold it in a using variable")
        .ExpectFixed(RuleTestTypes.Source + @"
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
}")
        .RunAsync();
}

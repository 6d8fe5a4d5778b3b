using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.REFS001;

public class REFS001Diagnostics
{
    private const string Types = @"
using System;
using System.Threading.Tasks;
using RefHeap;

class Node : RefObject { public Node? Next; public void Touch() { } }

static class Factory
{
    [return: NewReference] public static Node Create() => new Node();
}
";

    [Fact]
    public Task NewObjectNeverReleased() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    void M()
    {
        var node = new Node();
        node.Touch();
    {|REFS001:}|}
}")
        .RunAsync();

    [Fact]
    public Task LeakOnTheEarlyReturnOnly() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
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
        .RunAsync();

    [Fact]
    public Task LeakOnTheThrowPath() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    void M(int value)
    {
        var node = Factory.Create();
        if (value < 0)
        {
            {|REFS001:throw new ArgumentOutOfRangeException(nameof(value));|}
        }

        node.Dispose();
    }
}")
        .RunAsync();

    [Fact]
    public Task LeakInALoopIteration() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    void M(int n)
    {
        for (int i = 0; i < n; i++)
        {
            var {|REFS001:node|} = new Node();
            if (i % 2 == 0)
            {
                node.DecRef();
            }
        }
    }
}")
        .RunAsync();

    [Fact]
    public Task DiscardedNewReferenceResult() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    void M()
    {
        {|REFS001:Factory.Create()|};
    }
}")
        .RunAsync();

    [Fact]
    public Task ExtraIncRefIsOneTooHigh() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    void M(Node borrowed)
    {
        var kept = borrowed;
        kept.IncRef();
        kept.IncRef();
        kept.DecRef();
    {|REFS001:}|}
}")
        .RunAsync();

    [Fact]
    public Task LeakInASwitchCase() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    void M(int kind)
    {
        var node = new Node();
        switch (kind)
        {
            case 0:
                node.DecRef();
                break;
            case 1:
                {|REFS001:return;|}
            default:
                node.Dispose();
                break;
        }
    }
}")
        .RunAsync();

    [Fact]
    public Task LeakInsideALambda() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    Action M() => () =>
    {
        var node = new Node();
        node.Touch();
    {|REFS001:}|};
}")
        .RunAsync();

    [Fact]
    public Task LeakInsideALocalFunctionAndAnAsyncMethod() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    async Task M()
    {
        Local();
        var node = new Node();
        await Task.Yield();
        node.Touch();

        void Local()
        {
            var inner = new Node();
        {|REFS001:}|}
    {|REFS001:}|}
}")
        .ExpectArguments("inner", "on the path through line 25")
        .ExpectArguments("node", "on the path through line 26")
        .RunAsync();

    [Fact]
    public Task OverwritingAnOwnedLocalLeaksTheFirstObject() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    void M()
    {
        var node = new Node();
        {|REFS001:node = new Node()|};
        node.DecRef();
    }
}")
        .RunAsync();

    [Fact]
    public Task LeakOnAReturnInACatchIsReportedAtThatReturn() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    void M()
    {
        var node = new Node();
        try
        {
            node.Touch();
        }
        catch (InvalidOperationException)
        {
            {|REFS001:return;|}
        }

        node.DecRef();
    }
}")
        .RunAsync();

    [Fact]
    public Task OverwritingAFieldLeaksItsOldValue() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class Owner : RefObject
{
    private Node? _current;

    public void Replace(Node next)
    {
        next.IncRef();
        {|REFS001:_current = next|};
    }

    public void Renew()
    {
        if (_current is null)
        {
            _current = new Node();
        }
        else
        {
            {|REFS001:this._current = new Node()|};
        }
    }
}")
        .RunAsync();

    [Fact]
    public Task AFlagDoesNotHideALeakOnItsOtherSide() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    void M(bool make, bool release)
    {
        Node? node = null;
        if (make)
        {
            node = new Node();
        }

        if (make && release)
        {
            node!.DecRef();
        }
    {|REFS001:}|}
}")
        .ExpectArguments("node", "on the path through line 27 where 'make' is true and 'release' is false")
        .RunAsync();

    [Fact]
    public Task LeakOnARethrowIsReportedAtTheRethrow() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(Types + @"
class C
{
    int M(Func<int> risky)
    {
        var node = new Node();
        try
        {
            int value = risky();
            node.DecRef();
            return value;
        }
        catch (InvalidOperationException)
        {
            {|REFS001:throw;|}
        }
        finally
        {
            Console.WriteLine();
        }
    }
}")
        .RunAsync();

    [Fact]
    public Task ANewReferencePassedToAParameterThatDoesNotTakeIt() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + @"
class C
{
    void M(RefList<Node> list, Holder holder)
    {
        list.Add({|REFS001:new Node()|});
        RefField.Set(ref holder.Child, {|REFS001:Api.Create()|});
        RefField.Move(ref holder.Child, new Node());
        Console.WriteLine({|REFS001:new Node()|});
    }
}")
        .RunAsync();

    [Fact]
    public Task ATopLevelProgramsLeakIsReportedInItsStatementsNotInALaterType() => RuleTest.For<OwnershipAnalyzer>()
        .AsProgram()
        .WithSource(@"
using RefHeap;

var kept = new Item();
kept.Touch();
{|REFS001:System.Console.WriteLine(""done"");|}

class Item : RefObject
{
    public void Touch() { }
}
")
        .ExpectArguments("kept", "on the path through line 6")
        .RunAsync();
}

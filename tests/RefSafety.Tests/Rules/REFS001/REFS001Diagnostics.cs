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
    public Task NewObjectNeverReleased() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
class C
{
    void M()
    {
        var node = new Node();
        node.Touch();
    {|REFS001:}|}
}");

    [Fact]
    public Task LeakOnTheEarlyReturnOnly() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
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
}");

    [Fact]
    public Task LeakOnTheThrowPath() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
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
}");

    [Fact]
    public Task LeakInALoopIteration() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
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
}");

    [Fact]
    public Task DiscardedNewReferenceResult() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
class C
{
    void M()
    {
        {|REFS001:Factory.Create()|};
    }
}");

    [Fact]
    public Task ExtraIncRefIsOneTooHigh() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
class C
{
    void M(Node borrowed)
    {
        var kept = borrowed;
        kept.IncRef();
        kept.IncRef();
        kept.DecRef();
    {|REFS001:}|}
}");

    [Fact]
    public Task LeakInASwitchCase() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
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
}");

    [Fact]
    public Task LeakInsideALambda() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
class C
{
    Action M() => () =>
    {
        var node = new Node();
        node.Touch();
    {|REFS001:}|};
}");

    [Fact]
    public Task LeakInsideALocalFunctionAndAnAsyncMethod() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
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
        {|#0:}|}
    {|#1:}|}
}", Verify<OwnershipAnalyzer>.Diagnostic(RefSafety.Analyzers.Descriptors.REFS001ReferenceLeak).WithLocation(0).WithArguments("inner", "on the path through line 25"),
        Verify<OwnershipAnalyzer>.Diagnostic(RefSafety.Analyzers.Descriptors.REFS001ReferenceLeak).WithLocation(1).WithArguments("node", "on the path through line 26"));

    [Fact]
    public Task OverwritingAnOwnedLocalLeaksTheFirstObject() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
class C
{
    void M()
    {
        var node = new Node();
        {|REFS001:node = new Node()|};
        node.DecRef();
    }
}");

    [Fact]
    public Task LeakOnAReturnInACatchIsReportedAtThatReturn() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
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
}");

    [Fact]
    public Task OverwritingAFieldLeaksItsOldValue() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
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
}");

    [Fact]
    public Task AFlagDoesNotHideALeakOnItsOtherSide() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
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
    {|#0:}|}
}", Verify<OwnershipAnalyzer>.Diagnostic(RefSafety.Analyzers.Descriptors.REFS001ReferenceLeak).WithLocation(0).WithArguments("node", "on the path through line 27 where 'make' is true and 'release' is false"));

    [Fact]
    public Task LeakOnARethrowIsReportedAtTheRethrow() => Verify<OwnershipAnalyzer>.Diagnostics(Types + @"
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
}");

    [Fact]
    public Task ANewReferencePassedToAParameterThatDoesNotTakeIt() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class C
{
    void M(RefList<Node> list, Holder holder)
    {
        list.Add({|REFS001:new Node()|});
        RefField.Set(ref holder.Child, {|REFS001:Api.Create()|});
        RefField.Move(ref holder.Child, new Node());
        Console.WriteLine({|REFS001:new Node()|});
    }
}");
}

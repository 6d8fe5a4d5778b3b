using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS020Valid
{
    [Fact]
    public Task FinalizerTypeThatOnlyPointsIntoACycleDiesByReferenceCounting() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Tree : RefObject { public RefList<Tree>? Children; public Tree? Parent; }
            class TreeView : RefObject
            {
                public Tree? Root;
                protected override void OnFinalize() { }
            }
            """)
            .RunAsync();

    [Fact]
    public Task FinalizerWithWeakBackEdges() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree>? Children;
                public WeakRef<Tree>? Parent;
                public FileHandle? Handle;
                protected override void OnFinalize() { }
            }
            class FileHandle : RefObject { protected override void OnFinalize() { } }
            """)
            .RunAsync();

    [Fact]
    public Task FinalizerOnASinglyLinkedNode() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Node : RefObject { public Node? Next; protected override void OnFinalize() { } }
            """)
            .RunAsync();

    [Fact]
    public Task CycleWithoutFinalizer() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Node : RefObject { public Node? Next; public Node? Prev; public override string ToString() => "node"; }
            """)
            .RunAsync();
}

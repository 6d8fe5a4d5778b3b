using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS020Diagnostics
{
    [Fact]
    public Task FinalizerOnATypeInACycleOfLengthOne() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree>? Children;
                public Tree? Parent;
                protected override void {|REFS020:OnFinalize|}() { }
            }
            """)
            .ExpectArguments("Tree", "can sit in the strong reference cycle Tree.Parent → Tree")
            .RunAsync();

    [Fact]
    public Task FinalizerOnATypeInACycleOfLengthTwo() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Customer : RefObject { public RefList<Order>? Orders; }
            class Order : RefObject
            {
                public Customer? Buyer;
                protected override void {|REFS020:OnFinalize|}() { }
            }
            """)
            .ExpectArguments("Order", "can sit in the strong reference cycle Order.Buyer → Customer.Orders[] → Order")
            .RunAsync();

    [Fact]
    public Task FinalizerOnATypeInACycleOfLengthThreeIsReportedOnEachFinalizerType() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class A : RefObject { public B? ToB; protected override void {|REFS020:OnFinalize|}() { } }
            class B : RefObject { public C? ToC; }
            class C : RefObject { public A? Back; protected override void {|REFS020:OnFinalize|}() { } }
            """)
            .ExpectArguments("A", "can sit in the strong reference cycle C.Back → A.ToB → B.ToC → C")
            .ExpectArguments("C", "can sit in the strong reference cycle C.Back → A.ToB → B.ToC → C")
            .RunAsync();

    [Fact]
    public Task FinalizerTypeHeldByACycle() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Tree : RefObject
            {
                public Tree? Parent;
                public FileHandle? Handle;
            }
            class FileHandle : RefObject
            {
                protected override void {|REFS020:OnFinalize|}() { }
            }
            """)
            .ExpectArguments("FileHandle", "can be held by a strong reference cycle through Tree.Handle")
            .RunAsync();

    [Fact]
    public Task InheritedFinalizerIsReportedOnTheDerivedTypeName() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            abstract class Resource : RefObject { protected override void OnFinalize() { } }
            sealed class {|REFS020:Socket|} : Resource { public Socket? Peer; public Socket? Owner; }
            """)
            .ExpectArguments("Socket", "can sit in the strong reference cycle Socket.Owner → Socket")
            .RunAsync();

    [Fact]
    public Task GenericNodeInPartialClassesAcrossFiles() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSources(new[]
            {
                "using RefHeap; partial class Node<T> : RefObject where T : RefObject { public Node<T>? Prev; }",
                "using RefHeap; partial class Node<T> { public Node<T>? Next; protected override void {|REFS020:OnFinalize|}() { } }",
            })
            .ExpectArguments("Node", "can sit in the strong reference cycle Node.Prev → Node")
            .RunAsync();

    [Fact]
    public Task CycleThroughAReferencedAssemblyHoldsAFinalizerType() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSources(new[] { "using RefHeap; class Cursor : RefObject { protected override void {|REFS020:OnFinalize|}() { } } class Owner : Lib.Node { public Cursor? Cursor; }" })
            .WithLibrary("using RefHeap; namespace Lib { public class Node : RefObject { public Node? Parent; } }")
            .ExpectArguments("Cursor", "can be held by a strong reference cycle through Owner.Cursor")
            .RunAsync();
}

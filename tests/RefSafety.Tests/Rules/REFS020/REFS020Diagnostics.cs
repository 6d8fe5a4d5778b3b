using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS020Diagnostics
{
    private static DiagnosticResult Diagnostic(int location, string type, string hazard) =>
        Verify<REFS020FinalizerInCycleAnalyzer>.Diagnostic(Descriptors.REFS020FinalizerInCycle).WithLocation(location).WithArguments(type, hazard);

    [Fact]
    public Task FinalizerOnATypeInACycleOfLengthOne() =>
        Verify<REFS020FinalizerInCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree>? Children;
                public Tree? Parent;
                protected override void {|#0:OnFinalize|}() { }
            }
            """,
            Diagnostic(0, "Tree", "can sit in the strong reference cycle Tree.Parent → Tree"));

    [Fact]
    public Task FinalizerOnATypeInACycleOfLengthTwo() =>
        Verify<REFS020FinalizerInCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Customer : RefObject { public RefList<Order>? Orders; }
            class Order : RefObject
            {
                public Customer? Buyer;
                protected override void {|#0:OnFinalize|}() { }
            }
            """,
            Diagnostic(0, "Order", "can sit in the strong reference cycle Order.Buyer → Customer.Orders[] → Order"));

    [Fact]
    public Task FinalizerOnATypeInACycleOfLengthThreeIsReportedOnEachFinalizerType() =>
        Verify<REFS020FinalizerInCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class A : RefObject { public B? ToB; protected override void {|#0:OnFinalize|}() { } }
            class B : RefObject { public C? ToC; }
            class C : RefObject { public A? Back; protected override void {|#1:OnFinalize|}() { } }
            """,
            Diagnostic(0, "A", "can sit in the strong reference cycle C.Back → A.ToB → B.ToC → C"),
            Diagnostic(1, "C", "can sit in the strong reference cycle C.Back → A.ToB → B.ToC → C"));

    [Fact]
    public Task FinalizerTypeHeldByACycle() =>
        Verify<REFS020FinalizerInCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Tree : RefObject
            {
                public Tree? Parent;
                public FileHandle? Handle;
            }
            class FileHandle : RefObject
            {
                protected override void {|#0:OnFinalize|}() { }
            }
            """,
            Diagnostic(0, "FileHandle", "can be held by a strong reference cycle through Tree.Handle"));

    [Fact]
    public Task InheritedFinalizerIsReportedOnTheDerivedTypeName() =>
        Verify<REFS020FinalizerInCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            abstract class Resource : RefObject { protected override void OnFinalize() { } }
            sealed class {|#0:Socket|} : Resource { public Socket? Peer; public Socket? Owner; }
            """,
            Diagnostic(0, "Socket", "can sit in the strong reference cycle Socket.Owner → Socket"));

    [Fact]
    public Task GenericNodeInPartialClassesAcrossFiles() =>
        CycleTest<REFS020FinalizerInCycleAnalyzer>.Run(
            new[]
            {
                "using RefHeap; partial class Node<T> : RefObject where T : RefObject { public Node<T>? Prev; }",
                "using RefHeap; partial class Node<T> { public Node<T>? Next; protected override void {|#0:OnFinalize|}() { } }",
            },
            null,
            Diagnostic(0, "Node", "can sit in the strong reference cycle Node.Prev → Node"));

    [Fact]
    public Task CycleThroughAReferencedAssemblyHoldsAFinalizerType() =>
        CycleTest<REFS020FinalizerInCycleAnalyzer>.Run(
            new[] { "using RefHeap; class Cursor : RefObject { protected override void {|#0:OnFinalize|}() { } } class Owner : Lib.Node { public Cursor? Cursor; }" },
            "using RefHeap; namespace Lib { public class Node : RefObject { public Node? Parent; } }",
            Diagnostic(0, "Cursor", "can be held by a strong reference cycle through Owner.Cursor"));
}

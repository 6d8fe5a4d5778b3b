using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS011Diagnostics
{
    private static DiagnosticResult Diagnostic(int location, string field, string cycle) =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Diagnostic(Descriptors.REFS011TypeCanFormCycle).WithLocation(location).WithArguments(field, cycle);

    [Fact]
    public Task TreeWithParentIsReportedOnParentOnly() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree>? Children;
                public Tree? {|#0:Parent|};
            }
            """,
            Diagnostic(0, "Parent", "Tree.Parent → Tree"));

    [Fact]
    public Task SelfLoopNamedLikeBackEdgeIsACycleOfLengthOne() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Window : RefObject { public Window? {|#0:_owner|}; }
            """,
            Diagnostic(0, "_owner", "Window._owner → Window"));

    [Fact]
    public Task DoublyLinkedListIsReportedOnPrevious() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Node : RefObject
            {
                public Node? Next;
                public Node? {|#0:Previous|};
            }
            """,
            Diagnostic(0, "Previous", "Node.Previous → Node"));

    [Fact]
    public Task CycleOfLengthTwoWithoutNamesIsReportedOnThePlainFieldNotTheContainer() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Customer : RefObject { public RefList<Order>? Orders; }
            class Order : RefObject { public Customer? {|#0:Buyer|}; }
            """,
            Diagnostic(0, "Buyer", "Order.Buyer → Customer.Orders[] → Order"));

    [Fact]
    public Task CycleOfLengthThreeIsReportedOnce() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class A : RefObject { public B? ToB; }
            class B : RefObject { public C? ToC; }
            class C : RefObject { public A? {|#0:Back|}; }
            """,
            Diagnostic(0, "Back", "C.Back → A.ToB → B.ToC → C"));

    [Fact]
    public Task CycleThroughADictionaryAndAFieldOfABaseType() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            abstract class Item : RefObject { public Registry? {|#0:Container|}; }
            sealed class Leaf : Item { }
            class Registry : RefObject { public RefDictionary<string, Item>? Items; }
            """,
            Diagnostic(0, "Container", "Item.Container → Registry.Items[] → Item"));

    [Fact]
    public Task GenericNodeWithParent() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Node<T> : RefObject where T : RefObject
            {
                public T? Value;
                public RefList<Node<T>>? Children;
                public Node<T>? {|#0:Parent|};
            }
            """,
            Diagnostic(0, "Parent", "Node.Parent → Node"));

    [Fact]
    public Task CycleThroughATypeArgument() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Box<T> : RefObject where T : RefObject { public T? Value; }
            class Holder : RefObject { public Box<Holder>? {|#0:Box|}; }
            """,
            Diagnostic(0, "Box", "Holder.Box → Box.Value → Holder"));

    [Fact]
    public Task PartialClassAcrossFiles() =>
        CycleTest<REFS011TypeCanFormCycleAnalyzer>.Run(
            new[]
            {
                "using RefHeap; partial class Tree : RefObject { public RefList<Tree>? Children; }",
                "using RefHeap; partial class Tree { public Tree? {|#0:Parent|}; }",
            },
            null,
            Diagnostic(0, "Parent", "Tree.Parent → Tree"));

    [Fact]
    public Task TypesInOtherFiles() =>
        CycleTest<REFS011TypeCanFormCycleAnalyzer>.Run(
            new[]
            {
                "using RefHeap; class Document : RefObject { public RefList<Page>? Pages; }",
                "using RefHeap; class Page : RefObject { public Document? {|#0:Owner|}; }",
            },
            null,
            Diagnostic(0, "Owner", "Page.Owner → Document.Pages[] → Page"));

    [Fact]
    public Task TypeFromAReferencedAssembly() =>
        CycleTest<REFS011TypeCanFormCycleAnalyzer>.Run(
            new[] { "using RefHeap; using Lib; class Widget : Control { public Panel? {|#0:Parent|}; }" },
            "using RefHeap; namespace Lib { public class Control : RefObject { } public class Panel : RefObject { public RefList<Control>? Controls; } }",
            Diagnostic(0, "Parent", "Widget.Parent → Panel.Controls[] → Widget"));

    [Fact]
    public Task TwoIndependentBackEdgesOfOneComponentAreReportedEach() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Forest : RefObject { public RefList<Tree>? Trees; }
            class Tree : RefObject
            {
                public RefList<Tree>? Children;
                public Tree? {|#0:Parent|};
                public Forest? {|#1:Owner|};
            }
            """,
            Diagnostic(1, "Owner", "Tree.Owner → Forest.Trees[] → Tree"),
            Diagnostic(0, "Parent", "Tree.Parent → Tree"));
}

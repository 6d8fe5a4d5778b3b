using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS011Diagnostics
{
    [Fact]
    public Task TreeWithParentIsReportedOnParentOnly() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree>? Children;
                public Tree? {|REFS011:Parent|};
            }
            """)
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .RunAsync();

    [Fact]
    public Task SelfLoopNamedLikeBackEdgeIsACycleOfLengthOne() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Window : RefObject { public Window? {|REFS011:_owner|}; }
            """)
            .ExpectArguments("_owner", "Window._owner → Window")
            .RunAsync();

    [Fact]
    public Task DoublyLinkedListIsReportedOnPrevious() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Node : RefObject
            {
                public Node? Next;
                public Node? {|REFS011:Previous|};
            }
            """)
            .ExpectArguments("Previous", "Node.Previous → Node")
            .RunAsync();

    [Fact]
    public Task CycleOfLengthTwoWithoutNamesIsReportedOnThePlainFieldNotTheContainer() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Customer : RefObject { public RefList<Order>? Orders; }
            class Order : RefObject { public Customer? {|REFS011:Buyer|}; }
            """)
            .ExpectArguments("Buyer", "Order.Buyer → Customer.Orders[] → Order")
            .RunAsync();

    [Fact]
    public Task CycleOfLengthThreeIsReportedOnce() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class A : RefObject { public B? ToB; }
            class B : RefObject { public C? ToC; }
            class C : RefObject { public A? {|REFS011:Back|}; }
            """)
            .ExpectArguments("Back", "C.Back → A.ToB → B.ToC → C")
            .RunAsync();

    [Fact]
    public Task CycleThroughADictionaryAndAFieldOfABaseType() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            abstract class Item : RefObject { public Registry? {|REFS011:Container|}; }
            sealed class Leaf : Item { }
            class Registry : RefObject { public RefDictionary<string, Item>? Items; }
            """)
            .ExpectArguments("Container", "Item.Container → Registry.Items[] → Item")
            .RunAsync();

    [Fact]
    public Task GenericNodeWithParent() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Node<T> : RefObject where T : RefObject
            {
                public T? Value;
                public RefList<Node<T>>? Children;
                public Node<T>? {|REFS011:Parent|};
            }
            """)
            .ExpectArguments("Parent", "Node.Parent → Node")
            .RunAsync();

    [Fact]
    public Task CycleThroughATypeArgument() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Box<T> : RefObject where T : RefObject { public T? Value; }
            class Holder : RefObject { public Box<Holder>? {|REFS011:Box|}; }
            """)
            .ExpectArguments("Box", "Holder.Box → Box.Value → Holder")
            .RunAsync();

    [Fact]
    public Task PartialClassAcrossFiles() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSources(new[]
            {
                "using RefHeap; partial class Tree : RefObject { public RefList<Tree>? Children; }",
                "using RefHeap; partial class Tree { public Tree? {|REFS011:Parent|}; }",
            })
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .RunAsync();

    [Fact]
    public Task TypesInOtherFiles() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSources(new[]
            {
                "using RefHeap; class Document : RefObject { public RefList<Page>? Pages; }",
                "using RefHeap; class Page : RefObject { public Document? {|REFS011:Owner|}; }",
            })
            .ExpectArguments("Owner", "Page.Owner → Document.Pages[] → Page")
            .RunAsync();

    [Fact]
    public Task TypeFromAReferencedAssembly() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSources(new[] { "using RefHeap; using Lib; class Widget : Control { public Panel? {|REFS011:Parent|}; }" })
            .WithLibrary("using RefHeap; namespace Lib { public class Control : RefObject { } public class Panel : RefObject { public RefList<Control>? Controls; } }")
            .ExpectArguments("Parent", "Widget.Parent → Panel.Controls[] → Widget")
            .RunAsync();

    [Fact]
    public Task TwoIndependentBackEdgesOfOneComponentAreReportedEach() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Forest : RefObject { public RefList<Tree>? Trees; }
            class Tree : RefObject
            {
                public RefList<Tree>? Children;
                public Tree? {|REFS011:Parent|};
                public Forest? {|REFS011:Owner|};
            }
            """)
            .ExpectArguments("Parent", "Tree.Parent → Tree")
            .ExpectArguments("Owner", "Tree.Owner → Forest.Trees[] → Tree")
            .RunAsync();
}

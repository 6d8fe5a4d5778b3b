using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS011Valid
{
    [Fact]
    public Task SinglyLinkedListIsNotReported() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Node : RefObject { public Node? Next; }
            class Node<T> : RefObject where T : RefObject { public Node<T>? Next; public T? Value; }
            """)
            .RunAsync();

    [Fact]
    public Task TreeOfChildrenWithoutParentIsNotReported() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Tree : RefObject { public RefList<Tree>? Children; public Tree? Left; public Tree? Right; }
            """)
            .RunAsync();

    [Fact]
    public Task WeakBackEdgesAreNoCycle() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Tree : RefObject { public RefList<Tree>? Children; public WeakRef<Tree>? Parent; }
            class Customer : RefObject { public RefList<Order>? Orders; }
            class Order : RefObject { public WeakRef<Customer>? Buyer; }
            """)
            .RunAsync();

    [Fact]
    public Task AcyclicTypesStaticFieldsAndRefObjectFieldsAreNoCycle() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Session : RefObject { public static Session? Current; public Connection? Connection; public RefObject? Tag; }
            class Connection : RefObject { public RefString? Name; public object? Parent; }
            """)
            .RunAsync();

    [Fact]
    public Task NoRefHeapReferenceMeansNoAnalysis() =>
        RuleTest.For<REFS011TypeCanFormCycleAnalyzer>()
            .WithSource("""
            class Tree { public Tree? Parent; }
            """)
            .RunAsync();
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS011Valid
{
    [Fact]
    public Task SinglyLinkedListIsNotReported() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Valid(
            """
            using RefHeap;
            class Node : RefObject { public Node? Next; }
            class Node<T> : RefObject where T : RefObject { public Node<T>? Next; public T? Value; }
            """);

    [Fact]
    public Task TreeOfChildrenWithoutParentIsNotReported() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Valid(
            """
            using RefHeap;
            class Tree : RefObject { public RefList<Tree>? Children; public Tree? Left; public Tree? Right; }
            """);

    [Fact]
    public Task WeakBackEdgesAreNoCycle() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Valid(
            """
            using RefHeap;
            class Tree : RefObject { public RefList<Tree>? Children; public WeakRef<Tree>? Parent; }
            class Customer : RefObject { public RefList<Order>? Orders; }
            class Order : RefObject { public WeakRef<Customer>? Buyer; }
            """);

    [Fact]
    public Task AcyclicTypesStaticFieldsAndRefObjectFieldsAreNoCycle() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Valid(
            """
            using RefHeap;
            class Session : RefObject { public static Session? Current; public Connection? Connection; public RefObject? Tag; }
            class Connection : RefObject { public RefString? Name; public object? Parent; }
            """);

    [Fact]
    public Task NoRefHeapReferenceMeansNoAnalysis() =>
        Verify<REFS011TypeCanFormCycleAnalyzer>.Valid(
            """
            class Tree { public Tree? Parent; }
            """);
}

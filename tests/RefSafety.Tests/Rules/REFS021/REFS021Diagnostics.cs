using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS021Diagnostics
{
    private static DiagnosticResult Diagnostic(int location, string type, string value, string place) =>
        Verify<REFS021FinalizerResurrectsAnalyzer>.Diagnostic(Descriptors.REFS021FinalizerResurrects).WithLocation(location).WithArguments(type, value, place);

    [Fact]
    public Task ResurrectionThroughAStaticList() =>
        Verify<REFS021FinalizerResurrectsAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Connection : RefObject
            {
                public static readonly RefList<Connection> Pool = new();
                protected override void OnFinalize()
                {
                    if (Pool.Count < 10)
                    {
                        {|#0:Pool.Add(this)|};
                    }
                }
            }
            """,
            Diagnostic(0, "Connection", "'this'", "the container static member 'Connection.Pool'"));

    [Fact]
    public Task ResurrectionThroughAStaticFieldAndALocalCopyOfThis() =>
        Verify<REFS021FinalizerResurrectsAnalyzer>.Diagnostics(
            """
            using RefHeap;
            static class Survivors { public static RefObject? Last; }
            class Node : RefObject
            {
                protected override void OnFinalize()
                {
                    Node self = this;
                    {|#0:Survivors.Last = self|};
                    {|#1:RefField.Set(ref Survivors.Last, this)|};
                }
            }
            """,
            Diagnostic(0, "Node", "'this'", "static member 'Survivors.Last'"),
            Diagnostic(1, "Node", "'this'", "static member 'Survivors.Last'"));

    [Fact]
    public Task ResurrectionIntoAFieldOfAnotherObjectAndOfAFieldsObject() =>
        Verify<REFS021FinalizerResurrectsAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Parent : RefObject { public Child? Orphan; public RefDictionary<string, Child>? Lost; }
            class Child : RefObject
            {
                public Parent? Owner;
                public Child? Sibling;
                protected override void OnFinalize()
                {
                    if (Owner is null) return;
                    {|#0:Owner.Orphan = this|};
                    {|#1:Owner.Lost![nameof(Sibling)] = Sibling!|};
                }
            }
            """,
            Diagnostic(0, "Child", "'this'", "'Owner.Orphan' of another object"),
            Diagnostic(1, "Child", "'this.Sibling'", "the container 'Owner.Lost' of another object"));

    [Fact]
    public Task ResurrectionInsideALambdaOfTheFinalizer() =>
        Verify<REFS021FinalizerResurrectsAnalyzer>.Diagnostics(
            """
            using System.Collections.Generic;
            using RefHeap;
            class Job : RefObject
            {
                public static readonly List<Job> Retry = new();
                protected override void OnFinalize()
                {
                    System.Action requeue = () => {|#0:Retry.Add(this)|};
                    requeue();
                }
            }
            """,
            Diagnostic(0, "Job", "'this'", "the container static member 'Job.Retry'"));

    [Fact]
    public Task ResurrectionInAnExpressionBodiedOverrideOfAnOverride() =>
        Verify<REFS021FinalizerResurrectsAnalyzer>.Diagnostics(
            """
            using RefHeap;
            static class Survivors { public static RefObject? Last; }
            class Base : RefObject { protected override void OnFinalize() { } }
            class Derived : Base
            {
                protected sealed override void OnFinalize() => {|#0:Survivors.Last = this|};
            }
            """,
            Diagnostic(0, "Derived", "'this'", "static member 'Survivors.Last'"));
}

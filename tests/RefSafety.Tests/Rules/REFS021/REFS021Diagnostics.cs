using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS021Diagnostics
{
    [Fact]
    public Task ResurrectionThroughAStaticList() =>
        RuleTest.For<REFS021FinalizerResurrectsAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Connection : RefObject
            {
                public static readonly RefList<Connection> Pool = new();
                protected override void OnFinalize()
                {
                    if (Pool.Count < 10)
                    {
                        {|REFS021:Pool.Add(this)|};
                    }
                }
            }
            """)
            .ExpectArguments("Connection", "'this'", "the container static member 'Connection.Pool'")
            .RunAsync();

    [Fact]
    public Task ResurrectionThroughAStaticFieldAndALocalCopyOfThis() =>
        RuleTest.For<REFS021FinalizerResurrectsAnalyzer>()
            .WithSource("""
            using RefHeap;
            static class Survivors { public static RefObject? Last; }
            class Node : RefObject
            {
                protected override void OnFinalize()
                {
                    Node self = this;
                    {|REFS021:Survivors.Last = self|};
                    {|REFS021:RefField.Set(ref Survivors.Last, this)|};
                }
            }
            """)
            .ExpectArguments("Node", "'this'", "static member 'Survivors.Last'")
            .ExpectArguments("Node", "'this'", "static member 'Survivors.Last'")
            .RunAsync();

    [Fact]
    public Task ResurrectionIntoAFieldOfAnotherObjectAndOfAFieldsObject() =>
        RuleTest.For<REFS021FinalizerResurrectsAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Parent : RefObject { public Child? Orphan; public RefDictionary<string, Child>? Lost; }
            class Child : RefObject
            {
                public Parent? Owner;
                public Child? Sibling;
                protected override void OnFinalize()
                {
                    if (Owner is null) return;
                    {|REFS021:Owner.Orphan = this|};
                    {|REFS021:Owner.Lost![nameof(Sibling)] = Sibling!|};
                }
            }
            """)
            .ExpectArguments("Child", "'this'", "'Owner.Orphan' of another object")
            .ExpectArguments("Child", "'this.Sibling'", "the container 'Owner.Lost' of another object")
            .RunAsync();

    [Fact]
    public Task ResurrectionInsideALambdaOfTheFinalizer() =>
        RuleTest.For<REFS021FinalizerResurrectsAnalyzer>()
            .WithSource("""
            using System.Collections.Generic;
            using RefHeap;
            class Job : RefObject
            {
                public static readonly List<Job> Retry = new();
                protected override void OnFinalize()
                {
                    System.Action requeue = () => {|REFS021:Retry.Add(this)|};
                    requeue();
                }
            }
            """)
            .ExpectArguments("Job", "'this'", "the container static member 'Job.Retry'")
            .RunAsync();

    [Fact]
    public Task ResurrectionInAnExpressionBodiedOverrideOfAnOverride() =>
        RuleTest.For<REFS021FinalizerResurrectsAnalyzer>()
            .WithSource("""
            using RefHeap;
            static class Survivors { public static RefObject? Last; }
            class Base : RefObject { protected override void OnFinalize() { } }
            class Derived : Base
            {
                protected sealed override void OnFinalize() => {|REFS021:Survivors.Last = this|};
            }
            """)
            .ExpectArguments("Derived", "'this'", "static member 'Survivors.Last'")
            .RunAsync();
}

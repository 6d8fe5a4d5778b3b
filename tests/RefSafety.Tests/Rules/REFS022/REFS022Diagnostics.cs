using System.Threading.Tasks;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS022Diagnostics
{
    [Fact]
    public Task DestructorOnARefObjectType() =>
        RuleTest.For<REFS022DestructorOnRefObjectAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Node : RefObject
            {
                ~{|REFS022:Node|}() { System.Console.WriteLine("gone"); }
            }
            """)
            .ExpectArguments("Node")
            .RunAsync();

    [Fact]
    public Task DestructorOnADerivedGenericType() =>
        RuleTest.For<REFS022DestructorOnRefObjectAnalyzer>()
            .WithSource("""
            using RefHeap;
            abstract class Base : RefObject { }
            sealed class Holder<T> : Base where T : RefObject
            {
                public T? Value;
                ~{|REFS022:Holder|}() => Value = null;
            }
            """)
            .ExpectArguments("Holder")
            .RunAsync();
}

using System.Threading.Tasks;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS022Diagnostics
{
    [Fact]
    public Task DestructorOnARefObjectType() =>
        Verify<REFS022DestructorOnRefObjectAnalyzer>.Diagnostics(
            """
            using RefHeap;
            class Node : RefObject
            {
                ~{|#0:Node|}() { System.Console.WriteLine("gone"); }
            }
            """,
            Verify<REFS022DestructorOnRefObjectAnalyzer>.Diagnostic(Descriptors.REFS022DestructorOnRefObject).WithLocation(0).WithArguments("Node"));

    [Fact]
    public Task DestructorOnADerivedGenericType() =>
        Verify<REFS022DestructorOnRefObjectAnalyzer>.Diagnostics(
            """
            using RefHeap;
            abstract class Base : RefObject { }
            sealed class Holder<T> : Base where T : RefObject
            {
                public T? Value;
                ~{|#0:Holder|}() => Value = null;
            }
            """,
            Verify<REFS022DestructorOnRefObjectAnalyzer>.Diagnostic(Descriptors.REFS022DestructorOnRefObject).WithLocation(0).WithArguments("Holder"));
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS022Valid
{
    [Fact]
    public Task OnFinalizeOverrideAndDestructorsOfOtherTypes() =>
        RuleTest.For<REFS022DestructorOnRefObjectAnalyzer>()
            .WithSource("""
            using RefHeap;
            class Node : RefObject { protected override void OnFinalize() { } }
            class NativeBuffer { ~NativeBuffer() { } }
            """)
            .RunAsync();
}

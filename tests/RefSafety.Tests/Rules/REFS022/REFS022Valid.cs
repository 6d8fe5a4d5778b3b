using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS022Valid
{
    [Fact]
    public Task OnFinalizeOverrideAndDestructorsOfOtherTypes() =>
        Verify<REFS022DestructorOnRefObjectAnalyzer>.Valid(
            """
            using RefHeap;
            class Node : RefObject { protected override void OnFinalize() { } }
            class NativeBuffer { ~NativeBuffer() { } }
            """);
}

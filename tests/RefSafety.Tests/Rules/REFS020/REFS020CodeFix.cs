using System.Threading.Tasks;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Cycles;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS020CodeFix
{
    [Fact]
    public async Task WeakBackEdgeTakesTheFinalizerTypeOutOfTheCycle()
    {
        const string Fixed = """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public WeakRef<Tree>? Parent;
                public Handle? File;

                public void Adopt(Tree child)
                {
                    Children.Add(child);
                    child.Parent = new WeakRef<Tree>(this);
                }
            }
            class Handle : RefObject
            {
                protected override void OnFinalize() { }
            }
            """;
        await CycleFixTest<REFS020FinalizerInCycleAnalyzer, MakeWeakReferenceFix>.Run(
            """
            using RefHeap;
            class Tree : RefObject
            {
                public RefList<Tree> Children = new();
                public Tree? Parent;
                public Handle? File;

                public void Adopt(Tree child)
                {
                    Children.Add(child);
                    IncRef();
                    child.Parent = this;
                }
            }
            class Handle : RefObject
            {
                protected override void {|#0:OnFinalize|}() { }
            }
            """,
            Fixed,
            Verify<REFS020FinalizerInCycleAnalyzer>.Diagnostic(Descriptors.REFS020FinalizerInCycle).WithLocation(0).WithArguments("Handle", "can be held by a strong reference cycle through Tree.File"));
        await CycleAnalyzers.AssertSilent(Fixed);
    }
}

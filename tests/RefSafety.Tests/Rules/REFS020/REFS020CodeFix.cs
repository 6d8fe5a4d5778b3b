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

public class REFS020MoveCleanupCodeFix
{
    private const string Source = """
        using RefHeap;
        class Tree : RefObject
        {
            public RefList<Tree> Children = new();
            public Tree? Parent;
            public Handle? File;
        }
        class Handle : RefObject
        {
            public int Closed;

            // Flushes the file.
            protected override void {|#0:OnFinalize|}()
            {
                Closed++;
                base.OnFinalize();
            }
        }
        static class Program
        {
            public static int Use()
            {
                var handle = new Handle();
                int closed = handle.Closed;
                handle.DecRef();
                return closed;
            }
        }
        """;

    private const string Fixed = """
        using RefHeap;
        class Tree : RefObject
        {
            public RefList<Tree> Children = new();
            public Tree? Parent;
            public Handle? File;
        }
        class Handle : RefObject
        {
            public int Closed;

            // Flushes the file.
            public void Close()
            {
                Closed++;
            }
        }
        static class Program
        {
            public static int Use()
            {
                var handle = new Handle();
                int closed = handle.Closed;
                handle.Close();
                handle.DecRef();
                return closed;
            }
        }
        """;

    [Fact]
    public async Task FinalizerBodyMovesToCloseCalledBeforeTheOwnersRelease()
    {
        var test = new CycleFixTest<REFS020FinalizerInCycleAnalyzer, REFS020MoveCleanupToDisposeFix>("Move cleanup to Dispose") { TestCode = Source, FixedCode = Fixed };
        test.ExpectedDiagnostics.Add(Verify<REFS020FinalizerInCycleAnalyzer>.Diagnostic(Descriptors.REFS020FinalizerInCycle).WithLocation(0).WithArguments("Handle", "can be held by a strong reference cycle through Tree.File"));
        await test.RunAsync(System.Threading.CancellationToken.None);
        await CycleAnalyzers.AssertFixedWithoutNewDiagnostics("REFS020", new[] { Source.Replace("{|#0:OnFinalize|}", "OnFinalize") }, new[] { Fixed });
    }
}

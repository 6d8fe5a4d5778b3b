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
        await RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource("""
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
                protected override void {|REFS020:OnFinalize|}() { }
            }
            """)
            .WithFix<MakeWeakReferenceFix>()
            .ExpectArguments("Handle", "can be held by a strong reference cycle through Tree.File")
            .ExpectFixed(Fixed)
            .ExpectSilentAfterFix()
            .RunAsync();
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
            protected override void {|REFS020:OnFinalize|}()
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
    public Task FinalizerBodyMovesToCloseCalledBeforeTheOwnersRelease() =>
        RuleTest.For<REFS020FinalizerInCycleAnalyzer>()
            .WithSource(Source)
            .ExpectArguments("Handle", "can be held by a strong reference cycle through Tree.File")
            .WithFix<REFS020MoveCleanupToDisposeFix>("Move cleanup to Dispose")
            .ExpectFixed(Fixed)
            .RunAsync();
}

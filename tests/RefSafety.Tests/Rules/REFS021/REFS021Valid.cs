using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS021Valid
{
    [Fact]
    public Task FinalizerThatReleasesAndLogs() =>
        RuleTest.For<REFS021FinalizerResurrectsAnalyzer>()
            .WithSource("""
            using RefHeap;
            static class Log { public static int Finalized; public static RefList<RefString>? Names; }
            class Node : RefObject
            {
                public Node? Next;
                public RefString? Name;
                protected override void OnFinalize()
                {
                    Log.Finalized++;
                    RefField.Clear(ref Next);
                    var copy = RefString.FromString("finalized");
                    Log.Names?.Add(copy);
                    copy.DecRef();
                }
            }
            """)
            .RunAsync();

    [Fact]
    public Task StoresIntoItsOwnFieldsOrLocalsAndOutsideTheFinalizer() =>
        RuleTest.For<REFS021FinalizerResurrectsAnalyzer>()
            .WithSource("""
            using System.Collections.Generic;
            using RefHeap;
            class Node : RefObject
            {
                public static readonly RefList<Node> All = new();
                public Node? Self;
                public RefList<Node>? Mine;
                public void Register() => All.Add(this);
                protected override void OnFinalize()
                {
                    var local = new List<Node> { this };
                    Mine?.Add(this);
                    local.Add(this);
                }
            }
            """)
            .RunAsync();

    [Fact]
    public Task AMethodNamedOnFinalizeThatIsNoOverride() =>
        RuleTest.For<REFS021FinalizerResurrectsAnalyzer>()
            .WithSource("""
            using System.Collections.Generic;
            class Plain
            {
                public static readonly List<Plain> All = new();
                protected void OnFinalize() => All.Add(this);
            }
            """)
            .RunAsync();
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS030Valid
{
    private const string Types = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using System.Threading;
        using System.Threading.Tasks;
        using RefHeap;

        class Node : RefObject
        {
            public string Name = "";
            public void Touch() { }
        }

        """;

    [Fact]
    public Task AwaitedOrReturnedWorkGetsTheHeapWhenTheAwaitingFlowYields() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource(Types + """
            static class Work
            {
                static async Task AwaitAsync(Node a, Node b, Node[] nodes)
                {
                    await Task.Run(() => a.Touch());
                    await Task.Run(() => a.Touch()).ConfigureAwait(false);
                    int length = await Task.Factory.StartNew(() => a.Name.Length);
                    await Task.WhenAll(Task.Run(() => a.Touch()), Task.Run(() => b.Touch()));
                    await Task.WhenAll(nodes.Select(n => Task.Run(() => n.Touch())));
                    await Task.WhenAny(new[] { Task.Run(() => b.Touch()) });
                }

                static async Task AwaitedThroughALocal(Node a, Node b)
                {
                    var first = Task.Run(() => a.Touch());
                    Task second;
                    second = Task.Run(() => b.Touch());
                    a.Name.ToString();
                    await first;
                    await Task.WhenAll(second);
                }

                static Task Returned(Node node) => Task.Run(() => node.Touch());

                static Task ReturnedFromABlock(Node node)
                {
                    return Task.Run(() => node.Touch());
                }
            }
            """)
            .RunAsync();

    [Fact]
    public Task TheStarterReleasesTheHeapFirst() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource(Types + """
            static class Work
            {
                static void Start(Node node)
                {
                    node.Heap?.Release();
                    Task.Run(() => node.Touch()).Wait();
                    var thread = new Thread(() => node.Touch());
                    thread.Start();
                    thread.Join();
                }
            }
            """)
            .RunAsync();

    [Fact]
    public Task WorkOnItsOwnHeapPlainDataStaticLambdasAndSafeReads() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource(Types + """
            static class Work
            {
                static void Start(Node node, List<int> items, string label)
                {
                    Task<int> counted = Task.Run(() =>
                    {
                        using HeapScope scope = new Heap().Activate();
                        using var list = new RefList<Node>();
                        foreach (int item in items)
                        {
                            using var made = new Node { Name = label + item };
                            list.Add(made);
                        }

                        return list.Count;
                    });
                    Parallel.ForEach(items, static i => Console.WriteLine(i));
                    _ = Task.Run(static () => Console.WriteLine("static"));
                    _ = Task.Run(() => Console.WriteLine($"{node.RefCount} {node.IsAlive} {node.IsImmortal} {node.Heap}"));
                    Parallel.For(0, 3, i => items.Add(i));
                }
            }
            """)
            .RunAsync();

    [Fact]
    public Task OtherApisThatTakeLambdas() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource(Types + """
            static class Runner
            {
                public static void Run(Action action) => action();
            }

            static class Work
            {
                static void Start(Node node, List<int> items)
                {
                    Runner.Run(() => node.Touch());
                    items.ForEach(i => node.Touch());
                    Func<int> read = () => node.Name.Length;
                    Console.WriteLine(read());
                }
            }
            """)
            .RunAsync();

    [Fact]
    public Task SilentWithoutRefHeap() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithoutRefHeap()
            .WithSource("""
            using System.Threading.Tasks;
            class Node { public void Touch() { } }
            static class Work
            {
                static void Start(Node node) => Task.Run(() => node.Touch()).Wait();
            }
            """)
            .RunAsync();
}

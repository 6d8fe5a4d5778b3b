using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS030Diagnostics
{
    private const string Types = """
        using System;
        using System.Collections.Generic;
        using System.Threading;
        using System.Threading.Tasks;
        using RefHeap;

        class Node : RefObject
        {
            public Node? Child;
            public string Name = "";
            public void Touch() { }
            public void Run() { }
        }

        """;

    [Fact]
    public Task FireAndForgetTaskRunNamesTheVariableAndTheApi() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource(Types + """
            static class Work
            {
                static void Start()
                {
                    var node = new Node();
                    _ = Task.Run(() => {|REFS030:node|}.Touch());
                    node.DecRef();
                }
            }
            """)
            .ExpectArguments("node", "Task.Run")
            .RunAsync();

    [Fact]
    public Task ATaskKeptInALocalNobodyAwaits() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource(Types + """
            static class Work
            {
                static async Task Start(Node node, Node other)
                {
                    var started = Task.Run(() => {|REFS030:node|}.Touch());
                    var awaited = Task.Run(() => other.Touch());
                    await awaited;
                    started = Task.CompletedTask;
                    await started;
                }
            }
            """)
            .RunAsync();

    [Fact]
    public Task BlockingWaitsOnTheWorkReportEveryCapturedObjectOnce() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource(Types + """
            static class Work
            {
                static void Start(Node node, RefList<Node> list)
                {
                    Task.Run(() => { {|REFS030:list|}.Add({|REFS030:node|}); list.Add(node); }).Wait();
                    Task.Factory.StartNew(() => {|REFS030:node|}.Touch()).GetAwaiter().GetResult();
                    var pending = Task.Run(() => {|REFS030:node|}.Touch());
                    pending.Wait();
                }
            }
            """)
            .ExpectArguments("list", "Task.Run")
            .ExpectArguments("node", "Task.Run")
            .ExpectArguments("node", "Task.Factory.StartNew")
            .ExpectArguments("node", "Task.Run")
            .RunAsync();

    [Fact]
    public Task ParallelThreadPoolAndThreadApis() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource(Types + """
            static class Work
            {
                static void Start(Node node, List<int> items)
                {
                    Parallel.For(0, 10, i => {|REFS030:node|}.Touch());
                    Parallel.ForEach(items, i => {|REFS030:node|}.Touch());
                    Parallel.Invoke(() => {|REFS030:node|}.Touch(), () => Console.WriteLine("plain"));
                    ThreadPool.QueueUserWorkItem(_ => {|REFS030:node|}.Touch());
                    ThreadPool.UnsafeQueueUserWorkItem(_ => {|REFS030:node|}.Touch(), null);
                    new Thread(() => {|REFS030:node|}.Touch()).Start();
                }
            }
            """)
            .ExpectArguments("node", "Parallel.For")
            .ExpectArguments("node", "Parallel.ForEach")
            .ExpectArguments("node", "Parallel.Invoke")
            .ExpectArguments("node", "ThreadPool.QueueUserWorkItem")
            .ExpectArguments("node", "ThreadPool.UnsafeQueueUserWorkItem")
            .ExpectArguments("node", "new Thread")
            .RunAsync();

    [Fact]
    public Task ThisAndFieldsOfTheStartingObject() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource(Types + """
            sealed class Owner : RefObject
            {
                private Node? _child;
                private string _label = "";

                public void Start()
                {
                    _ = Task.Run(() => {|REFS030:_child|}!.Touch());
                    _ = Task.Run(() => Console.WriteLine({|REFS030:this|}._label));
                    new Thread({|REFS030:Finish|}).Start();
                }

                private void Finish() { }
            }

            sealed class PlainService
            {
                private Node? _node;
                private string _label = "";

                public void Start() => ThreadPool.QueueUserWorkItem(_ => Console.WriteLine(_label + {|REFS030:_node|}!.Name));
            }
            """)
            .ExpectArguments("_child", "Task.Run")
            .ExpectArguments("this", "Task.Run")
            .ExpectArguments("this", "new Thread")
            .ExpectArguments("_node", "ThreadPool.QueueUserWorkItem")
            .RunAsync();

    [Fact]
    public Task AsyncNestedAndMethodGroupWork() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource(Types + """
            static class Work
            {
                static void Start(Node node, List<int> items)
                {
                    _ = Task.Run(async () => { await Task.Delay(1); {|REFS030:node|}.Touch(); });
                    _ = Task.Run(() => items.ForEach(i => {|REFS030:node|}.Touch()));
                    new Thread({|REFS030:node|}.Run).Start();
                    _ = Task.Run(Local);

                    void Local() => {|REFS030:node|}.Touch();
                }
            }
            """)
            .ExpectArguments("node", "Task.Run")
            .ExpectArguments("node", "Task.Run")
            .ExpectArguments("node", "new Thread")
            .ExpectArguments("node", "Task.Run")
            .RunAsync();

    [Fact]
    public Task AHeapOfItsOwnInsideTheWorkDoesNotCoverTheCapturedObjectsNorWorkItStarts() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource(Types + """
            static class Work
            {
                static void Start(Node shared)
                {
                    _ = Task.Run(() =>
                    {
                        using HeapScope scope = new Heap().Activate();
                        using var copy = new Node();
                        copy.Name = {|REFS030:shared|}.Name;

                        // The work holds its own heap now: work it starts in turn needs a hand-off from it.
                        Parallel.Invoke(() => {|REFS030:copy|}.Touch());
                    });
                }
            }
            """)
            .ExpectArguments("shared", "Task.Run")
            .ExpectArguments("copy", "Parallel.Invoke")
            .RunAsync();
}

using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Threads;
using Xunit;

namespace RefSafety.Tests.Rules;

public class REFS030CodeFix
{
    [Fact]
    public Task ReleaseIsInsertedBeforeWorkTheFlowBlocksOn() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource("""
            using System.Threading.Tasks;
            using RefHeap;
            class Document : RefObject { public int Pages = 3; }
            static class Export
            {
                public static int PagesInBackground(Document document)
                {
                    int pages = 0;
                    Task.Run(() => pages = {|REFS030:document|}.Pages).Wait();
                    return pages;
                }
            }
            """)
            .WithFix<REFS030ReleaseBeforeBlockingFix>()
            .ExpectFixed("""
            using System.Threading.Tasks;
            using RefHeap;
            class Document : RefObject { public int Pages = 3; }
            static class Export
            {
                public static int PagesInBackground(Document document)
                {
                    int pages = 0;
                    document.Heap?.Release();
                    Task.Run(() => pages = document.Pages).Wait();
                    return pages;
                }
            }
            """)
            .ExpectSilentAfterFix()
            .RunAsync();

    [Fact]
    public Task FixAllReleasesEachCapturedObjectOnceAndNullableFieldsConditionally() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource("""
            using System.Threading.Tasks;
            using RefHeap;
            class Node : RefObject { public void Touch() { } }
            sealed class Owner
            {
                private Node? _child;

                public int Run(Node node, RefList<Node> list)
                {
                    Task.Run(() => { {|REFS030:list|}.Add({|REFS030:node|}); list.Add(node); }).Wait();
                    Task.Factory.StartNew(() => {|REFS030:_child|}!.Touch()).GetAwaiter().GetResult();
                    return Task.Run(() => {|REFS030:list|}.Count).Result;
                }
            }
            """)
            .WithFix<REFS030ReleaseBeforeBlockingFix>()
            .ExpectFixed("""
            using System.Threading.Tasks;
            using RefHeap;
            class Node : RefObject { public void Touch() { } }
            sealed class Owner
            {
                private Node? _child;

                public int Run(Node node, RefList<Node> list)
                {
                    list.Heap?.Release();
                    Task.Run(() => { list.Add(node); list.Add(node); }).Wait();
                    Task.Factory.StartNew(() => _child!.Touch()).GetAwaiter().GetResult();
                    return Task.Run(() => list.Count).Result;
                }
            }
            """)
            .ExpectFixAll("""
            using System.Threading.Tasks;
            using RefHeap;
            class Node : RefObject { public void Touch() { } }
            sealed class Owner
            {
                private Node? _child;

                public int Run(Node node, RefList<Node> list)
                {
                    list.Heap?.Release();
                    node.Heap?.Release();
                    Task.Run(() => { list.Add(node); list.Add(node); }).Wait();
                    _child?.Heap?.Release();
                    Task.Factory.StartNew(() => _child!.Touch()).GetAwaiter().GetResult();
                    list.Heap?.Release();
                    return Task.Run(() => list.Count).Result;
                }
            }
            """)
            .AnyMessage().AnyMessage().AnyMessage().AnyMessage()
            .RunAsync();

    [Fact]
    public Task NotOfferedWhereAReleaseWouldOnlyMoveTheWait() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource("""
            using System.Threading;
            using System.Threading.Tasks;
            using RefHeap;
            class Node : RefObject { public void Touch() { } }
            static class Work
            {
                static void Start(Node node)
                {
                    _ = Task.Run(() => {|REFS030:node|}.Touch());
                    Parallel.For(0, 3, i => {|REFS030:node|}.Touch());
                    new Thread(() => {|REFS030:node|}.Touch()).Start();
                }

                static int Expression(Node node) => Task.Run(() => {|REFS030:node|}.GetHashCode()).Result;
            }
            """)
            .WithFix<REFS030ReleaseBeforeBlockingFix>()
            .ExpectNoFix()
            .AnyMessage().AnyMessage().AnyMessage().AnyMessage()
            .RunAsync();

    // Before the fix the work times out on the heap (HeapThreadException, thrown as is by GetResult); after it, it runs.
    [Fact]
    public Task ExecutedTheWorkThatTimedOutOnTheHeapRunsAfterTheFix() =>
        RuleTest.For<REFS030RefObjectUsedByParallelWork>()
            .WithSource("""
            using System.Threading.Tasks;
            using RefHeap;
            class Node : RefObject { public int Size = 3; }
            static class Work
            {
                public static int Measure(Node node)
                {
                    return Task.Run(() =>
                    {
                        {|REFS030:node|}.IncRef();
                        int size = node.Size;
                        node.DecRef();
                        return size;
                    }).GetAwaiter().GetResult();
                }
            }
            """)
            .WithFix<REFS030ReleaseBeforeBlockingFix>()
            .ExpectFixed("""
            using System.Threading.Tasks;
            using RefHeap;
            class Node : RefObject { public int Size = 3; }
            static class Work
            {
                public static int Measure(Node node)
                {
                    node.Heap?.Release();
                    return Task.Run(() =>
                    {
                        node.IncRef();
                        int size = node.Size;
                        node.DecRef();
                        return size;
                    }).GetAwaiter().GetResult();
                }
            }
            """)
            .WithEntryPoint("""
            Heap.Current.AcquireTimeout = TimeSpan.FromMilliseconds(200);
            var node = new Node();
            Console.WriteLine(Work.Measure(node));
            node.DecRef();
            """)
            .RunAsync();
}

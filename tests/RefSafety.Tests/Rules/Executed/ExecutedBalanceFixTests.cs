using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using RefSafety.CodeFixes.Balance;
using Xunit;

namespace RefSafety.Tests.Rules;

/// <summary>
/// Issue 9 part 2: more executed tests for the balance fixes (REFS001-REFS004), each on a different shape of code
/// (loops, early returns, throws, try/finally, lambdas, Fix All over two files). See <see cref="ExecutedFixTests"/>.
/// </summary>
public class ExecutedBalanceFixTests
{
    // ---- REFS001 "Release before this exit" ----

    [Fact]
    public Task REFS001ReleaseBeforeTheExitInsideALoop() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static int Find(int[] values, int wanted)
                {
                    var node = new Node();
                    for (int i = 0; i < values.Length; i++)
                    {
                        node.Touch();
                        if (values[i] == wanted)
                        {
                            {|REFS001:return i;|}
                        }
                    }

                    node.DecRef();
                    return -1;
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release before this exit")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static int Find(int[] values, int wanted)
                {
                    var node = new Node();
                    for (int i = 0; i < values.Length; i++)
                    {
                        node.Touch();
                        if (values[i] == wanted)
                        {
                            node.DecRef();
                            return i;
                        }
                    }

                    node.DecRef();
                    return -1;
                }
            }
            """)
        .WithEntryPoint("""
            Console.WriteLine(C.Find(new[] { 1, 2, 3 }, 2));
            Console.WriteLine(C.Find(new[] { 1 }, 5));
            Console.WriteLine(C.Find(new[] { 7, 7 }, 7));
            """)
        .ExpectLeakFixed()
        .RunAsync();

    [Fact]
    public Task REFS001ReleaseBeforeAThrowCaughtByTheCaller() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static int Parse(string text)
                {
                    var node = new Node();
                    if (text.Length == 0)
                    {
                        {|REFS001:throw new ArgumentException("empty");|}
                    }

                    node.DecRef();
                    return text.Length;
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release before this exit")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static int Parse(string text)
                {
                    var node = new Node();
                    if (text.Length == 0)
                    {
                        node.DecRef();
                        throw new ArgumentException("empty");
                    }

                    node.DecRef();
                    return text.Length;
                }
            }
            """)
        .WithEntryPoint("""
            try { C.Parse(""); } catch (ArgumentException e) { Console.WriteLine(e.Message); }
            Console.WriteLine(C.Parse("abc"));
            """)
        .ExpectLeakFixed()
        .RunAsync();

    // ---- REFS001 "Release with using" ----

    [Fact]
    public Task REFS001ReleaseWithUsingInALoopWithTwoExits() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static int Sum(int[] values)
                {
                    var node = new Node();
                    int total = 0;
                    foreach (var v in values)
                    {
                        if (v < 0)
                        {
                            {|REFS001:return -total;|}
                        }

                        node.Touch();
                        total += v * (node.IsAlive ? 1 : 0);
                    }

                    {|REFS001:return total;|}
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release with using")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static int Sum(int[] values)
                {
                    using var node = new Node();
                    int total = 0;
                    foreach (var v in values)
                    {
                        if (v < 0)
                        {
                            return -total;
                        }

                        node.Touch();
                        total += v * (node.IsAlive ? 1 : 0);
                    }

                    return total;
                }
            }
            """)
        .WithEntryPoint("""
            Console.WriteLine(C.Sum(new[] { 1, 2, 3 }));
            Console.WriteLine(C.Sum(new[] { 4, -1, 5 }));
            """)
        .ExpectLeakFixed()
        .RunAsync();

    [Fact]
    public Task REFS001ReleaseWithUsingFixAllOverTwoFiles() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class First
            {
                public static void Show(string label)
                {
                    var node = new Node();
                    switch (label.Length)
                    {
                        case 0:
                            Console.WriteLine("none " + node.RefCount);
                            break;
                        default:
                            Console.WriteLine(label + " " + node.RefCount);
                            break;
                    }
                {|REFS001:}|}
            }
            """)
        .WithSource("""
            using System;
            using RefHeap;

            static class Second
            {
                public static void Show(int count)
                {
                    var node = new Node();
                    for (int i = 0; i < count; i++)
                    {
                        node.Touch();
                    }

                    Console.WriteLine(count + " " + node.IsAlive);
                {|REFS001:}|}
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release with using")
        .ExpectFixed(RuleTestTypes.Source + """
            static class First
            {
                public static void Show(string label)
                {
                    using var node = new Node();
                    switch (label.Length)
                    {
                        case 0:
                            Console.WriteLine("none " + node.RefCount);
                            break;
                        default:
                            Console.WriteLine(label + " " + node.RefCount);
                            break;
                    }
                }
            }
            """, """
            using System;
            using RefHeap;

            static class Second
            {
                public static void Show(int count)
                {
                    using var node = new Node();
                    for (int i = 0; i < count; i++)
                    {
                        node.Touch();
                    }

                    Console.WriteLine(count + " " + node.IsAlive);
                }
            }
            """)
        .WithEntryPoint("""
            First.Show("");
            First.Show("abc");
            Second.Show(3);
            """)
        .ExpectLeakFixed()
        .RunAsync();

    // ---- REFS001 "Release in finally" ----

    [Fact]
    public Task REFS001ReleaseInFinallyAroundALoopWithBreak() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static int Count(int[] values)
                {
                    var node = new Node();
                    int count = 0;
                    foreach (var v in values)
                    {
                        if (v == 0)
                        {
                            break;
                        }

                        node.Touch();
                        count++;
                    }

                    {|REFS001:return count;|}
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release in finally")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static int Count(int[] values)
                {
                    var node = new Node();
                    try
                    {
                        int count = 0;
                        foreach (var v in values)
                        {
                            if (v == 0)
                            {
                                break;
                            }

                            node.Touch();
                            count++;
                        }

                        return count;
                    }
                    finally
                    {
                        node.DecRef();
                    }
                }
            }
            """)
        .WithEntryPoint("""
            Console.WriteLine(C.Count(new[] { 1, 2, 0, 3 }));
            Console.WriteLine(C.Count(new[] { 5 }));
            """)
        .ExpectLeakFixed()
        .RunAsync();

    [Fact]
    public Task REFS001ReleaseInFinallyCoversAThrowFixAllOverTwoFiles() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class First
            {
                public static void Check(int value)
                {
                    var node = new Node();
                    if (value < 0)
                    {
                        {|REFS001:throw new ArgumentOutOfRangeException(nameof(value));|}
                    }

                    Console.WriteLine("ok " + value + " " + node.RefCount);
                {|REFS001:}|}
            }
            """)
        .WithSource("""
            using System;
            using RefHeap;

            static class Second
            {
                public static string Label(int value)
                {
                    var node = new Node();
                    Func<int, string> format = v => "#" + v;
                    node.Touch();
                    {|REFS001:return format(value);|}
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release in finally")
        .ExpectFixed(RuleTestTypes.Source + """
            static class First
            {
                public static void Check(int value)
                {
                    var node = new Node();
                    try
                    {
                        if (value < 0)
                        {
                            throw new ArgumentOutOfRangeException(nameof(value));
                        }

                        Console.WriteLine("ok " + value + " " + node.RefCount);
                    }
                    finally
                    {
                        node.DecRef();
                    }
                }
            }
            """, """
            using System;
            using RefHeap;

            static class Second
            {
                public static string Label(int value)
                {
                    var node = new Node();
                    try
                    {
                        Func<int, string> format = v => "#" + v;
                        node.Touch();
                        return format(value);
                    }
                    finally
                    {
                        node.DecRef();
                    }
                }
            }
            """)
        .WithEntryPoint("""
            try { First.Check(-1); } catch (ArgumentOutOfRangeException) { Console.WriteLine("out of range"); }
            First.Check(4);
            Console.WriteLine(Second.Label(9));
            """)
        .ExpectLeakFixed()
        .RunAsync();

    // ---- REFS001 "Release the field's old value before the store" ----

    [Fact]
    public Task REFS001ReleasingTheOldValueEachTimeInALoop() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            class Cache : RefObject
            {
                private Node? _last;

                public bool Remember(Node node)
                {
                    node.IncRef();
                    {|REFS001:_last = node|};
                    return node.IsAlive;
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release the field's old value before the store")
        .ExpectFixed(RuleTestTypes.Source + """
            class Cache : RefObject
            {
                private Node? _last;

                public bool Remember(Node node)
                {
                    _last?.DecRef();
                    node.IncRef();
                    _last = node;
                    return node.IsAlive;
                }
            }
            """)
        .WithEntryPoint("""
            var cache = new Cache();
            for (int i = 0; i < 4; i++)
            {
                var node = new Node();
                Console.WriteLine(cache.Remember(node));
                node.DecRef();
            }

            cache.DecRef();
            """)
        .ExpectLeakFixed()
        .RunAsync();

    [Fact]
    public Task REFS001ReleasingTheOldValueOnBothBranches() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            class Selector : RefObject
            {
                private Node? _current;

                public void Select(bool first, Node a, Node b)
                {
                    if (first)
                    {
                        a.IncRef();
                        {|REFS001:_current = a|};
                    }
                    else
                    {
                        b.IncRef();
                        {|REFS001:_current = b|};
                    }
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Release the field's old value before the store")
        .ExpectFixed(RuleTestTypes.Source + """
            class Selector : RefObject
            {
                private Node? _current;

                public void Select(bool first, Node a, Node b)
                {
                    if (first)
                    {
                        _current?.DecRef();
                        a.IncRef();
                        _current = a;
                    }
                    else
                    {
                        _current?.DecRef();
                        b.IncRef();
                        _current = b;
                    }
                }
            }
            """)
        .WithEntryPoint("""
            var selector = new Selector();
            var a = new Node();
            var b = new Node();
            selector.Select(true, a, b);
            selector.Select(false, a, b);
            selector.Select(true, a, b);
            Console.WriteLine(a.IsAlive + " " + b.IsAlive);
            a.DecRef();
            b.DecRef();
            selector.DecRef();
            """)
        .ExpectLeakFixed()
        .RunAsync();

    // ---- REFS001 "Hold it in a using variable" ----

    [Fact]
    public Task REFS001HoldingANewObjectInAUsingVariableInsideALoop() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static void Fill(RefList<Node> list, int count)
                {
                    for (int i = 0; i < count; i++)
                    {
                        list.Add({|REFS001:new Node()|});
                    }
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Hold it in a using variable")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static void Fill(RefList<Node> list, int count)
                {
                    for (int i = 0; i < count; i++)
                    {
                        using var node = new Node();
                        list.Add(node);
                    }
                }
            }
            """)
        .WithEntryPoint("""
            var list = new RefList<Node>();
            C.Fill(list, 3);
            Console.WriteLine(list.Count + " " + list[2].IsAlive);
            list.DecRef();
            """)
        .ExpectLeakFixed()
        .RunAsync();

    [Fact]
    public Task REFS001HoldingNewObjectsInUsingVariablesFixAllOverTwoFiles() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class First
            {
                public static void Check(bool twice)
                {
                    Api.Inspect({|REFS001:Api.Create()|});
                    if (twice)
                    {
                        Api.Inspect({|REFS001:new Node()|});
                    }
                }
            }
            """)
        .WithSource("""
            using System;
            using RefHeap;

            static class Second
            {
                public static int Put(RefList<Node> list)
                {
                    list.Insert(0, {|REFS001:new Node()|});
                    return list.Count;
                }
            }
            """)
        .WithFix<REFS001ReleaseFix>("Hold it in a using variable")
        .ExpectFixed(RuleTestTypes.Source + """
            static class First
            {
                public static void Check(bool twice)
                {
                    using var created = Api.Create();
                    Api.Inspect(created);
                    if (twice)
                    {
                        using var node = new Node();
                        Api.Inspect(node);
                    }
                }
            }
            """, """
            using System;
            using RefHeap;

            static class Second
            {
                public static int Put(RefList<Node> list)
                {
                    using var node = new Node();
                    list.Insert(0, node);
                    return list.Count;
                }
            }
            """)
        .WithEntryPoint("""
            First.Check(true);
            First.Check(false);
            var list = new RefList<Node>();
            Console.WriteLine(Second.Put(list) + " " + Second.Put(list));
            list.DecRef();
            """)
        .ExpectLeakFixed()
        .RunAsync();

    // ---- REFS002 "Remove the extra release" ----

    [Fact]
    public Task REFS002RemovingTheExtraReleaseInALoopOverBorrowedElements() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static int Visit(Node[] nodes)
                {
                    int visited = 0;
                    foreach (var n in nodes)
                    {
                        n.Touch();
                        visited++;
                        {|REFS002:n.DecRef()|};
                    }

                    return visited;
                }
            }
            """)
        .WithFix<REFS002RemoveExtraReleaseFix>("Remove the extra release")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static int Visit(Node[] nodes)
                {
                    int visited = 0;
                    foreach (var n in nodes)
                    {
                        n.Touch();
                        visited++;
                    }

                    return visited;
                }
            }
            """)
        .WithEntryPoint("""
            var nodes = new[] { new Node(), new Node() };
            Console.WriteLine(C.Visit(nodes));
            foreach (var n in nodes)
            {
                n.DecRef();
            }
            """)
        .RunAsync();

    [Fact]
    public Task REFS002RemovingTheExtraReleaseOnAnEarlyReturn() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static int Size(Node borrowed, bool skip)
                {
                    if (skip)
                    {
                        {|REFS002:borrowed.DecRef()|};
                        return 0;
                    }

                    borrowed.Touch();
                    return 1;
                }
            }
            """)
        .WithFix<REFS002RemoveExtraReleaseFix>("Remove the extra release")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static int Size(Node borrowed, bool skip)
                {
                    if (skip)
                    {
                        return 0;
                    }

                    borrowed.Touch();
                    return 1;
                }
            }
            """)
        .WithEntryPoint("""
            var node = new Node();
            Console.WriteLine(C.Size(node, false));
            Console.WriteLine(C.Size(node, true));
            node.DecRef();
            """)
        .RunAsync();

    // ---- REFS002 "IncRef before storing" ----

    [Fact]
    public Task REFS002IncRefBeforeStoringWithAnEarlyReturn() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static bool Keep(Holder holder, bool touch)
                {
                    var node = new Node();
                    holder.Child = node;
                    if (!touch)
                    {
                        {|REFS002:node.DecRef()|};
                        return false;
                    }

                    node.Touch();
                    {|REFS002:node.DecRef()|};
                    return true;
                }
            }
            """)
        .WithFix<REFS002RemoveExtraReleaseFix>("IncRef before storing")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static bool Keep(Holder holder, bool touch)
                {
                    var node = new Node();
                    node.IncRef();
                    holder.Child = node;
                    if (!touch)
                    {
                        node.DecRef();
                        return false;
                    }

                    node.Touch();
                    node.DecRef();
                    return true;
                }
            }
            """)
        .WithEntryPoint("""
            var first = new Holder();
            var second = new Holder();
            Console.WriteLine(C.Keep(first, true) + " " + C.Keep(second, false));
            first.DecRef();
            second.DecRef();
            """)
        .RunAsync();

    [Fact]
    public Task REFS002IncRefBeforeStoringInsideALoop() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static void Chain(Node head, int length)
                {
                    var current = head;
                    for (int i = 0; i < length; i++)
                    {
                        var next = new Node();
                        current.Next = next;
                        {|REFS002:next.DecRef()|};
                        current = next;
                    }
                }
            }
            """)
        .WithFix<REFS002RemoveExtraReleaseFix>("IncRef before storing")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static void Chain(Node head, int length)
                {
                    var current = head;
                    for (int i = 0; i < length; i++)
                    {
                        var next = new Node();
                        next.IncRef();
                        current.Next = next;
                        next.DecRef();
                        current = next;
                    }
                }
            }
            """)
        .WithEntryPoint("""
            var head = new Node();
            C.Chain(head, 3);
            Console.WriteLine("chained");
            head.DecRef();
            """)
        .RunAsync();

    // ---- REFS003 "Move the release after the last use" ----

    [Fact]
    public Task REFS003MovingTheReleaseAfterALoopThatUsesTheObject() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static int Run(int times)
                {
                    var node = new Node();
                    int total = 0;
                    node.DecRef();
                    {|REFS003:node|}.Touch();
                    for (int i = 0; i < times; i++)
                    {
                        Api.Inspect(node);
                        total += i;
                    }

                    Console.WriteLine(total);
                    return total;
                }
            }
            """)
        .WithFix<REFS003MoveReleaseAfterLastUseFix>("Move the release after the last use")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static int Run(int times)
                {
                    var node = new Node();
                    int total = 0;
                    node.Touch();
                    for (int i = 0; i < times; i++)
                    {
                        Api.Inspect(node);
                        total += i;
                    }
                    node.DecRef();

                    Console.WriteLine(total);
                    return total;
                }
            }
            """)
        .WithEntryPoint("""
            Console.WriteLine(C.Run(3));
            """)
        .RunAsync();

    [Fact]
    public Task REFS003MovingTheReleaseFixAllOverTwoFiles() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class First
            {
                public static void Use(bool again)
                {
                    var node = new Node();
                    node.Dispose();
                    {|REFS003:node|}.Touch();
                    if (again)
                    {
                        Api.Inspect(node);
                    }

                    Console.WriteLine("first");
                }
            }
            """)
        .WithSource("""
            using System;
            using RefHeap;

            static class Second
            {
                public static void Use(Holder holder)
                {
                    var node = new Node();
                    node.DecRef();
                    Api.Inspect({|REFS003:node|});
                    Console.WriteLine("second");
                }
            }
            """)
        .WithFix<REFS003MoveReleaseAfterLastUseFix>("Move the release after the last use")
        .ExpectFixed(RuleTestTypes.Source + """
            static class First
            {
                public static void Use(bool again)
                {
                    var node = new Node();
                    node.Touch();
                    if (again)
                    {
                        Api.Inspect(node);
                    }
                    node.Dispose();

                    Console.WriteLine("first");
                }
            }
            """, """
            using System;
            using RefHeap;

            static class Second
            {
                public static void Use(Holder holder)
                {
                    var node = new Node();
                    Api.Inspect(node);
                    node.DecRef();
                    Console.WriteLine("second");
                }
            }
            """)
        .WithEntryPoint("""
            First.Use(true);
            First.Use(false);
            var holder = new Holder();
            Second.Use(holder);
            holder.DecRef();
            """)
        .RunAsync();

    // ---- REFS004 "IncRef before escaping" ----

    [Fact]
    public Task REFS004IncRefBeforeEscapingInALoop() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class C
            {
                public static void GiveAll(Node[] nodes)
                {
                    foreach (var n in nodes)
                    {
                        n.Touch();
                        Api.Consume({|REFS004:n|});
                    }
                }
            }
            """)
        .WithFix<REFS004IncRefBeforeEscapingFix>("IncRef before escaping")
        .ExpectFixed(RuleTestTypes.Source + """
            static class C
            {
                public static void GiveAll(Node[] nodes)
                {
                    foreach (var n in nodes)
                    {
                        n.Touch();
                        n.IncRef();
                        Api.Consume(n);
                    }
                }
            }
            """)
        .WithEntryPoint("""
            var nodes = new[] { new Node(), new Node() };
            C.GiveAll(nodes);
            Console.WriteLine("given");
            foreach (var n in nodes)
            {
                n.DecRef();
            }
            """)
        .RunAsync();

    [Fact]
    public Task REFS004IncRefBeforeEachEarlyReturnFixAllOverTwoFiles() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(RuleTestTypes.Source + """
            static class First
            {
                [return: NewReference]
                public static Node Pick(Node a, Node b, bool first)
                {
                    if (first)
                    {
                        return {|REFS004:a|};
                    }

                    return {|REFS004:b|};
                }
            }
            """)
        .WithSource("""
            using System;
            using RefHeap;

            static class Second
            {
                public static void Store(Holder holder, Node borrowed, int mode)
                {
                    switch (mode)
                    {
                        case 0:
                            break;
                        default:
                        {
                            holder.Child = {|REFS004:borrowed|};
                            break;
                        }
                    }
                }
            }
            """)
        .WithFix<REFS004IncRefBeforeEscapingFix>("IncRef before escaping")
        .ExpectFixed(RuleTestTypes.Source + """
            static class First
            {
                [return: NewReference]
                public static Node Pick(Node a, Node b, bool first)
                {
                    if (first)
                    {
                        a.IncRef();
                        return a;
                    }
                    b.IncRef();
                    return b;
                }
            }
            """, """
            using System;
            using RefHeap;

            static class Second
            {
                public static void Store(Holder holder, Node borrowed, int mode)
                {
                    switch (mode)
                    {
                        case 0:
                            break;
                        default:
                        {
                                borrowed.IncRef();
                                holder.Child = borrowed;
                            break;
                        }
                    }
                }
            }
            """)
        .WithEntryPoint("""
            var a = new Node();
            var b = new Node();
            var picked = First.Pick(a, b, true);
            picked.DecRef();
            picked = First.Pick(a, b, false);
            picked.DecRef();
            var holder = new Holder();
            Second.Store(holder, a, 0);
            Second.Store(holder, b, 1);
            holder.DecRef();
            Console.WriteLine("picked and stored");
            a.DecRef();
            b.DecRef();
            """)
        .RunAsync();
}

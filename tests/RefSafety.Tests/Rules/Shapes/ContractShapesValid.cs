using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.Shapes;

/// <summary>
/// Correct code for the contract and expression shapes of issue 8 (10, 12, 13, 14, 15): each must stay silent. The
/// matching bugs are in <see cref="ContractShapesDiagnostics"/>.
/// </summary>
public class ContractShapesValid
{
    // Shape 10: a new reference an operand consumes is fine once it is held by a variable that releases it.
    [Theory]
    [InlineData("var made = Api.Create(); if (made != other) made.Touch(); made.DecRef();")]
    [InlineData("var made = Api.Create(); made.Touch(); made.DecRef();")]
    [InlineData("var made = new Node(); if (made is null) return; made.DecRef();")]
    [InlineData("if (Api.Peek(holder) != other) other.Touch();")]
    [InlineData("Api.Create().DecRef();")]
    [InlineData("new Node().Dispose();")]
    [InlineData("bool same = holder.Child == other; if (same) other.Touch();")]
    public Task NewReferenceHeldBeforeItIsUsed(string body) => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + $@"
class C
{{
    void M(Holder holder, Node other)
    {{
        {body}
    }}
}}").RunAsync();

    // Shape 13: a new object that goes somewhere is not discarded.
    [Theory]
    [InlineData("holder.Child = new Node();")]
    [InlineData("Api.Consume(new Node());")]
    [InlineData("using (new Node()) { }")]
    [InlineData("_ = holder.Child;")]
    [InlineData("_ = new object();")]
    public Task NewObjectThatIsKept(string body) => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + $@"
class C
{{
    void M(Holder holder)
    {{
        {body}
    }}
}}").RunAsync();

    // Shape 14: a [NewReference] method may hand out a field's object once it took a reference for the caller.
    [Fact]
    public Task NewReferenceMethodIncRefsTheFieldItReturns() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Owner : RefObject
{
    private Node _item = new Node();
    private static Node s_shared = new Node();

    [return: NewReference]
    public Node Item()
    {
        _item.IncRef();
        return _item;
    }

    [return: NewReference]
    public Node ItemThroughLocal()
    {
        var item = _item;
        item.IncRef();
        return item;
    }

    [return: NewReference]
    public static Node Shared()
    {
        s_shared.IncRef();
        return s_shared;
    }

    [return: NewReference]
    public Node Detach()
    {
        var item = _item;
        _item = null!;
        return item;
    }
}").RunAsync();

    [Fact]
    public Task ChoiceBetweenTwoStaticFieldsIsBorrowed() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Defaults
{
    private static readonly Node s_light = new Node();
    private static readonly Node s_dark = new Node();

    [return: NewReference]
    public static Node Pick(bool dark)
    {
        var theme = dark ? s_dark : s_light;
        theme.IncRef();
        return theme;
    }

    [return: BorrowedReference]
    public static Node Peek(bool dark) => dark ? s_dark : s_light;
}").RunAsync();

    [Fact]
    public Task NewReferenceMethodReturnsAnInitializedObject() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Factory
{
    [return: NewReference]
    public static Node Linked(Node next)
    {
        next.IncRef();
        return new Node { Next = next };
    }
}").RunAsync();

    // Shape 15: watching an object die is not using it.
    [Theory]
    [InlineData("node.DecRef(); Console.WriteLine(node.IsAlive);")]
    [InlineData("node.DecRef(); if (node.RefCount != 0) Console.WriteLine(\"still held\");")]
    [InlineData("node.DecRef(); System.Diagnostics.Debug.Assert(!node.IsAlive);")]
    public Task LivenessReadAfterRelease(string body) => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + $@"
class C
{{
    void M()
    {{
        var node = new Node();
        {body}
    }}
}}").RunAsync();

    // Shape 12: what a method of the compilation does decides what its callers own.
    [Fact]
    public Task HelperThatIncRefsAndReturnsItsArgumentGivesANewReference() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
static class Refs
{
    public static Node Retain(Node node)
    {
        node.IncRef();
        return node;
    }
}

class C
{
    void M(Node borrowed)
    {
        var mine = Refs.Retain(borrowed);
        mine.Touch();
        mine.DecRef();
    }
}").RunAsync();

    [Fact]
    public Task MethodThatStoresItsParameterInAFieldTakesTheReference() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Slot : RefObject
{
    private Node? _content;

    public Slot(Node content) => this._content = content;

    public void Adopt(Node content)
    {
        _content?.DecRef();
        _content = content;
    }
}

class C
{
    void M(Slot slot)
    {
        var node = new Node();
        slot.Adopt(node);
        var other = new Slot(new Node());
        other.DecRef();
    }
}").RunAsync();

    [Fact]
    public Task MethodThatIncRefsWhatItStoresKeepsTheCallersReference() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Slot : RefObject
{
    private Node? _content;

    public void Share(Node content)
    {
        content.IncRef();
        _content?.DecRef();
        _content = content;
    }
}

class C
{
    void M(Slot slot)
    {
        var node = new Node();
        slot.Share(node);
        node.DecRef();
    }
}").RunAsync();

    // Shape 12: a C API binding whose own C# helpers are configured like the native calls.
    private const string NativeConfig = @"root = true

[*.cs]
refsafety.increment_methods = Native.Lib.AddRef
refsafety.decrement_methods = Native.Lib.Release
refsafety.new_reference_methods = Native.Lib.Open, Native.Lib.Reopen, Native.Lib.Swap(0)
refsafety.borrowed_reference_methods = Native.Lib.Peek
";

    private const string Native = @"
using System;
using System.Runtime.InteropServices;

namespace Native
{
    public static class Lib
    {
        private static IntPtr s_default;

        [DllImport(""lib"")] public static extern void AddRef(IntPtr handle);
        [DllImport(""lib"")] public static extern void Release(IntPtr handle);
        [DllImport(""lib"")] public static extern IntPtr Open(int id);
        [DllImport(""lib"")] public static extern IntPtr Peek(int id);
        [DllImport(""lib"")] public static extern void Swap(ref IntPtr handle);

        public static IntPtr Reopen(IntPtr handle)
        {
            AddRef(handle);
            return handle;
        }
    }
}
";

    [Fact]
    public Task ConfiguredNewReferenceMethodKeepsItsContract() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(NativeConfig).WithSource(Native + @"
class C
{
    void M(IntPtr borrowed)
    {
        IntPtr again = Native.Lib.Reopen(borrowed);
        Native.Lib.Release(again);
    }
}").RunAsync();

    [Fact]
    public Task ConfiguredRefParameterHandsBackANewReference() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(NativeConfig).WithSource(Native + @"
class C
{
    void M()
    {
        IntPtr handle = IntPtr.Zero;
        Native.Lib.Swap(ref handle);
        Native.Lib.Release(handle);
    }
}").RunAsync();

    // Shape 6: a reassigned parameter is a local that starts borrowed.
    [Theory]
    [InlineData("if (flag) node = Api.Create(); else node.IncRef(); node.Touch(); node.DecRef();")]
    [InlineData("while (node.Next is not null) node = node.Next; node.Touch();")]
    [InlineData("node = Api.Create(); holder.Child = node;")]
    public Task ReassignedParameter(string body) => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + $@"
class C
{{
    void M(Node node, Holder holder, bool flag)
    {{
        {body}
    }}
}}").RunAsync();
}

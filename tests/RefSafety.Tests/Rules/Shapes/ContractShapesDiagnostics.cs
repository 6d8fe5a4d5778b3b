using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.Shapes;

/// <summary>
/// The bugs of the contract and expression shapes of issue 8 (10, 12, 13, 14, 15), each found with its message. The
/// correct versions are in <see cref="ContractShapesValid"/>.
/// </summary>
public class ContractShapesDiagnostics
{
    private static string InMethod(string body) => RuleTestTypes.Source + $@"
class C
{{
    void M(Holder holder, Node other)
    {{
        {body}
    }}
}}";

    // Shape 10: a new reference an operator consumes is gone once the operator has its value.
    [Fact]
    public Task NewReferenceOnlyCompared() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(InMethod("if ({|REFS001:Api.Create()|} != other) other.Touch();"))
        .ExpectArguments("Api.Create()", "because it is only compared, then dropped")
        .RunAsync();

    [Fact]
    public Task NewReferenceOnlyTestedForNull() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(InMethod("if ({|REFS001:Api.Create()|} is null) return;"))
        .ExpectArguments("Api.Create()", "because it is only tested, then dropped")
        .RunAsync();

    [Fact]
    public Task MethodCalledOnATemporary() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(InMethod("{|REFS001:Api.Create()|}.Touch();"))
        .ExpectArguments("Api.Create()", "because only its member 'Touch' is used, then it is dropped")
        .RunAsync();

    [Fact]
    public Task FieldReadFromATemporary() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(InMethod("var next = {|REFS001:new Node()|}.Next; next?.Touch();"))
        .ExpectArguments("new Node()", "because only its member 'Next' is used, then it is dropped")
        .RunAsync();

    // Shape 13: a new object nobody keeps.
    [Fact]
    public Task NewObjectAsAStatement() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(InMethod("{|REFS001:new Node()|};"))
        .ExpectArguments("new Node()", "because the new reference is discarded")
        .RunAsync();

    [Fact]
    public Task NewObjectAssignedToDiscard() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(InMethod("_ = {|REFS001:new Node()|};"))
        .ExpectArguments("new Node()", "because the new reference is discarded")
        .RunAsync();

    [Fact]
    public Task NewReferenceAssignedToDiscard() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(InMethod("_ = {|REFS001:Api.Create()|};"))
        .ExpectArguments("Create(...)", "because the new reference is discarded")
        .RunAsync();

    // Shape 14: contracts broken by what is returned.
    [Fact]
    public Task NewReferenceMethodReturnsItsFieldWithoutIncRef() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Owner : RefObject
{
    private Node _item = new Node();

    [return: NewReference]
    public Node Item() => {|REFS004:_item|};
}")
        .ExpectArguments("_item", "is returned from [NewReference] method 'Item'")
        .RunAsync();

    [Fact]
    public Task NewReferenceMethodReturnsAStaticFieldWithoutIncRef() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Owner
{
    private static readonly Node s_empty = new Node();

    [return: NewReference]
    public static Node Empty()
    {
        return {|REFS004:s_empty|};
    }
}")
        .ExpectArguments("s_empty", "is returned from [NewReference] method 'Empty'")
        .RunAsync();

    [Fact]
    public Task NewReferenceMethodReturnsAnotherObjectsField() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Reader
{
    [return: NewReference]
    public static Node ChildOf(Holder holder) => {|REFS004:holder.Child|}!;
}")
        .ExpectArguments("holder.Child", "is returned from [NewReference] method 'ChildOf'")
        .RunAsync();

    [Fact]
    public Task NewReferenceMethodReturnsAFieldThroughALocal() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Owner : RefObject
{
    private Node _item = new Node();

    [return: NewReference]
    public Node Item()
    {
        var item = _item;
        return {|REFS004:item|};
    }
}")
        .ExpectArguments("item", "is returned from [NewReference] method 'Item'")
        .RunAsync();

    [Fact]
    public Task ChoiceOfStaticFieldsReturnedAsNewWithoutIncRef() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Defaults
{
    private static readonly Node s_light = new Node();
    private static readonly Node s_dark = new Node();

    [return: NewReference]
    public static Node Pick(bool dark)
    {
        var theme = dark ? s_dark : s_light;
        return {|REFS004:theme|};
    }
}")
        .ExpectArguments("theme", "is returned from [NewReference] method 'Pick'")
        .RunAsync();

    [Fact]
    public Task BorrowedMethodReturnsAnInitializedNewObject() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Factory
{
    [return: BorrowedReference]
    public static Node Linked(Node next) => {|REFS005:new Node { Next = null }|};
}")
        .ExpectArguments("[BorrowedReference] method 'Linked' returns a new reference")
        .RunAsync();

    // Shape 15: a liveness read is not a use, but a real use after the release still is.
    [Fact]
    public Task RealUseAfterALivenessRead() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(InMethod("var node = new Node(); node.DecRef(); if (!node.IsAlive) {|REFS003:node|}.Touch();"))
        .ExpectArguments("node", "at line 26; it is used at line 26")
        .RunAsync();

    // Shape 12: inferred contracts, checked at the call.
    [Fact]
    public Task ResultOfAnIncRefHelperLeaks() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
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
    {|REFS001:}|}
}")
        .ExpectArguments("mine", "on the path through line 37")
        .RunAsync();

    [Fact]
    public Task ReleaseAfterPassingToAMethodThatStoresIt() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Slot : RefObject
{
    private Node? _content;

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
        {|REFS002:node.DecRef()|};
    }
}")
        .ExpectArguments("node", "when it is released again at line 39")
        .RunAsync();

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

        public static IntPtr Reopen(IntPtr handle) => {|REFS004:Peek(0)|};
    }
}
";

    [Fact]
    public Task ConfiguredNewReferenceMethodReturnsABorrowedValue() => RuleTest.For<OwnershipAnalyzer>()
        .WithEditorConfig(NativeConfig)
        .WithSource(Native)
        .ExpectArguments("Peek(0)", "is returned from 'Reopen', configured to return a new reference,")
        .RunAsync();

    // Values, not types: an IntPtr field no configured API ever filled holds no counted reference, so returning it
    // breaks no count (with RefHeap types, where every object is counted, the same shape is REFS004).
    [Fact]
    public Task ConfiguredNewReferenceMethodReturningAnUncountedStaticFieldIsSilent() => RuleTest.For<OwnershipAnalyzer>()
        .WithEditorConfig(NativeConfig)
        .WithSource(Native.Replace("=> {|REFS004:Peek(0)|}", "=> s_default"))
        .RunAsync();

    [Fact]
    public Task ConfiguredRefParameterResultLeaks() => RuleTest.For<OwnershipAnalyzer>()
        .WithEditorConfig(NativeConfig)
        .WithSource(Native.Replace("=> {|REFS004:Peek(0)|}", "=> Open(0)") + @"
class C
{
    void M()
    {
        IntPtr handle = IntPtr.Zero;
        Native.Lib.Swap(ref handle);
    {|REFS001:}|}
}")
        .ExpectArguments("handle", "on the path through line 27")
        .RunAsync();

    // Shape 6: a reassigned parameter that was given a new reference must release it, on every path.
    [Fact]
    public Task ReassignedParameterLeaksOnOnePath() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void M(Node node, bool fresh)
    {
        if (fresh)
        {
            node = Api.Create();
        }

        node.Touch();
    {|REFS001:}|}
}")
        .ExpectArguments("node", "on the path through line 32 where 'fresh' is true")
        .RunAsync();

    [Fact]
    public Task ReleasingTheOriginalValueOfAReassignedParameter() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void M(Node node, bool fresh)
    {
        {|REFS002:node.DecRef()|};
        node = Api.Create();
        node.DecRef();
    }
}")
        .ExpectArguments("node", "when it is released without being owned at line 26")
        .RunAsync();
}

using System.Threading.Tasks;
using Microsoft.CodeAnalysis.Testing;
using RefSafety.Analyzers;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.Shapes;

/// <summary>
/// The bugs of the contract and expression shapes of issue 8 (10, 12, 13, 14, 15), each found with its message. The
/// correct versions are in <see cref="ContractShapesValid"/>.
/// </summary>
public class ContractShapesDiagnostics
{
    private static DiagnosticResult Finding(Microsoft.CodeAnalysis.DiagnosticDescriptor rule, params object[] arguments) =>
        Verify<OwnershipAnalyzer>.Diagnostic(rule).WithLocation(0).WithArguments(arguments);

    private static Task InMethod(string body, params DiagnosticResult[] expected) => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + $@"
class C
{{
    void M(Holder holder, Node other)
    {{
        {body}
    }}
}}", expected);

    // Shape 10: a new reference an operator consumes is gone once the operator has its value.
    [Fact]
    public Task NewReferenceOnlyCompared() => InMethod(
        "if ({|#0:Api.Create()|} != other) other.Touch();",
        Finding(Descriptors.REFS001ReferenceLeak, "Api.Create()", "because it is only compared, then dropped"));

    [Fact]
    public Task NewReferenceOnlyTestedForNull() => InMethod(
        "if ({|#0:Api.Create()|} is null) return;",
        Finding(Descriptors.REFS001ReferenceLeak, "Api.Create()", "because it is only tested, then dropped"));

    [Fact]
    public Task MethodCalledOnATemporary() => InMethod(
        "{|#0:Api.Create()|}.Touch();",
        Finding(Descriptors.REFS001ReferenceLeak, "Api.Create()", "because only its member 'Touch' is used, then it is dropped"));

    [Fact]
    public Task FieldReadFromATemporary() => InMethod(
        "var next = {|#0:new Node()|}.Next; next?.Touch();",
        Finding(Descriptors.REFS001ReferenceLeak, "new Node()", "because only its member 'Next' is used, then it is dropped"));

    // Shape 13: a new object nobody keeps.
    [Fact]
    public Task NewObjectAsAStatement() => InMethod(
        "{|#0:new Node()|};",
        Finding(Descriptors.REFS001ReferenceLeak, "new Node()", "because the new reference is discarded"));

    [Fact]
    public Task NewObjectAssignedToDiscard() => InMethod(
        "_ = {|#0:new Node()|};",
        Finding(Descriptors.REFS001ReferenceLeak, "new Node()", "because the new reference is discarded"));

    [Fact]
    public Task NewReferenceAssignedToDiscard() => InMethod(
        "_ = {|#0:Api.Create()|};",
        Finding(Descriptors.REFS001ReferenceLeak, "Create(...)", "because the new reference is discarded"));

    // Shape 14: contracts broken by what is returned.
    [Fact]
    public Task NewReferenceMethodReturnsItsFieldWithoutIncRef() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class Owner : RefObject
{
    private Node _item = new Node();

    [return: NewReference]
    public Node Item() => {|#0:_item|};
}", Finding(Descriptors.REFS004BorrowedEscapes, "_item", "is returned from [NewReference] method 'Item'"));

    [Fact]
    public Task NewReferenceMethodReturnsAStaticFieldWithoutIncRef() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class Owner
{
    private static readonly Node s_empty = new Node();

    [return: NewReference]
    public static Node Empty()
    {
        return {|#0:s_empty|};
    }
}", Finding(Descriptors.REFS004BorrowedEscapes, "s_empty", "is returned from [NewReference] method 'Empty'"));

    [Fact]
    public Task NewReferenceMethodReturnsAnotherObjectsField() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class Reader
{
    [return: NewReference]
    public static Node ChildOf(Holder holder) => {|#0:holder.Child|}!;
}", Finding(Descriptors.REFS004BorrowedEscapes, "holder.Child", "is returned from [NewReference] method 'ChildOf'"));

    [Fact]
    public Task NewReferenceMethodReturnsAFieldThroughALocal() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class Owner : RefObject
{
    private Node _item = new Node();

    [return: NewReference]
    public Node Item()
    {
        var item = _item;
        return {|#0:item|};
    }
}", Finding(Descriptors.REFS004BorrowedEscapes, "item", "is returned from [NewReference] method 'Item'"));

    [Fact]
    public Task ChoiceOfStaticFieldsReturnedAsNewWithoutIncRef() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class Defaults
{
    private static readonly Node s_light = new Node();
    private static readonly Node s_dark = new Node();

    [return: NewReference]
    public static Node Pick(bool dark)
    {
        var theme = dark ? s_dark : s_light;
        return {|#0:theme|};
    }
}", Finding(Descriptors.REFS004BorrowedEscapes, "theme", "is returned from [NewReference] method 'Pick'"));

    [Fact]
    public Task BorrowedMethodReturnsAnInitializedNewObject() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class Factory
{
    [return: BorrowedReference]
    public static Node Linked(Node next) => {|#0:new Node { Next = null }|};
}", Finding(Descriptors.REFS005BrokenContract, "[BorrowedReference] method 'Linked' returns a new reference"));

    // Shape 15: a liveness read is not a use, but a real use after the release still is.
    [Fact]
    public Task RealUseAfterALivenessRead() => InMethod(
        "var node = new Node(); node.DecRef(); if (!node.IsAlive) {|#0:node|}.Touch();",
        Finding(Descriptors.REFS003UseAfterRelease, "node", "at line 26"));

    // Shape 12: inferred contracts, checked at the call.
    [Fact]
    public Task ResultOfAnIncRefHelperLeaks() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
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
    {|#1:}|}
}", Verify<OwnershipAnalyzer>.Diagnostic(Descriptors.REFS001ReferenceLeak).WithLocation(1).WithArguments("mine", "on the path through line 37"));

    [Fact]
    public Task ReleaseAfterPassingToAMethodThatStoresIt() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
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
        {|#0:node.DecRef()|};
    }
}", Finding(Descriptors.REFS002OverRelease, "node", "when it is released again at line 39"));

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

        public static IntPtr Reopen(IntPtr handle) => {|#0:Peek(0)|};
    }
}
";

    [Fact]
    public Task ConfiguredNewReferenceMethodReturnsABorrowedValue() => Verify<OwnershipAnalyzer>.DiagnosticsWithConfig(NativeConfig, Native,
        Finding(Descriptors.REFS004BorrowedEscapes, "Peek(0)", "is returned from 'Reopen', configured to return a new reference,"));

    [Fact]
    public Task ConfiguredNewReferenceMethodReturnsAStaticField() => Verify<OwnershipAnalyzer>.DiagnosticsWithConfig(NativeConfig, Native.Replace("=> {|#0:Peek(0)|}", "=> {|#0:s_default|}"),
        Finding(Descriptors.REFS004BorrowedEscapes, "s_default", "is returned from 'Reopen', configured to return a new reference,"));

    [Fact]
    public Task ConfiguredRefParameterResultLeaks() => Verify<OwnershipAnalyzer>.DiagnosticsWithConfig(NativeConfig, Native.Replace("=> {|#0:Peek(0)|}", "=> Open(0)") + @"
class C
{
    void M()
    {
        IntPtr handle = IntPtr.Zero;
        Native.Lib.Swap(ref handle);
    {|#0:}|}
}", Finding(Descriptors.REFS001ReferenceLeak, "handle", "on the path through line 27"));

    // Shape 6: a reassigned parameter that was given a new reference must release it, on every path.
    [Fact]
    public Task ReassignedParameterLeaksOnOnePath() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class C
{
    void M(Node node, bool fresh)
    {
        if (fresh)
        {
            node = Api.Create();
        }

        node.Touch();
    {|#0:}|}
}", Finding(Descriptors.REFS001ReferenceLeak, "node", "on the path through line 32 where 'fresh' is true"));

    [Fact]
    public Task ReleasingTheOriginalValueOfAReassignedParameter() => Verify<OwnershipAnalyzer>.Diagnostics(RuleTestTypes.Source + @"
class C
{
    void M(Node node, bool fresh)
    {
        {|#0:node.DecRef()|};
        node = Api.Create();
        node.DecRef();
    }
}", Finding(Descriptors.REFS002OverRelease, "node", "when it is released without being owned at line 26"));
}

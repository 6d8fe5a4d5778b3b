using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.ExternalApis;

/// <summary>The real bugs in the shapes of <see cref="ExternalApiShapesValid"/> are still found.</summary>
public class ExternalApiShapesDiagnostics
{
    private const string Config = ExternalApiShapesValid.Config;

    private const string Api = ExternalApiShapesValid.Api;

    [Fact]
    public Task CountedValuesAreStillChecked() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class C
{
    void FromAnIncrement(int raw)
    {
        IntPtr p = new IntPtr(raw);
        Api.Retain(p);
    {|REFS001:}|}

    void FromANewReference()
    {
        IntPtr p = Api.Make();
        IntPtr shifted = p + 8;
    {|REFS001:}|}

    void FromABorrowedOne(IntPtr owner)
    {
        IntPtr item = Api.Peek(owner);
        {|REFS002:Api.Drop(item)|};
    }

    void ParameterReleased(IntPtr borrowed) => {|REFS002:Api.Drop(borrowed)|};
}").RunAsync();

    [Fact]
    public Task SafeHandleLeakAndUnguardedAddRef() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
sealed class FileHandle : SafeHandle
{
    public FileHandle() : base(IntPtr.Zero, true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => true;
}

class C
{
    void NeverDisposed(bool fail)
    {
        var handle = new FileHandle();
        if (fail)
        {
            {|REFS001:return;|}
        }

        handle.Dispose();
    }

    void UsedAfterClose()
    {
        var handle = new FileHandle();
        handle.Close();
        {|REFS003:handle|}.DangerousGetHandle();
    }

    void Unguarded(SafeHandle handle)
    {
        bool taken = false;
        try
        {
            handle.DangerousAddRef(ref taken);
        }
        finally
        {
            {|REFS007:handle.DangerousRelease()|};
        }
    }
}").RunAsync();

    [Fact]
    public Task ABorrowedStoreIsNotBackedByAKeeperReleasedFirstOrNotConfigured() => RuleTest.For<OwnershipAnalyzer>()
        .WithEditorConfig(ExternalApiShapesValid.KeepsAliveConfig).WithSource(Api + ExternalApiShapesValid.Objects + @"
class Instance
{
    private IntPtr _type;
    private IntPtr _self;

    public Instance(IntPtr type, bool dispose)
    {
        IntPtr self = Objects.Allocate(type, 0);
        if (dispose)
        {
            Api.Drop(self); // the keeper may be gone: nothing keeps the type alive for the field
            self = IntPtr.Zero;
        }

        _type = {|REFS004:type|};
        _self = self;
    }

    public void KeptByAnotherObject(IntPtr type, IntPtr other)
    {
        IntPtr probe = Objects.Allocate(type, 0);
        Api.Drop(probe);
        Api.Drop(_self);
        _self = Objects.Allocate(other, 0);
        _type = {|REFS004:type|}; // this object keeps 'other' alive, and the one that kept 'type' is gone
    }

    public void Reassigned(IntPtr type, IntPtr other)
    {
        Api.Drop(_self);
        _self = Objects.Allocate(type, 0);
        type = Api.Peek(other);
        _type = {|REFS004:type|}; // 'type' names another object now, which nothing here keeps alive
    }
}").RunAsync();

    [Fact]
    public Task StoreWithoutAnyAddRef() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class C
{
    private IntPtr _instance;

    void NeverAdded(IntPtr p)
    {
        IntPtr item = Api.Peek(p);
        _instance = {|REFS004:item|};
        Api.Retain(p);
        Api.Drop(p);
    }

    void AddedOnOnePath(IntPtr owner, bool keep)
    {
        IntPtr item = Api.Peek(owner);
        _instance = {|REFS004:item|};
        if (keep)
        {
            Api.Retain(item);
        }
    }
}").RunAsync();

    [Fact]
    public Task StoreWithoutIncRefForRefHeap() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void Link(Node node, Node next, Node other)
    {
        node.Next = {|REFS004:next|};
        other.Touch();
    }
}").RunAsync();

    [Fact]
    public Task WrapperCreationStillChecked() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class C
{
    void StolenThenReleased()
    {
        IntPtr h = Api.Make();
        using var wrapper = new Wrapper(h);
        {|REFS002:Api.Drop(h)|};
    }

    void NotWrappedOnOnePath(bool fail)
    {
        IntPtr h = Api.Make();
        if (fail)
        {
            {|REFS001:return;|}
        }

        Api.Consume(new Wrapper(h));
    }

    void BorrowedViewReleased(Wrapper wrapper)
    {
        IntPtr raw = wrapper.Raw;
        {|REFS002:Api.Drop(raw)|};
    }
}").RunAsync();

    [Fact]
    public Task AFieldBorrowingFromWhatTheObjectDoesNotOwn() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class Scope
{
    private IntPtr _globals;

    public Scope(IntPtr module)
    {
        _globals = {|REFS004:Api.Peek(module)|};
    }
}").RunAsync();

    [Fact]
    public Task ASafeHandleNobodyTakesAndOneReleasedOnlyWhenInvalid() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class C
{
    long NotTaken(IntPtr raw)
    {
        var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(raw, ownsHandle: true);
        {|REFS001:return System.IO.RandomAccess.GetLength(handle);|}
    }

    void ReleasedOnTheWrongSide(IntPtr raw)
    {
        var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(raw, ownsHandle: true);
        if (handle.IsInvalid)
        {
            handle.Dispose();
        }
    {|REFS001:}|}
}").RunAsync();

    [Fact]
    public Task AWrapperMadeOnABorrowedHandleThatNothingBacks() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class C
{
    void NeverBacked(IntPtr owner, System.Collections.Generic.List<Wrapper> keep)
    {
        var wrapper = new Wrapper({|REFS004:Api.Peek(owner)|});
        keep.Add(wrapper);
    }

    void BackedOnOnePath(IntPtr owner, bool retain, System.Collections.Generic.List<Wrapper> keep)
    {
        var wrapper = new Wrapper({|REFS004:Api.Peek(owner)|});
        if (retain)
        {
            Api.Retain(wrapper.Raw);
        }

        keep.Add(wrapper);
    }

    void PassedStraightOn(IntPtr owner)
    {
        Api.Consume(new Wrapper({|REFS004:Api.Peek(owner)|}));
    }

    void HandleNeverBacked(IntPtr owner, System.Collections.Generic.List<Wrapper> keep)
    {
        IntPtr item = Api.Peek(owner);
        var wrapper = new Wrapper({|REFS004:item|});
        keep.Add(wrapper);
    }
}").RunAsync();

    [Fact]
    public Task AStatusLocalTestedLaterStillLeavesTheSuccessPathOwning() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class C
{
    void Query(IntPtr unknown)
    {
        Guid iid = Guid.Empty;
        int hr = Marshal.QueryInterface(unknown, ref iid, out IntPtr found);
        if (hr != 0)
        {
            return;
        }

        Api.Peek(found);
    {|REFS001:}|}
}")
        .ExpectArguments("found", "on the path through line 42")
        .RunAsync();

    [Fact]
    public Task ABorrowedHandleWrittenIntoNativeMemoryWithoutAnIncrement() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class C
{
    void Slot(IntPtr owner)
    {
        IntPtr shared = Api.Peek(owner);
        Marshal.WriteIntPtr(owner, 24, {|REFS004:shared|});
    }

    void ReflectionStoreOfABorrowedHandle(IntPtr owner, System.Reflection.FieldInfo field)
    {
        IntPtr shared = Api.Peek(owner);
        field.SetValue(null, {|REFS004:shared|});
    }
}").RunAsync();

    [Fact]
    public Task AHandleLeakedBeforeAChainedStealingConstructorIsStillFound() => RuleTest.For<OwnershipAnalyzer>()
        .WithEditorConfig(ExternalApiShapesValid.ChainConfig)
        .WithSource(ExternalApiShapesValid.Chain + @"
class C
{
    Lib.Special? Maybe(bool make)
    {
        IntPtr raw = Lib.Native.Make();
        if (!make)
        {
            {|REFS001:return null;|}
        }

        return new Lib.Special(raw);
    }
}")
        .ExpectArguments("raw", "on the path through line 39 where 'make' is false")
        .RunAsync();

    [Fact]
    public Task AVtableReleaseTooManyIsAnOverRelease() => RuleTest.For<OwnershipAnalyzer>().WithUnsafe()
        .WithEditorConfig(ExternalApiShapesValid.VtableConfig)
        .WithSource(ExternalApiShapesValid.Vtable + @"
unsafe class C
{
    void Twice(object o)
    {
        IntPtr unknown = Marshal.GetIUnknownForObject(o);
        Interop.UnknownVtable* vtable = *(Interop.UnknownVtable**)unknown;
        vtable->Release(unknown);
        {|REFS002:vtable->Release(unknown)|};
    }
}")
        .RunAsync();
}

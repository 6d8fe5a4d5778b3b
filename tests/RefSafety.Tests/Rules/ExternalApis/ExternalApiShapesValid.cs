using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Testing;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.ExternalApis;

/// <summary>
/// Correct code in the shapes real bindings and interop code take (issue 8, shapes 1–4): each must be silent with
/// the API configured once in .editorconfig.
/// </summary>
public class ExternalApiShapesValid
{
    internal const string Config = @"root = true

[*.cs]
refsafety.increment_methods = Native.Api.Retain
refsafety.decrement_methods = Native.Api.Drop
refsafety.new_reference_methods = Native.Api.Make
refsafety.borrowed_reference_methods = Native.Api.Peek
refsafety.stealing_parameters = Native.Wrapper..ctor(0), Native.Api.Adopt(1)
refsafety.borrowed_views = Native.Wrapper.Raw
refsafety.presets = safehandle, com
";

    internal const string Api = @"
using System;
using System.Runtime.InteropServices;
using Native;

namespace Native
{
    public static class Api
    {
        [DllImport(""native"")] public static extern void Retain(IntPtr h);
        [DllImport(""native"")] public static extern void Drop(IntPtr h);
        [DllImport(""native"")] public static extern IntPtr Make();
        [DllImport(""native"")] public static extern IntPtr Peek(IntPtr owner);
        [DllImport(""native"")] public static extern void Adopt(IntPtr container, IntPtr item);
        public static void Consume(Wrapper w) => w.Dispose();
    }

    public sealed class Wrapper : IDisposable
    {
        private IntPtr _raw;

        public Wrapper(IntPtr raw) { _raw = raw; }

        public IntPtr Raw => _raw;

        public void Dispose() { }
    }
}
";

    [Fact]
    public Task PointersNoApiCountsAreSilent() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
struct Slot
{
    public IntPtr Value;
    public IntPtr Next;

    public void Clear() { Value = IntPtr.Zero; Next = IntPtr.Zero; }
}

class C
{
    private IntPtr _scratch;
    private IntPtr _callback;

    void Numbers(int raw, long offset)
    {
        IntPtr fromInt = new IntPtr(raw);
        IntPtr cast = (IntPtr)offset;
        IntPtr shifted = fromInt + 8;
        _scratch = shifted;
        _scratch = cast;
        Api.Drop(fromInt);
    }

    void Buffers(string text)
    {
        IntPtr utf8 = Marshal.StringToCoTaskMemUTF8(text);
        IntPtr block = Marshal.AllocHGlobal(16);
        _scratch = block;
        Marshal.FreeCoTaskMem(utf8);
    }

    void VTable(IntPtr unknown)
    {
        IntPtr vtable = Marshal.ReadIntPtr(unknown);
        IntPtr method = Marshal.ReadIntPtr(vtable, 3 * IntPtr.Size);
        _callback = method;
    }

    void Structs()
    {
        var slot = new Slot { Value = IntPtr.Zero };
        slot.Next = IntPtr.Zero;
        slot.Value = new IntPtr(4);
    }

    IntPtr Keep(IntPtr value)
    {
        _scratch = value;
        return value;
    }
}

sealed class FileHandle : SafeHandle
{
    public FileHandle() : base(IntPtr.Zero, true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public void Reset(IntPtr value)
    {
        IntPtr old = handle;
        handle = value;
        handle = IntPtr.Zero;
        SetHandle(old);
    }

    protected override bool ReleaseHandle()
    {
        handle = IntPtr.Zero;
        return true;
    }
}").RunAsync();

    [Fact]
    public Task AddressesAndFunctionPointersAreSilent() =>
        // Pointers from `&x`, function pointers and reads through pointers need unsafe code.
        RuleTest.For<OwnershipAnalyzer>().WithUnsafe().WithEditorConfig(Config).WithSource(Api + @"
unsafe class C
{
    private IntPtr _scratch;

    static void Callback() { }

    void Addresses()
    {
        int local = 3;
        IntPtr address = (IntPtr)(&local);
        delegate*<void> function = &Callback;
        _scratch = (IntPtr)function;
        IntPtr slot = *(IntPtr*)address;
        _scratch = slot;
        Api.Drop(slot);
    }

    void Delegates(Action action)
    {
        IntPtr entry = Marshal.GetFunctionPointerForDelegate(action);
        _scratch = entry;
    }
}").RunAsync();

    [Fact]
    public Task SafeHandleOwnReferenceReleasedByDisposeCloseAndUsing() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
sealed class FileHandle : SafeHandle
{
    public FileHandle() : base(IntPtr.Zero, true) { }

    public override bool IsInvalid => handle == IntPtr.Zero;

    protected override bool ReleaseHandle() => true;
}

class C
{
    void Disposed()
    {
        var handle = new FileHandle();
        handle.Dispose();
    }

    void Closed()
    {
        var handle = new FileHandle();
        handle.Close();
    }

    void UsingStatement()
    {
        using (var handle = new FileHandle())
        {
        }
    }

    void UsingDeclaration()
    {
        using var handle = new FileHandle();
    }

    void AddRefGuardedBySuccess(SafeHandle handle)
    {
        bool taken = false;
        try
        {
            handle.DangerousAddRef(ref taken);
        }
        finally
        {
            if (taken)
            {
                handle.DangerousRelease();
            }
        }
    }

    void DisposeOfAHandleHandedIn(SafeHandle handle) => handle.Dispose();

    // A disposable object constructed from a SafeHandle owns it, as FileStream does.
    System.IO.Stream OwnedByTheStream(IntPtr raw)
    {
        var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(raw, ownsHandle: true);
        return new System.IO.FileStream(handle, System.IO.FileAccess.Read);
    }

    // A factory whose whole body hands its parameter to such a constructor takes it too.
    System.IO.Stream OwnedThroughAFactory(IntPtr raw)
    {
        var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(raw, ownsHandle: true);
        return OpenStream(handle);
    }

    static System.IO.Stream OpenStream(Microsoft.Win32.SafeHandles.SafeFileHandle handle) => new System.IO.FileStream(handle, System.IO.FileAccess.Read);

    Wrapper WrappedThroughAFactory()
    {
        IntPtr made = Api.Make();
        return Wrap(made);
    }

    static Wrapper Wrap(IntPtr raw)
    {
        return new Wrapper(raw);
    }
}

// A constructor with source that only uses the handle it is given does not take it.
sealed class Lookup : IDisposable
{
    private readonly string _name;

    public Lookup(SafeHandle repository, string name)
    {
        _name = repository.IsInvalid ? string.Empty : name;
    }

    public void Dispose() { }

    // An invalid handle holds no resource: there is nothing to release on that side.
    void ReleasedOnlyWhenValid(bool fail)
    {
        var handle = new FileHandle();
        try
        {
            if (fail)
            {
                throw new InvalidOperationException();
            }

            handle.Dispose();
        }
        catch
        {
            if (!handle.IsInvalid)
            {
                handle.Dispose();
            }

            throw;
        }
    }
}").RunAsync();

    [Fact]
    public Task StoreThenAddRefEqualsAddRefThenStore() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class C
{
    private IntPtr _instance;
    private IntPtr _other;

    void StoreFirst(IntPtr p)
    {
        _instance = p;
        Marshal.AddRef(p);
    }

    void AddRefFirst(IntPtr p)
    {
        Marshal.AddRef(p);
        _other = p;
    }

    void Retained(IntPtr p)
    {
        _instance = p;
        Api.Retain(p);
    }
}").RunAsync();

    [Fact]
    public Task StoreThenIncRefForRefHeap() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class C
{
    void Link(Node node, Node next)
    {
        node.Next = next;
        next.IncRef();
    }
}").RunAsync();

    [Fact]
    public Task WrapperTakesTheHandleWhereverItIsCreated() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class C
{
    private Wrapper? _kept;

    void Local()
    {
        IntPtr h = Api.Make();
        var wrapper = new Wrapper(h);
        wrapper.Dispose();
    }

    void UsingStatement()
    {
        IntPtr h = Api.Make();
        using (var wrapper = new Wrapper(h))
        {
        }
    }

    void UsingDeclaration()
    {
        IntPtr h = Api.Make();
        using var wrapper = new Wrapper(h);
    }

    void Passed()
    {
        IntPtr h = Api.Make();
        Api.Consume(new Wrapper(h));
    }

    Wrapper Returned()
    {
        IntPtr h = Api.Make();
        return new Wrapper(h);
    }

    void Stored()
    {
        IntPtr h = Api.Make();
        _kept = new Wrapper(h);
    }

    void BorrowedView(Wrapper wrapper)
    {
        IntPtr raw = wrapper.Raw;
        IntPtr item = Api.Peek(raw);
        Api.Retain(raw);
        Api.Drop(raw);
    }
}").RunAsync();

    [Fact]
    public Task AWrapperMadeOnABorrowedHandleIsBackedAfterwards() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class C
{
    // A stealing constructor keeps what it takes alive in the new wrapper, like a field store: an increment after it,
    // of the handle or through the wrapper, gives the wrapper its reference.
    void ThroughTheWrapper(IntPtr owner, System.Collections.Generic.List<Wrapper> keep)
    {
        var wrapper = new Wrapper(Api.Peek(owner));
        Api.Retain(wrapper.Raw);
        keep.Add(wrapper);
    }

    void ThroughTheHandle(IntPtr owner, System.Collections.Generic.List<Wrapper> keep)
    {
        IntPtr item = Api.Peek(owner);
        var wrapper = new Wrapper(item);
        Api.Retain(item);
        keep.Add(wrapper);
    }

    void OnlyWhereItIsKept(IntPtr owner, bool keepIt, System.Collections.Generic.List<Wrapper> keep)
    {
        if (keepIt)
        {
            var wrapper = new Wrapper(Api.Peek(owner));
            Api.Retain(wrapper.Raw);
            keep.Add(wrapper);
        }
    }
}").RunAsync();

    [Fact]
    public Task AWrapperMadeOnABorrowedRefObjectIsBackedAfterwards() => RuleTest.For<OwnershipAnalyzer>().WithSource(RuleTestTypes.Source + @"
class Box : RefObject
{
    private Node? _item;

    public Box([StealsReference] Node item) { _item = item; }

    protected override void OnFinalize() => RefField.Clear(ref _item);
}

class C
{
    Box Wrap(Node borrowed)
    {
        var box = new Box(borrowed);
        borrowed.IncRef();
        return box;
    }
}").RunAsync();

    [Fact]
    public Task AFieldMayBorrowFromAnotherFieldOfTheSameObject() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class Scope
{
    private IntPtr _module;
    private IntPtr _globals;

    // The scope owns its module and the module owns its globals, so the scope may borrow them while it lives.
    public Scope()
    {
        _module = Api.Make();
        _globals = Api.Peek(_module);
    }

    public IntPtr Globals => _globals;
}").RunAsync();

    internal const string KeepsAliveConfig = ExternalApiShapesValid.Config + @"refsafety.new_reference_methods = Native.Api.Make, Native.Objects.Allocate
refsafety.keeps_alive_parameters = Native.Objects.Allocate(0)
";

    internal const string Objects = @"
namespace Native
{
    public static class Objects
    {
        // Like CPython's PyType_GenericAlloc: the new object holds a reference to its type.
        [DllImport(""native"")] public static extern IntPtr Allocate(IntPtr type, int items);
    }
}
";

    [Fact]
    public Task AFieldMayBorrowWhatAnOwnedReferenceKeepsAlive() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(KeepsAliveConfig).WithSource(Api + Objects + @"
class Instance
{
    private IntPtr _type;
    private IntPtr _self;

    // The object made of the type keeps the type alive, and this wrapper owns the object: it may borrow the type.
    public Instance(IntPtr type)
    {
        IntPtr self = Objects.Allocate(type, 0);
        _type = type;
        _self = self;
    }

    public void Replace(IntPtr type)
    {
        Api.Drop(_self);
        _self = Objects.Allocate(type, 0);
        _type = type;
    }

    // An owned value that something keeps alive is still stored like any owned value: its reference moves.
    public void Adopt(IntPtr type)
    {
        IntPtr own = Api.Make();
        Api.Drop(_self);
        _self = Objects.Allocate(own, 0);
        Api.Drop(_type);
        _type = own;
    }
}").RunAsync();

    // The next shapes were false findings on real bindings (docs/precision.md), re-written in our own words.
    [Fact]
    public Task StatusTestsNullHandleTestsNativeSlotsAndReleaseLists() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(Config).WithSource(Api + @"
class C
{
    IntPtr Query(IntPtr unknown)
    {
        Guid iid = Guid.Empty;
        int hr = Marshal.QueryInterface(unknown, ref iid, out IntPtr found);
        if (hr != 0)
        {
            return IntPtr.Zero;
        }

        return found;
    }

    IntPtr QueryAsStatus(IntPtr unknown)
    {
        Guid iid = Guid.Empty;
        Status status = Marshal.QueryInterface(unknown, ref iid, out IntPtr found);
        if (status)
        {
            return found;
        }

        return IntPtr.Zero;
    }

    readonly struct Status
    {
        private readonly int _code;
        private Status(int code) => _code = code;
        public static implicit operator Status(int code) => new Status(code);
        public static implicit operator bool(Status status) => status._code >= 0;
    }

    void ZeroMeansNull()
    {
        IntPtr h = Api.Make();
        if (h != 0)
        {
            Api.Drop(h);
        }
    }

    void NativeSlots(IntPtr owner)
    {
        IntPtr made = Api.Make();
        Marshal.WriteIntPtr(owner, 16, made);
        IntPtr shared = Api.Peek(owner);
        Marshal.WriteIntPtr(owner, 24, shared);
        Api.Retain(shared);
    }

    void ReflectionStores(System.Reflection.FieldInfo field, System.Reflection.PropertyInfo property)
    {
        IntPtr made = Api.Make();
        field.SetValue(null, made);
        IntPtr other = Api.Make();
        property.SetValue(null, other);
    }

    void ReleaseList(int count)
    {
        var toRelease = new System.Collections.Generic.List<IntPtr>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                IntPtr h = Api.Make();
                toRelease.Add(h);
            }
        }
        finally
        {
            foreach (IntPtr h in toRelease)
            {
                Api.Drop(h);
            }
        }
    }

    void WrapperKeepsItAlive()
    {
        IntPtr h = Api.Make();
        using var wrapper = new Wrapper(h);
        IntPtr item = Api.Peek(h);
    }

    void UnconfiguredOutIsNoReference()
    {
        Native.Helpers.Locate(out IntPtr somewhere);
        Api.Retain(somewhere);
        Api.Drop(somewhere);
    }
}

namespace Native
{
    public static class Helpers
    {
        public static void Locate(out IntPtr where) => where = IntPtr.Zero;
    }
}").RunAsync();

    [Fact]
    public Task AStealingConstructorOverloadTakesOnlyHandles() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(@"root = true

[*.cs]
refsafety.new_reference_methods = Lib.Native.Make
refsafety.stealing_parameters = Lib.Str..ctor(0)
").WithSource(@"
using System;
using System.Runtime.InteropServices;

namespace Lib
{
    public static class Native
    {
        [DllImport(""native"")] public static extern IntPtr Make();
    }

    public class Str
    {
        private IntPtr _raw;
        public Str(IntPtr raw) { _raw = raw; }
        public Str(string text) : this(Native.Make()) { }
        public Str(int number) : this(text: number.ToString()) { }
    }
}

class C
{
    Lib.Str Key(string key) => new Lib.Str(key);

    Lib.Str Number(short value) => new Lib.Str((int)value);
}").RunAsync();

    internal const string VtableConfig = @"root = true

[*.cs]
refsafety.presets = com
refsafety.stealing_parameters = Interop.Unknown..ctor(0)
";

    internal const string Vtable = @"
using System;
using System.Runtime.InteropServices;

namespace Interop
{
    public unsafe struct UnknownVtable
    {
        public delegate* unmanaged<IntPtr, Guid*, IntPtr*, int> QueryInterface;
        public delegate* unmanaged<IntPtr, int> AddRef;
        public delegate* unmanaged<IntPtr, int> Release;
    }

    public unsafe sealed class Unknown
    {
        private readonly IntPtr _self;

        // Takes the caller's reference: keeps it when the interface is right, gives it back through the vtable when not.
        public Unknown(IntPtr self, bool keep)
        {
            UnknownVtable* vtable = *(UnknownVtable**)self;
            if (!keep)
            {
                vtable->Release(self);
                return;
            }

            _self = self;
        }
    }
}
";

    [Fact]
    public Task AReleaseThroughAVtableSlotConsumesTheReference() => RuleTest.For<OwnershipAnalyzer>().WithUnsafe().WithEditorConfig(VtableConfig).WithSource(Vtable + @"
unsafe class C
{
    void AddThenRelease(object o)
    {
        IntPtr unknown = Marshal.GetIUnknownForObject(o);
        Interop.UnknownVtable* vtable = *(Interop.UnknownVtable**)unknown;
        vtable->AddRef(unknown);
        vtable->Release(unknown);
        vtable->Release(unknown);
    }
}").RunAsync();

    internal const string ChainConfig = @"root = true

[*.cs]
refsafety.increment_methods = Lib.Native.Retain
refsafety.decrement_methods = Lib.Native.Drop
refsafety.new_reference_methods = Lib.Native.Make
refsafety.stealing_parameters = Lib.Owner..ctor(0)
";

    internal const string Chain = @"
using System;
using System.Runtime.InteropServices;

namespace Lib
{
    public static class Native
    {
        [DllImport(""native"")] private static extern void RetainRaw(IntPtr h);
        [DllImport(""native"")] private static extern void DropRaw(IntPtr h);
        [DllImport(""native"")] public static extern IntPtr Make();

        // The configured primitives themselves: their bodies are trusted, not checked against their own contract.
        public static void Retain(IntPtr h) => RetainRaw(h);
        public static void Drop(IntPtr h) { if (h != IntPtr.Zero) DropRaw(h); }
    }

    public class Owner
    {
        private IntPtr _raw;
        public Owner(IntPtr raw) { _raw = raw; }
    }

    // Hands its parameter on to the stealing base constructor: it steals too, and so does whoever chains to it.
    public class Special : Owner
    {
        public Special(IntPtr raw) : base(raw) { }
        public Special(IntPtr raw, int tag) : this(raw) { }
    }
}
";

    [Fact]
    public Task ConstructorsChainingToAStealingConstructorStealAndConfiguredPrimitivesAreTrusted() => RuleTest.For<OwnershipAnalyzer>().WithEditorConfig(ChainConfig).WithSource(Chain + @"
class C
{
    Lib.Owner Direct() => new Lib.Special(Lib.Native.Make());

    Lib.Owner Tagged()
    {
        IntPtr raw = Lib.Native.Make();
        return new Lib.Special(raw, 1);
    }
}").RunAsync();
}

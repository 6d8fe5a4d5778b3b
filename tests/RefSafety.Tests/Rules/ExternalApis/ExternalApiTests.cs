using System.Threading.Tasks;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.ExternalApis;

/// <summary>The balance rules on refcount APIs outside RefHeap, declared in .editorconfig (docs/ownership.md).</summary>
public class CApiBindingTests
{
    private const string EditorConfig = @"root = true

[*.cs]
refsafety.increment_methods = Python.Runtime.Runtime.XIncref
refsafety.decrement_methods = Python.Runtime.Runtime.XDecref
refsafety.new_reference_methods = Python.Runtime.Runtime.PyTuple_New, Python.Runtime.Runtime.PyLong_FromLong
refsafety.borrowed_reference_methods = Python.Runtime.Runtime.PyTuple_GetItem
refsafety.stealing_parameters = Python.Runtime.Runtime.PyTuple_SetItem(2), Python.Runtime.PyObject..ctor(0)
";

    private const string Binding = @"
using System;
using System.Runtime.InteropServices;
using Python.Runtime;

namespace Python.Runtime
{
    public class PyObject
    {
        private IntPtr _handle;

        public PyObject(IntPtr handle) => _handle = handle; // the wrapper owns the handle now
    }

    public static class Runtime
    {
        [DllImport(""python3"")] public static extern void XIncref(IntPtr op);
        [DllImport(""python3"")] public static extern void XDecref(IntPtr op);
        [DllImport(""python3"")] public static extern IntPtr PyTuple_New(long size);
        [DllImport(""python3"")] public static extern IntPtr PyTuple_GetItem(IntPtr tuple, long index);
        [DllImport(""python3"")] public static extern int PyTuple_SetItem(IntPtr tuple, long index, IntPtr item);
        [DllImport(""python3"")] public static extern IntPtr PyLong_FromLong(long value);
    }
}
";

    [Fact]
    public Task CorrectBindingCodeIsSilent() => RuleTest.For<OwnershipAnalyzer>()
        .WithEditorConfig(EditorConfig)
        .WithSource(Binding + @"
class C
{
    PyObject Pair(long a, long b)
    {
        IntPtr tuple = Runtime.PyTuple_New(2);
        IntPtr first = Runtime.PyLong_FromLong(a);
        Runtime.PyTuple_SetItem(tuple, 0, first);          // stolen
        IntPtr second = Runtime.PyLong_FromLong(b);
        Runtime.PyTuple_SetItem(tuple, 1, second);
        IntPtr borrowed = Runtime.PyTuple_GetItem(tuple, 0);
        Runtime.XIncref(borrowed);
        Runtime.XDecref(borrowed);
        return new PyObject(tuple);                         // the wrapper steals the tuple
    }
}")
        .RunAsync();

    [Fact]
    public Task LeakOnTheErrorPath() => RuleTest.For<OwnershipAnalyzer>()
        .WithEditorConfig(EditorConfig)
        .WithSource(Binding + @"
class C
{
    void M(bool fail)
    {
        IntPtr tuple = Runtime.PyTuple_New(1);
        if (fail)
        {
            {|REFS001:return;|}
        }

        Runtime.XDecref(tuple);
    }
}")
        .RunAsync();

    [Fact]
    public Task DecrefOfABorrowedItemAndOfAStolenOne() => RuleTest.For<OwnershipAnalyzer>()
        .WithEditorConfig(EditorConfig)
        .WithSource(Binding + @"
class C
{
    void Borrowed(IntPtr tuple)
    {
        IntPtr item = Runtime.PyTuple_GetItem(tuple, 0);
        {|REFS002:Runtime.XDecref(item)|};
    }

    void Stolen(IntPtr tuple)
    {
        IntPtr item = Runtime.PyLong_FromLong(7);
        Runtime.PyTuple_SetItem(tuple, 0, item);
        {|REFS002:Runtime.XDecref(item)|};
    }
}")
        .RunAsync();
}

public class PresetTests
{
    private const string Presets = "root = true\n\n[*.cs]\nrefsafety.presets = safehandle, com\n";

    [Fact]
    public Task SafeHandleReleaseConditionedOnTheSuccessFlag() => RuleTest.For<OwnershipAnalyzer>()
        .WithEditorConfig(Presets)
        .WithSource(@"
using System;
using System.Runtime.InteropServices;

class C
{
    static void Use(IntPtr raw) { }

    void Good(SafeHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            Use(handle.DangerousGetHandle());
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    void Leak(SafeHandle handle)
    {
        bool added = false;
        handle.DangerousAddRef(ref added);
        Use(handle.DangerousGetHandle());
    {|REFS001:}|}

    void Unconditioned(SafeHandle handle)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            Use(handle.DangerousGetHandle());
        }
        finally
        {
            {|REFS007:handle.DangerousRelease()|};
        }
    }

    void GuardedWithMore(SafeHandle handle, bool keep)
    {
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            Use(handle.DangerousGetHandle());
        }
        finally
        {
            if (added && !keep)
            {
                handle.DangerousRelease();
            }
            else if (added)
            {
                Use(handle.DangerousGetHandle());
                handle.DangerousRelease();
            }
        }
    }
}")
        .RunAsync();

    [Fact]
    public Task ComReferences() => RuleTest.For<OwnershipAnalyzer>()
        .WithEditorConfig(Presets)
        .WithSource(@"
using System;
using System.Runtime.InteropServices;

class C
{
    void Good(object o)
    {
        IntPtr unknown = Marshal.GetIUnknownForObject(o);
        try
        {
            Marshal.AddRef(unknown);
            Marshal.Release(unknown);
        }
        finally
        {
            Marshal.Release(unknown);
        }
    }

    void Leak(object o)
    {
        IntPtr unknown = Marshal.GetIUnknownForObject(o);
        Marshal.AddRef(unknown);
        Marshal.Release(unknown);
    {|REFS001:}|}

    void OverRelease(IntPtr borrowed) => {|REFS002:Marshal.Release(borrowed)|};
}")
        .RunAsync();

    [Fact]
    public Task QueryInterfaceHandsBackANewReferenceOnSuccess() => RuleTest.For<OwnershipAnalyzer>()
        .WithEditorConfig(Presets)
        .WithSource(@"
using System;
using System.Runtime.InteropServices;

class C
{
    static Guid iid = Guid.Empty;

    static void Use(IntPtr raw) { }

    void Checked(IntPtr unknown)
    {
        if (Marshal.QueryInterface(unknown, ref iid, out IntPtr queried) == 0)
        {
            Use(queried);
            Marshal.Release(queried);
        }
    }

    void CheckedByPointer(IntPtr unknown)
    {
        int hr = Marshal.QueryInterface(unknown, ref iid, out IntPtr queried);
        if (queried == IntPtr.Zero)
        {
            return;
        }

        Marshal.Release(queried);
    }

    void Leak(IntPtr unknown)
    {
        if (Marshal.QueryInterface(unknown, ref iid, out IntPtr queried) >= 0)
        {
            Use(queried);
        }
    {|REFS001:}|}
}")
        .RunAsync();

    [Fact]
    public Task WithoutConfigurationHandlesAreNotTracked() => RuleTest.For<OwnershipAnalyzer>()
        .WithSource(@"
using System;
using System.Runtime.InteropServices;

class C
{
    void M(object o)
    {
        IntPtr unknown = Marshal.GetIUnknownForObject(o);
        Marshal.Release(unknown);
        Marshal.Release(unknown);
    }
}")
        .RunAsync();
}

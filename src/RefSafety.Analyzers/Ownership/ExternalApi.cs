using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace RefSafety.Analyzers.Ownership;

/// <summary>
/// Reference-counting APIs outside RefHeap, declared in .editorconfig, so the same analysis checks a CPython C-API
/// binding (IntPtr handles), SafeHandle or COM code. Keys (values are comma-separated):
/// <list type="bullet">
/// <item><c>refsafety.increment_methods</c> / <c>refsafety.decrement_methods</c>: <c>Type.Method</c> (the handle is the first argument, or the receiver when there is none)</item>
/// <item><c>refsafety.new_reference_methods</c> / <c>refsafety.borrowed_reference_methods</c>: what a method returns;
/// <c>Type.Method(index)</c> names what it hands back through its <c>out</c> parameter at that index</item>
/// <item><c>refsafety.stealing_parameters</c>: <c>Type.Method(index)</c>; <c>Type..ctor(index)</c> for a constructor that wraps (steals) a handle</item>
/// <item><c>refsafety.borrowed_views</c>: <c>Type.Property</c>, a property that reads a wrapper's handle without taking its reference</item>
/// <item><c>refsafety.presets</c>: <c>safehandle</c>, <c>com</c></item>
/// </list>
/// Type names are full metadata names (<c>Python.Runtime.Runtime.XIncref</c>). Values, not types, are counted: an
/// IntPtr counts only when it comes from one of these names (see <see cref="Mentions(IMethodSymbol)"/>).
/// </summary>
internal sealed class ExternalApi
{
    public static readonly ExternalApi None = new(new Dictionary<string, string>());

    private const string SafeHandle = "System.Runtime.InteropServices.SafeHandle";
    private const string Marshal = "System.Runtime.InteropServices.Marshal";

    private readonly HashSet<string> _increments;
    private readonly HashSet<string> _decrements;
    private readonly HashSet<string> _newReferences;
    private readonly HashSet<string> _borrowedReferences;
    private readonly HashSet<string> _stolenArguments;
    private readonly HashSet<string> _borrowedViews;
    private readonly HashSet<string> _keptAlive;
    private readonly HashSet<string> _mentioned = new(StringComparer.Ordinal);
    private readonly HashSet<string> _mentionedMembers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _identifiers = new(StringComparer.Ordinal);
    private readonly bool _safeHandles;

    private static readonly string[] Keys = { "refsafety.increment_methods", "refsafety.decrement_methods", "refsafety.new_reference_methods", "refsafety.borrowed_reference_methods", "refsafety.stealing_parameters", "refsafety.borrowed_views", "refsafety.keeps_alive_parameters", "refsafety.presets" };

    private ExternalApi(IReadOnlyDictionary<string, string> options)
    {
        _increments = Names(options, "refsafety.increment_methods");
        _decrements = Names(options, "refsafety.decrement_methods");
        _newReferences = Names(options, "refsafety.new_reference_methods");
        _borrowedReferences = Names(options, "refsafety.borrowed_reference_methods");
        _stolenArguments = Names(options, "refsafety.stealing_parameters");
        _borrowedViews = Names(options, "refsafety.borrowed_views");
        _keptAlive = Names(options, "refsafety.keeps_alive_parameters");
        HashSet<string> presets = Names(options, "refsafety.presets");
        if (presets.Contains("safehandle"))
        {
            _safeHandles = true;
            _increments.Add(SafeHandle + ".DangerousAddRef");
            _decrements.Add(SafeHandle + ".DangerousRelease");
        }

        if (presets.Contains("com"))
        {
            ComVtables = true;
            _increments.Add(Marshal + ".AddRef");
            _decrements.Add(Marshal + ".Release");
            _newReferences.Add(Marshal + ".GetIUnknownForObject");
            _newReferences.Add(Marshal + ".GetComInterfaceForObject");
            _newReferences.Add(Marshal + ".QueryInterface(2)");
        }

        TracksHandles = _increments.Count + _decrements.Count + _newReferences.Count + _borrowedReferences.Count + _stolenArguments.Count + _borrowedViews.Count > 0;

        // Every configured member without its "(index)", and its simple name: the cheap first test of Mentions.
        foreach (string name in _increments.Concat(_decrements).Concat(_newReferences).Concat(_borrowedReferences).Concat(_stolenArguments).Concat(_borrowedViews).Concat(_keptAlive))
        {
            int index = name.EndsWith(")", StringComparison.Ordinal) ? name.LastIndexOf('(') : -1;
            string member = index > 0 ? name.Substring(0, index) : name;
            _mentioned.Add(member);
            // "Type..ctor": the member is ".ctor", dot included.
            _mentionedMembers.Add(member.EndsWith("..ctor", StringComparison.Ordinal) ? ".ctor" : member.Substring(member.LastIndexOf('.') + 1));

            // What source must spell to name it: a method's or property's simple name, a constructor's type name.
            string named = member.EndsWith("..ctor", StringComparison.Ordinal) ? member.Substring(0, member.Length - "..ctor".Length) : member;
            _identifiers.Add(named.Substring(named.LastIndexOf('.') + 1));
        }
    }

    /// <summary>
    /// The com preset: a call through a function pointer read from a vtable slot named <c>AddRef</c> or <c>Release</c>
    /// (<c>vtable->Release(self)</c>, how IUnknown is called without the runtime's marshalling) counts its first argument.
    /// </summary>
    public bool ComVtables { get; }

    /// <summary>True when any external API is configured: IntPtr/nint variables (and SafeHandles) are then tracked.</summary>
    public bool TracksHandles { get; }

    /// <summary>Reads the options of one file.</summary>
    public static ExternalApi From(AnalyzerConfigOptions options)
    {
        var values = new Dictionary<string, string>();
        foreach (string key in Keys)
        {
            if (options.TryGetValue(key, out string? value))
            {
                values[key] = value;
            }
        }

        return values.Count == 0 ? None : new ExternalApi(values);
    }

    /// <summary>
    /// Whether a body's source may name a configured API (an identifier spelled like one of its members or
    /// constructors' types; under the safehandle preset, any <c>new</c> or using of a SafeHandle). Syntax only, so that
    /// a project with no RefHeap pays nothing for the many bodies that name no API: an over-approximation (a local of
    /// the same name passes), never an under-one for code that calls the API directly.
    /// </summary>
    public bool MayBeNamedIn(SyntaxNode body)
    {
        foreach (SyntaxNode node in body.DescendantNodes())
        {
            if (node is Microsoft.CodeAnalysis.CSharp.Syntax.SimpleNameSyntax name && _identifiers.Contains(name.Identifier.ValueText))
            {
                return true;
            }

            if (_safeHandles && node is Microsoft.CodeAnalysis.CSharp.Syntax.BaseObjectCreationExpressionSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.UsingStatementSyntax
                or Microsoft.CodeAnalysis.CSharp.Syntax.LocalDeclarationStatementSyntax { UsingKeyword.RawKind: not 0 })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A handle the configured APIs count: IntPtr/nint, or a SafeHandle under the safehandle preset.</summary>
    public bool IsHandle(ITypeSymbol? type)
    {
        if (!TracksHandles || type is null)
        {
            return false;
        }

        if (type.SpecialType is SpecialType.System_IntPtr)
        {
            return true;
        }

        return IsSafeHandle(type);
    }

    /// <summary>A SafeHandle under the safehandle preset: the object itself is counted, from its creation on.</summary>
    public bool IsSafeHandle(ITypeSymbol? type) => _safeHandles && DerivesFromSafeHandle(type);

    /// <summary>Whether <paramref name="type"/> is <c>System.Runtime.InteropServices.SafeHandle</c> or derives from it, whatever the presets.</summary>
    public static bool DerivesFromSafeHandle(ITypeSymbol? type)
    {
        for (ITypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (t.Name == "SafeHandle" && t.ToDisplayString() == SafeHandle)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A method, constructor or property named in the configuration, in any role. A body that mentions none of them
    /// (and no SafeHandle, and no RefHeap symbol) has no counted value: the analysis has nothing to report there.
    /// </summary>
    public bool Mentions(IMethodSymbol method) =>
        (_mentionedMembers.Contains(method.Name) && _mentioned.Contains(FullName(method)))
        || method.AssociatedSymbol is IPropertySymbol property && IsBorrowedView(property);

    /// <summary>A property configured in refsafety.borrowed_views: it reads a wrapper's reference without taking it.</summary>
    public bool IsBorrowedView(IPropertySymbol property) =>
        _borrowedViews.Count > 0 && _mentionedMembers.Contains(property.Name) && _borrowedViews.Contains(TypeName(property.ContainingType) + "." + property.Name);

    /// <summary>
    /// <c>Dispose()</c> or <c>Close()</c> on a SafeHandle (safehandle preset): releases the handle's own reference. A
    /// SafeHandle may be disposed any number of times, so a dispose of a handle the method does not own is no
    /// over-release (see <see cref="OwnershipFlow"/>).
    /// </summary>
    public bool Disposes(IMethodSymbol method, ITypeSymbol? receiverType) =>
        _safeHandles && method.Name is "Dispose" or "Close" && method.Parameters.Length == 0 && IsSafeHandle(receiverType);

    /// <summary>The argument whose handle the call adds (-1: the receiver), or null if the method is no increment.</summary>
    public int? Increments(IMethodSymbol method) => HandleArgument(method, _increments);

    /// <summary>The argument whose handle the call releases (-1: the receiver), or null if the method is no decrement.</summary>
    public int? Decrements(IMethodSymbol method) => HandleArgument(method, _decrements);

    public ReturnOwnership ReturnOf(IMethodSymbol method) =>
        Lists(_newReferences, method) ? ReturnOwnership.New : Lists(_borrowedReferences, method) ? ReturnOwnership.Borrowed : ReturnOwnership.None;

    /// <summary>What the method hands back through its <c>out</c> parameter at <paramref name="ordinal"/>.</summary>
    public ReturnOwnership OutOf(IMethodSymbol method, int ordinal) =>
        Lists(_newReferences, method, ordinal) ? ReturnOwnership.New : Lists(_borrowedReferences, method, ordinal) ? ReturnOwnership.Borrowed : ReturnOwnership.None;

    /// <summary>
    /// The configured method steals its argument at <paramref name="ordinal"/>. `Type..ctor(0)` names every overload,
    /// so only an overload whose parameter there is a handle takes one (`PyInt(int)` chaining to `PyInt(IntPtr)` does not).
    /// </summary>
    public bool Steals(IMethodSymbol method, int ordinal) =>
        ordinal < method.Parameters.Length && IsHandle(method.Parameters[ordinal].Type)
            && (Lists(_stolenArguments, method, ordinal) || TakesSafeHandle(method, method.Parameters[ordinal]));

    /// <summary>
    /// The new reference the configured method returns keeps its argument at <paramref name="ordinal"/> alive for as
    /// long as it lives (refsafety.keeps_alive_parameters: CPython's allocators, whose object holds its type).
    /// </summary>
    public bool KeepsAlive(IMethodSymbol method, int ordinal) => Lists(_keptAlive, method, ordinal);

    /// <summary>
    /// safehandle preset: a disposable object of a library constructed from a SafeHandle owns it
    /// (<c>new FileStream(handle, …)</c> disposes the handle with the stream), the .NET convention CA2000 also assumes
    /// for constructors. Constructors with source are not assumed to: many only use the handle they are given.
    /// </summary>
    private bool TakesSafeHandle(IMethodSymbol method, IParameterSymbol parameter) =>
        _safeHandles && method.MethodKind == MethodKind.Constructor && method.DeclaringSyntaxReferences.IsEmpty && parameter.RefKind == RefKind.None && IsSafeHandle(parameter.Type)
            && !IsSafeHandle(method.ContainingType) && method.ContainingType.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_IDisposable);

    private int? HandleArgument(IMethodSymbol method, HashSet<string> names) =>
        !Lists(names, method) ? null : method.Parameters.Length > 0 && !method.Parameters[0].IsThis && method.IsStatic ? 0 : -1;

    /// <summary>
    /// Whether <paramref name="names"/> lists the method (with <paramref name="ordinal"/>: its parameter, `Type.Method(1)`).
    /// Every call the analysis meets asks: the simple name is tested first, so the full name is formatted only for
    /// methods the configuration may name.
    /// </summary>
    private bool Lists(HashSet<string> names, IMethodSymbol method, int? ordinal = null) =>
        names.Count > 0 && _mentionedMembers.Contains(method.Name)
            && names.Contains(ordinal is { } index ? FullName(method) + "(" + index + ")" : FullName(method));

    private static string FullName(IMethodSymbol method) => TypeName(method.ContainingType) + "." + method.Name;

    private static string TypeName(INamedTypeSymbol type) =>
        type.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat.WithGenericsOptions(SymbolDisplayGenericsOptions.None));

    private static HashSet<string> Names(IReadOnlyDictionary<string, string> options, string key) =>
        options.TryGetValue(key, out string? value)
            ? new HashSet<string>(value.Split(',').Select(v => v.Trim()).Where(v => v.Length > 0), StringComparer.Ordinal)
            : new HashSet<string>(StringComparer.Ordinal);
}

using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using RefSafety.Analyzers.Ownership;
using RefSafety.Analyzers.Rules;
using Xunit;

namespace RefSafety.Tests.Rules.Prefilter;

/// <summary>
/// With an API configured in .editorconfig, the prefilter still decides per body: only a body that names a configured
/// method, constructor or borrowed view (or a SafeHandle under the preset, or a RefHeap symbol) is analysed. The
/// analysis counts values, not types, so a body that names none of them holds nothing it could report on.
/// </summary>
public class ExternalApiPrefilterTests
{
    private static readonly Dictionary<string, string> Options = new()
    {
        ["refsafety.increment_methods"] = "Native.Api.Retain",
        ["refsafety.decrement_methods"] = "Native.Api.Drop",
        ["refsafety.stealing_parameters"] = "Native.Wrapper..ctor(0)",
        ["refsafety.borrowed_views"] = "Native.Wrapper.Raw",
    };

    private const string Source = @"
using System;
using System.Runtime.InteropServices;

namespace Native
{
    public static class Api
    {
        public static void Retain(IntPtr h) { }
        public static void Drop(IntPtr h) { }
    }

    public sealed class Wrapper
    {
        public Wrapper(IntPtr raw) { Raw = raw; }
        public IntPtr Raw { get; }
    }
}

class C
{
    private IntPtr _buffer;

    void Plain(IntPtr p, int size)
    {
        IntPtr block = Marshal.AllocHGlobal(size);
        _buffer = block + 8;
        _buffer = p;
        Marshal.FreeHGlobal(block);
    }

    void Counts(IntPtr p) => Native.Api.Retain(p);

    Native.Wrapper Wraps(IntPtr p) => new Native.Wrapper(p);

    IntPtr Views(Native.Wrapper w) => w.Raw;
}";

    [Theory]
    [InlineData("Plain", false)]
    [InlineData("Counts", true)]
    [InlineData("Wraps", true)]
    [InlineData("Views", true)]
    public void OnlyBodiesNamingTheApiAreAnalysed(string method, bool analysed)
    {
        (IOperation body, IMethodSymbol symbol, OwnershipModel model) = Body(method);
        ExternalApi api = ExternalApi.From(new EditorConfigOptions(string.Join("\n", Options.Select(o => o.Key + " = " + o.Value))));
        Assert.True(api.TracksHandles);
        Assert.Equal(analysed, OwnershipBodyScan.Of(body, symbol, model, api).MayFind);
    }

    private static (IOperation Body, IMethodSymbol Symbol, OwnershipModel Model) Body(string method)
    {
        string[] platform = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(System.IO.Path.PathSeparator);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Prefilter",
            new[] { CSharpSyntaxTree.ParseText(Source) },
            platform.Select(path => MetadataReference.CreateFromFile(path)).Append(TestReferences.RefHeap),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        SyntaxTree tree = compilation.SyntaxTrees[0];
        SemanticModel semantics = compilation.GetSemanticModel(tree);
        MethodDeclarationSyntax declaration = tree.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>().Single(m => m.Identifier.ValueText == method);
        IOperation body = semantics.GetOperation(declaration)!;
        return (body, semantics.GetDeclaredSymbol(declaration)!, OwnershipModel.TryCreate(compilation)!);
    }
}

using System.Collections.Immutable;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace RefSafety.Tests;

/// <summary>
/// Runs an analyzer (and optionally a code fix) over test sources compiled against .NET 8 reference assemblies
/// and the real RefHeap assembly. Every fixed document is compiled: a fix that breaks the build fails the test.
/// </summary>
public static class Verify<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    /// <summary>The analyzer reports exactly <paramref name="expected"/> (and markup spans) on <paramref name="source"/>.</summary>
    public static Task Diagnostics(string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = source };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>As <see cref="Diagnostics"/>, with an .editorconfig (for options such as the external ownership APIs).</summary>
    public static Task DiagnosticsWithConfig(string editorConfig, string source, params DiagnosticResult[] expected)
    {
        var test = new AnalyzerTest { TestCode = source };
        test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", editorConfig));
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>The analyzer reports nothing on <paramref name="source"/>.</summary>
    public static Task Valid(string source) => Diagnostics(source);

    /// <summary>A diagnostic for <paramref name="descriptor"/> (locate it with markup or WithLocation).</summary>
    public static DiagnosticResult Diagnostic(DiagnosticDescriptor descriptor) => new(descriptor);

    /// <summary>Applies <typeparamref name="TCodeFix"/> (the action with <paramref name="equivalenceKey"/>, if given) and compares with <paramref name="fixedSource"/>.</summary>
    public static Task CodeFix<TCodeFix>(string source, string fixedSource, string? equivalenceKey = null, params DiagnosticResult[] expected)
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TCodeFix>
        {
            TestCode = source,
            FixedCode = fixedSource,
            CodeActionEquivalenceKey = equivalenceKey,
        };
        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    private sealed class AnalyzerTest : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public AnalyzerTest() => TestSupport.Configure(TestState, this);
    }

    private sealed class CodeFixTest<TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        where TCodeFix : CodeFixProvider, new()
    {
        public CodeFixTest()
        {
            TestSupport.Configure(TestState, this);
            TestSupport.Configure(FixedState, this);
        }
    }
}

/// <summary>References shared by every RefSafety test: .NET 8 reference assemblies plus the built RefHeap.dll.</summary>
public static class TestSupport
{
    public static readonly MetadataReference RefHeapReference =
        MetadataReference.CreateFromFile(typeof(RefHeap.RefObject).Assembly.Location);

    internal static void Configure(SolutionState state, AnalyzerTest<DefaultVerifier> test)
    {
        test.ReferenceAssemblies = ReferenceAssemblies.Net.Net80;
        state.AdditionalReferences.Add(RefHeapReference);
    }
}

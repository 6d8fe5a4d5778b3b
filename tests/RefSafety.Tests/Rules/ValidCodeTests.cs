using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Xunit;

namespace RefSafety.Tests.Rules;

/// <summary>Realistic correct RefHeap programs (tests/RefSafety.Tests/ValidCode): every analyzer stays silent on them.</summary>
public class ValidCodeTests
{
    public static TheoryData<string> CorpusFiles()
    {
        var data = new TheoryData<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(System.AppContext.BaseDirectory, "ValidCode"), "*.cs").OrderBy(f => f))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public async Task EveryAnalyzerIsSilent(string file)
    {
        string source = File.ReadAllText(Path.Combine(System.AppContext.BaseDirectory, "ValidCode", file));

        var (compiler, analyzers) = await AllAnalyzers.RunAsync(source);

        Assert.Empty(compiler.Where(d => d.Severity == DiagnosticSeverity.Error));
        Assert.Empty(analyzers);
    }

    [Fact]
    public void TheCorpusIsNotEmptyAndEveryAnalyzerIsFound()
    {
        Assert.True(CorpusFiles().Count >= 3);
        Assert.Contains(AllAnalyzers.Instances, a => a.SupportedDiagnostics.Any(d => d.Id == "REFS001"));
        Assert.Contains(AllAnalyzers.Instances, a => a.SupportedDiagnostics.Any(d => d.Id == "REFS006"));
    }
}

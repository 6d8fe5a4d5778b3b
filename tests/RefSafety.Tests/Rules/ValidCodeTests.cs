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
    public Task EveryAnalyzerIsSilent(string file) =>
        RuleTest.ForAllAnalyzers()
            .WithNullable()
            .WithSource(File.ReadAllText(Path.Combine(System.AppContext.BaseDirectory, "ValidCode", file)))
            .RunAsync();

    [Fact]
    public void TheCorpusIsNotEmptyAndEveryAnalyzerIsFound()
    {
        Assert.True(CorpusFiles().Count >= 3);
        Assert.Contains(TestReferences.AllAnalyzers, a => a.SupportedDiagnostics.Any(d => d.Id == "REFS001"));
        Assert.Contains(TestReferences.AllAnalyzers, a => a.SupportedDiagnostics.Any(d => d.Id == "REFS006"));
    }
}

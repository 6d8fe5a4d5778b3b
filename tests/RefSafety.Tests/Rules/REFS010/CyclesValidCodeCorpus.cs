using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;

namespace RefSafety.Tests.Rules;

/// <summary>
/// The cycle rules' part of the ValidCode corpus (tests/RefSafety.Tests/ValidCode/Cycles*.cs): realistic correct
/// programs on which none of the five cycle and finalizer analyzers reports anything. Until the shared corpus harness
/// runs every analyzer over the whole folder, this test runs ours over our files.
/// </summary>
public class CyclesValidCodeCorpus
{
    [Fact]
    public async Task CycleAnalyzersAreSilentOnTheCyclesCorpus()
    {
        string folder = Path.Combine(RepositoryRoot(), "tests", "RefSafety.Tests", "ValidCode");
        string[] files = Directory.GetFiles(folder, "Cycles*.cs");
        Assert.NotEmpty(files);
        await CycleAnalyzers.AssertSilent(files.Select(File.ReadAllText).ToArray());
    }

    private static string RepositoryRoot()
    {
        string? dir = System.AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "RefSafety.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new DirectoryNotFoundException("RefSafety.sln not found above the test output folder");
    }
}

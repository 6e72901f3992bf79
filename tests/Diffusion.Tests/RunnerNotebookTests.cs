using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>The suite's notebook check: every notebooks/*.dib runs to the end in smoke mode, one test each.</summary>
public class RunnerNotebookTests
{
    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(KitPaths.Notebooks, "*.dib").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(path));
        return data;
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task NotebookRunsInSmokeMode(string notebook)
    {
        var outDir = TempDir("smoke-" + notebook);
        var path = Path.Combine(KitPaths.Notebooks, notebook + ".dib");

        var summary = await RunAsync(outDir, KitMode.Smoke, 300, report: false, path);

        var result = Assert.Single(summary.Results);
        Assert.True(result.Status == NotebookStatus.Ok, $"{notebook} {NotebookRun.Describe(result)}");
    }
}

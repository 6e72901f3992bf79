using Diffusion.Kit.Notebooks;

namespace Diffusion.Tests;

/// <summary>The suite's notebook check: every notebooks/*.dib runs to the end in smoke mode in the kit's kernel host, one test each.</summary>
[Collection(SmokeRunsCollection.Name)]
public class RunnerNotebookTests(SmokeRuns runs)
{
    public static TheoryData<string> Notebooks() => SmokeRuns.Notebooks();

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void NotebookRunsInSmokeMode(string notebook)
    {
        var result = SmokeRuns.ResultOf(runs.Kit, notebook);

        Assert.True(result.Status == NotebookStatus.Ok, $"{notebook} {NotebookRun.Describe(result)}");
    }
}

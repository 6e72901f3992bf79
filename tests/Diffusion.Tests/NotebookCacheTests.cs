using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>
/// The main job's cache: a notebook run again with nothing changed is replayed (its cells do not execute, its
/// executed notebook is the stored one, the result says so); any change to its text runs it again; a failed run is
/// never stored. Each cell appends to a tally file, so the tests see whether the cells really ran.
/// </summary>
public sealed class NotebookCacheTests
{
    static (string Notebook, string Tally, NotebookCache Cache, string Out) Setup(string tag, string body)
    {
        var dir = TempDir(tag);
        var tally = Path.Combine(dir, "tally.txt");
        var notebook = WriteNotebook(dir, "cached",
            ("markdown", "# a cached notebook"),
            ("csharp", $"System.IO.File.AppendAllText(@\"{tally}\", \"ran \");\n{body}"));
        return (notebook, tally, new NotebookCache(Path.Combine(dir, "cache")), Path.Combine(dir, "out"));
    }

    static Task<RunSummary> Run(string notebook, string outDir, NotebookCache cache) =>
        NotebookRun.RunAsync(new RunOptions([notebook], KitMode.Pretrained, TimeSpan.FromSeconds(120), outDir, WriteReport: true, Cache: cache),
            _ => { }, CancellationToken.None);

    [Fact]
    public async Task AnUnchangedNotebookIsReplayedAndAChangedOneRunsAgain()
    {
        var (notebook, tally, cache, outDir) = Setup("cache-hit", "Console.WriteLine(6 * 7);");
        var first = await Run(notebook, outDir, cache);
        Assert.True(first.AllOk, NotebookRun.Describe(first.Results[0]));
        Assert.Null(first.Results[0].ReplayedFrom);
        var executed = File.ReadAllText(Path.Combine(outDir, "notebooks", "cached.ipynb"));
        Assert.Contains("42", executed);

        File.Delete(Path.Combine(outDir, "notebooks", "cached.ipynb"));
        var second = await Run(notebook, outDir, cache);
        Assert.NotNull(second.Results[0].ReplayedFrom);
        Assert.Equal("ran ", File.ReadAllText(tally));      // the cell did not run again
        Assert.Equal(executed, File.ReadAllText(Path.Combine(outDir, "notebooks", "cached.ipynb")));
        Assert.Contains("Cached: every figure below", File.ReadAllText(second.ReportPath!));

        File.AppendAllText(notebook, "\n");                 // any byte of the notebook is in the key
        var third = await Run(notebook, outDir, cache);
        Assert.Null(third.Results[0].ReplayedFrom);
        Assert.Equal("ran ran ", File.ReadAllText(tally));
    }

    [Fact]
    public async Task AFailedRunIsNeverStored()
    {
        var (notebook, tally, cache, outDir) = Setup("cache-fail", "throw new InvalidOperationException(\"boom\");");
        Assert.False((await Run(notebook, outDir, cache)).AllOk);
        var again = await Run(notebook, outDir, cache);
        Assert.False(again.AllOk);
        Assert.Null(again.Results[0].ReplayedFrom);
        Assert.Equal("ran ran ", File.ReadAllText(tally));
    }
}

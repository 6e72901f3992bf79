using Diffusion.Display;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>
/// The figures the main job replays (data/figures/): `run` hands the notebook's identity to its kernel, a replayed
/// figure is not drawn and says so in the notebook, and every shipped figure is what its notebook draws today.
/// </summary>
public sealed class ShippedFigureTests
{
    static Task<RunSummary> Run(string notebook, string outDir, FigureCacheMode figures, KitMode mode = KitMode.Pretrained, int timeout = 120) =>
        NotebookRun.RunAsync(new RunOptions([notebook], mode, TimeSpan.FromSeconds(timeout), outDir, WriteReport: false, Figures: figures),
            _ => { }, CancellationToken.None);

    [Fact]
    public async Task RunStoresAFigureThenReplaysItWithoutDrawingIt()
    {
        var dir = TempDir("figures");
        var name = "figure-cache-test-" + Guid.NewGuid().ToString("N")[..8];
        var tally = Path.Combine(dir, "tally.txt");
        var model = Path.Combine(dir, "model.weights");
        File.WriteAllText(model, "weights");
        var notebook = WriteNotebook(dir, name,
            ("csharp", $"#r \"{Path.Combine(KitPaths.Root, "artifacts", "lib", "TorchSharp.dll")}\"\n#r \"{Path.Combine(KitPaths.Root, "artifacts", "lib", "Diffusion.Lib.dll")}\""),
            ("csharp", $$"""
                Diffusion.Runtime.TorchRuntime.Ensure();
                var figure = Diffusion.Display.FigureCache.Samples("ones", () =>
                {
                    System.IO.File.AppendAllText(@"{{tally}}", "drawn ");
                    return TorchSharp.torch.ones(2, 1, 4, 4);
                }, @"{{model}}");
                Console.WriteLine($"sum {figure.sum().item<float>()}");
                """));
        var stored = Path.Combine(FigureCache.DefaultFolder, name);
        try
        {
            var store = await Run(notebook, Path.Combine(dir, "store"), FigureCacheMode.Store);
            Assert.True(store.AllOk, NotebookRun.Describe(store.Results[0]));
            Assert.True(File.Exists(Path.Combine(stored, "ones.figure")), "run --refresh-figures stored nothing");
            Assert.Equal("drawn ", File.ReadAllText(tally));

            var replay = await Run(notebook, Path.Combine(dir, "replay"), FigureCacheMode.Replay);
            Assert.True(replay.AllOk, NotebookRun.Describe(replay.Results[0]));
            Assert.Equal("drawn ", File.ReadAllText(tally));   // not drawn again
            var executed = File.ReadAllText(Path.Combine(dir, "replay", "notebooks", name + ".ipynb"));
            Assert.Contains("sum 32", executed);
            Assert.Equal(1, NotebookRun.CachedFigures(Path.Combine(dir, "replay", "notebooks"), name));

            // Smoke mode and a kernel without the variable (a student's, the grader's) always draw.
            var smoke = await Run(notebook, Path.Combine(dir, "smoke"), FigureCacheMode.Off, KitMode.Smoke);
            Assert.True(smoke.AllOk, NotebookRun.Describe(smoke.Results[0]));
            Assert.Equal("drawn drawn ", File.ReadAllText(tally));
            Assert.Equal(0, NotebookRun.CachedFigures(Path.Combine(dir, "smoke", "notebooks"), name));

            // An edited notebook misses its figures.
            File.AppendAllText(notebook, "\n#!csharp\n\n1 + 1\n");
            var edited = await Run(notebook, Path.Combine(dir, "edited"), FigureCacheMode.Replay);
            Assert.True(edited.AllOk, NotebookRun.Describe(edited.Results[0]));
            Assert.Equal("drawn drawn drawn ", File.ReadAllText(tally));
        }
        finally
        {
            if (Directory.Exists(stored)) Directory.Delete(stored, true);
        }
    }

    [Fact]
    public async Task EveryShippedFigureIsWhatItsNotebookDrawsToday()
    {
        // The library's code is not in a figure's key, so this is what keeps the cache honest: each notebook with
        // figures in data/figures/ runs with the shipped models and fails if a stored figure is missing or differs.
        var notebooks = Directory.GetDirectories(FigureCache.DefaultFolder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(notebooks);
        var dir = TempDir("verify-figures");
        foreach (var name in notebooks)
        {
            var path = Path.Combine(KitPaths.Notebooks, name + ".dib");
            Assert.True(File.Exists(path), $"data/figures/{name}/ belongs to no notebook: remove it");
            var summary = await Run(path, dir, FigureCacheMode.Verify, timeout: 600);
            Assert.True(summary.AllOk, $"{name}: {NotebookRun.Describe(summary.Results[0])}");
        }
    }
}

using System.Diagnostics;
using Diffusion.Display;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>
/// `bench --only notebooks`: the main job measured as a fresh clone's `run` does it. Every notebook in pretrained mode
/// with the kit's kernel, one after another, the figures of data/figures/ replayed and no earlier run to replay whole:
/// its time from process start, its first cell (loading TorchSharp and the library: the cold start a student waits for),
/// how many figures it replayed, and the total.
/// </summary>
public static class NotebookBench
{
    public const double MainJobTargetSeconds = 300, ColdStartTargetSeconds = 5;

    public static async Task RunAsync(Action<string, object, string> report, CancellationToken cancel)
    {
        var outDir = Path.Combine(KitPaths.Out, "bench");
        double total = 0;
        var rows = new List<Dictionary<string, object>>();
        foreach (var path in NotebookRun.Resolve([], KitPaths.Notebooks))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            var options = new RunOptions([path], KitMode.Pretrained, TimeSpan.FromSeconds(600), outDir, WriteReport: false,
                Kernel: NotebookKernel.Kit, Cache: null, Figures: FigureCacheMode.Replay);
            var clock = Stopwatch.StartNew();
            var summary = await NotebookRun.RunAsync(options, _ => { }, cancel);
            double seconds = clock.Elapsed.TotalSeconds;
            total += seconds;
            var result = summary.Results[0];
            int cached = NotebookRun.CachedFigures(summary.NotebooksDir, name);
            double firstCell = result.Cells.Count > 0 ? result.Cells[0].Seconds : double.NaN;
            var slowest = result.Cells.OrderByDescending(c => c.Seconds).FirstOrDefault();
            rows.Add(new() { ["notebook"] = name, ["status"] = result.Status.ToString(), ["seconds"] = seconds, ["first_cell_seconds"] = firstCell, ["figures_cached"] = cached });
            Console.WriteLine($"  {name,-32} {NotebookRun.Describe(result),-6} {seconds,7:F1} s   first cell {firstCell,5:F1} s   {cached} figures cached" +
                (slowest is null ? "" : $"   slowest: cell {slowest.Cell} {slowest.Seconds:F1} s"));
        }
        report("notebooks", rows, $"{rows.Count} notebooks, pretrained mode, kit kernel, data/figures replayed");
        double coldest = rows.Max(r => (double)r["first_cell_seconds"]);
        report("notebook_first_cell_max_seconds", coldest, $"{coldest:F1} s: the slowest first cell (TorchSharp and the library loaded; target <= {ColdStartTargetSeconds:0} s)");
        report("main_job_seconds", total, $"{total:F0} s for every notebook, pretrained, as a fresh clone's `run` (target <= {MainJobTargetSeconds:0} s)");
    }
}

using System.Globalization;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>Executes the notebooks headless and writes the executed .ipynb files and the results page.</summary>
public sealed class RunVerb : IVerb
{
    public string Name => "run";
    public string Summary => "execute the notebooks headless; write out/notebooks/*.ipynb and out/report/index.html";
    public string Usage => $"""
        run [NAMES...] [--track ddpm|fm|both] [--mode smoke|pretrained|full] [--kernel kit|dotnet-interactive] [--cell-timeout SECONDS] [--out DIR] [--no-report] [--no-cache]
          NAMES             notebooks to run: file names in notebooks/ (with or without .dib), a unique
                            prefix such as 00, or paths; default every notebooks/*.dib, sorted by name
          --track           part B's version: ddpm (B2, B3), fm (flow matching: B4, B5) or both (default);
                            the report says which ran
          --mode            how much work the notebooks do (DIFFUSION_MODE); default pretrained
          --kernel          kit (default): the kit's own C# kernel host; dotnet-interactive: the tool behind
                            VS Code and Jupyter (.config/dotnet-tools.json), driven over its stdio protocol
          --cell-timeout    stop a cell that runs longer (default {DefaultCellTimeout(KitMode.Smoke)} s in smoke mode, {DefaultCellTimeout(KitMode.Full)} s otherwise)
          --out             output folder (default out/): DIR/notebooks/NAME.ipynb, DIR/report/index.html
          --no-report       skip the report
          --no-cache        execute every notebook; by default a pretrained run replays a notebook whose text,
                            library, kit, data and models are the same as a stored successful run's (the
                            report marks it cached); smoke and full runs always execute
        Each notebook runs in its own process with a fresh C# kernel whose working folder is the notebook's.
        Exit code 0 when every notebook succeeded, 1 otherwise.
        """;

    public static int DefaultCellTimeout(KitMode mode) => mode == KitMode.Smoke ? 180 : 600;

    public async Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        var mode = KitModes.Parse(args.String("mode", "pretrained"), "--mode");
        var timeout = args.Int("cell-timeout", DefaultCellTimeout(mode), min: 1);
        var outDir = Path.GetFullPath(args.String("out") ?? KitPaths.Out);
        bool report = !args.Flag("no-report");
        bool cache = !args.Flag("no-cache") && mode == KitMode.Pretrained;
        var kernel = NotebookKernels.Parse(args.String("kernel", NotebookKernels.KitName), "--kernel");
        var track = CourseTracks.Parse(args.String("track", "both"), "--track");
        args.RejectUnknown(Name);
        var notebooks = NotebookRun.Resolve(args.Positional, KitPaths.Notebooks).Where(p => track.Includes(p)).ToList();
        if (notebooks.Count == 0) throw new ArgumentException($"none of the notebooks named is on the {track.Name()} track.", "--track");

        DataVerb.EnsurePresent();
        var library = Path.Combine(KitPaths.Root, "artifacts", "lib", "Diffusion.Lib.dll");
        if (!File.Exists(library))
            Console.Error.WriteLine($"warning: {library} is missing, so notebooks cannot reference the library. " +
                                    "Build it with `dotnet build` (running the kit with `dotnet run --project tools/Diffusion.Kit` builds it too).");

        var options = new RunOptions(notebooks, mode, TimeSpan.FromSeconds(timeout), outDir, report, kernel, cache ? NotebookCache.Default : null);
        var wall = System.Diagnostics.Stopwatch.StartNew();
        var summary = await NotebookRun.RunAsync(options, Console.WriteLine, cancel);
        wall.Stop();

        Console.WriteLine();
        Console.WriteLine($"Notebooks ({mode.Name()} mode, {kernel.Name()} kernel):");
        foreach (var r in summary.Results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {(r.Status == NotebookStatus.Ok ? "ok" : r.Status.ToString().ToLowerInvariant()),-9} {r.Name,-28} {r.Seconds,7:0.0} s{(r.ReplayedFrom is null ? "" : "  cached")}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {"total",-9} {summary.Results.Count + " notebooks",-28} {wall.Elapsed.TotalSeconds,7:0.0} s  (with process starts and the report; {summary.Results.Count(r => r.ReplayedFrom is not null)} cached)"));
        foreach (var r in summary.Results.Where(r => r.Status != NotebookStatus.Ok))
            Console.Error.WriteLine($"\n{r.Name} {NotebookRun.Describe(r)}");
        Console.WriteLine($"\nExecuted notebooks: {summary.NotebooksDir}");
        if (summary.ReportPath is not null) Console.WriteLine($"Report: {summary.ReportPath}");
        if (summary.ReportProblem is not null) Console.Error.WriteLine($"Report warning: {summary.ReportProblem}");
        return summary.AllOk ? 0 : 1;
    }
}

using System.CommandLine;
using System.Globalization;
using Diffusion.Kit.Notebooks;
using Diffusion.Kit.Terminal;
using Diffusion.Display;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>Executes the notebooks headless and writes the executed .ipynb files and the results page.</summary>
public sealed class RunVerb : IVerb
{
    readonly Argument<string[]> _names = KitOptions.Words("NAMES",
        "notebooks to run: file names in notebooks/ (with or without .dib), a unique prefix such as 00, or paths; " +
        "default every notebooks/*.dib, sorted by name");
    readonly Option<string> _track = KitOptions.Word("--track",
        "part B's version: ddpm (B2, B3), fm (flow matching: B4, B5) or both; the report says which ran",
        t => CourseTracks.Parse(t, "--track"), "both", "ddpm|fm|both");
    readonly Option<string> _mode = KitOptions.Word("--mode", "how much work the notebooks do (DIFFUSION_MODE)",
        m => KitModes.Parse(m, "--mode"), "pretrained", "smoke|pretrained|full");
    readonly Option<string> _kernel = KitOptions.Word("--kernel",
        "kit: the kit's own C# kernel host; dotnet-interactive: the tool behind VS Code and Jupyter " +
        "(.config/dotnet-tools.json), driven over its stdio protocol",
        k => NotebookKernels.Parse(k, "--kernel"), NotebookKernels.KitName, $"{NotebookKernels.KitName}|{NotebookKernels.ToolName}");
    readonly Option<int?> _cellTimeout = KitOptions.IntOrNull("--cell-timeout",
        $"stop a cell that runs longer (default {DefaultCellTimeout(KitMode.Smoke)} s in smoke mode, {DefaultCellTimeout(KitMode.Full)} s otherwise)",
        min: 1, helpName: "SECONDS");
    readonly Option<string?> _out = KitOptions.TextOrNull("--out", "output folder (default out/): DIR/notebooks/NAME.ipynb, DIR/report/index.html", "DIR");
    readonly Option<bool> _noReport = KitOptions.Flag("--no-report", "skip the report");
    readonly Option<bool> _noCache = KitOptions.Flag("--no-cache",
        "execute every notebook; by default a pretrained run replays a notebook whose text, library, kit, data and models " +
        "are the same as a stored successful run's (the report marks it cached), and shows the 300-step figures of data/figures/ " +
        "drawn for the same notebook text and models; smoke and full runs always execute");
    readonly Option<bool> _refreshFigures = KitOptions.Flag("--refresh-figures",
        "execute every notebook and store its same-every-run figures in data/figures/ (commit them); pretrained mode only");
    readonly Option<bool> _verifyFigures = KitOptions.Flag("--verify-figures",
        "execute every notebook and fail a notebook whose stored figures are missing or differ from what it draws now; pretrained mode only");

    public Command Command { get; }

    public RunVerb() => Command = KitOptions.Verb("run", """
        execute the notebooks headless; write out/notebooks/*.ipynb and out/report/index.html
        Each notebook runs in its own process with a fresh C# kernel whose working folder is the notebook's.
        Exit code 0 when every notebook succeeded, 1 otherwise.
        """, RunAsync, _names, _track, _mode, _kernel, _cellTimeout, _out, _noReport, _noCache, _refreshFigures, _verifyFigures);

    /// <summary>What the figure cache does in this run: replay by default in pretrained mode, off with --no-cache and in other modes.</summary>
    static FigureCacheMode Figures(bool noCache, bool refresh, bool verify, KitMode mode)
    {
        if ((refresh || verify) && mode != KitMode.Pretrained)
            throw new ArgumentException($"--{(refresh ? "refresh" : "verify")}-figures works on the shipped models: it needs --mode pretrained, got {mode.Name()}.", refresh ? "--refresh-figures" : "--verify-figures");
        if (new[] { noCache, refresh, verify }.Count(b => b) > 1)
            throw new ArgumentException("--no-cache, --refresh-figures and --verify-figures exclude each other: give one.", "--no-cache");
        if (mode != KitMode.Pretrained || noCache) return FigureCacheMode.Off;
        return refresh ? FigureCacheMode.Store : verify ? FigureCacheMode.Verify : FigureCacheMode.Replay;
    }

    public static int DefaultCellTimeout(KitMode mode) => mode == KitMode.Smoke ? 180 : 600;

    async Task<int> RunAsync(ParseResult parse, CancellationToken cancel)
    {
        var mode = KitModes.Parse(parse.GetValue(_mode)!, "--mode");
        var timeout = parse.GetValue(_cellTimeout) ?? DefaultCellTimeout(mode);
        var outDir = Path.GetFullPath(parse.GetValue(_out) ?? KitPaths.Out);
        bool report = !parse.GetValue(_noReport);
        var figures = Figures(parse.GetValue(_noCache), parse.GetValue(_refreshFigures), parse.GetValue(_verifyFigures), mode);
        bool cache = figures == FigureCacheMode.Replay;
        var kernel = NotebookKernels.Parse(parse.GetValue(_kernel)!, "--kernel");
        var track = CourseTracks.Parse(parse.GetValue(_track)!, "--track");
        var notebooks = NotebookRun.Resolve(parse.GetValue(_names)!, KitPaths.Notebooks).Where(p => track.Includes(p)).ToList();
        if (notebooks.Count == 0) throw new ArgumentException($"--track {track.Name()}: none of the notebooks named is on the {track.Name()} track.", "--track");

        DataVerb.EnsurePresent();
        var library = Path.Combine(KitPaths.Root, "artifacts", "lib", "Diffusion.Lib.dll");
        if (!File.Exists(library))
            Console.Error.WriteLine($"warning: {library} is missing, so notebooks cannot reference the library. " +
                                    "Build it with `dotnet build` (running the kit with `dotnet run --project tools/Diffusion.Kit` builds it too).");

        var options = new RunOptions(notebooks, mode, TimeSpan.FromSeconds(timeout), outDir, report, kernel, cache ? NotebookCache.Default : null, figures);
        var wall = System.Diagnostics.Stopwatch.StartNew();
        var summary = await NotebookRun.RunAsync(options, Console.WriteLine, cancel);
        wall.Stop();

        Console.WriteLine();
        var table = new TerminalTable("status", "notebook", "seconds", "").AlignRight(2);
        int figuresReplayed = 0;
        foreach (var r in summary.Results)
        {
            string status = r.Status == NotebookStatus.Ok ? "ok" : r.Status.ToString().ToLowerInvariant();
            int figuresCached = r.ReplayedFrom is null ? NotebookRun.CachedFigures(summary.NotebooksDir, r.Name) : 0;
            figuresReplayed += figuresCached;
            string cached = r.ReplayedFrom is not null ? "cached" : figuresCached > 0 ? $"{figuresCached} figures cached" : "";
            table.Add(string.Create(CultureInfo.InvariantCulture, $"  {status,-9} {r.Name,-28} {r.Seconds,7:0.0} s{(cached == "" ? "" : "  " + cached)}"),
                status, r.Name, r.Seconds.ToString("0.0", CultureInfo.InvariantCulture), cached);
        }
        int replayed = summary.Results.Count(r => r.ReplayedFrom is not null);
        string reuse = $"{replayed} notebooks replayed whole, {figuresReplayed} figures from data/figures";
        table.Add(string.Create(CultureInfo.InvariantCulture,
                $"  {"total",-9} {summary.Results.Count + " notebooks",-28} {wall.Elapsed.TotalSeconds,7:0.0} s  (with process starts and the report; {reuse})"),
            "total", $"{summary.Results.Count} notebooks", wall.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture), reuse);
        table.Write($"Notebooks ({mode.Name()} mode, {kernel.Name()} kernel):");
        foreach (var r in summary.Results.Where(r => r.Status != NotebookStatus.Ok))
            Console.Error.WriteLine($"\n{r.Name} {NotebookRun.Describe(r)}");
        Console.WriteLine($"\nExecuted notebooks: {summary.NotebooksDir}");
        if (summary.ReportPath is not null) Console.WriteLine($"Report: {summary.ReportPath}");
        if (summary.ReportProblem is not null) Console.Error.WriteLine($"Report warning: {summary.ReportProblem}");
        return summary.AllOk ? 0 : 1;
    }
}

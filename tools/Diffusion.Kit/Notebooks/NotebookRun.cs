using Diffusion.Display;
using Diffusion.Runtime;

namespace Diffusion.Kit.Notebooks;

/// <summary>What `run` was asked to do.</summary>
public sealed record RunOptions(IReadOnlyList<string> Notebooks, KitMode Mode, TimeSpan CellTimeout, string OutDir, bool WriteReport = true,
    NotebookKernel Kernel = NotebookKernel.Kit, NotebookCache? Cache = null, FigureCacheMode Figures = FigureCacheMode.Off);

/// <summary>What `run` did: one result per notebook, in order, and where the report went.</summary>
public sealed record RunSummary(IReadOnlyList<NotebookResult> Results, string NotebooksDir, string? ReportPath, string? ReportProblem)
{
    public bool AllOk => Results.All(r => r.Status == NotebookStatus.Ok);
}

/// <summary>
/// Executes notebooks one after another, each in its own child process, then writes the report.
/// A failing notebook does not stop the others.
/// </summary>
public static class NotebookRun
{
    /// <summary>notebooks/*.dib sorted by name, or the named ones: a path, a file name in notebooks/, or a unique prefix ("00").</summary>
    public static IReadOnlyList<string> Resolve(IReadOnlyList<string> names, string notebooksDir)
    {
        if (names.Count == 0)
        {
            if (!Directory.Exists(notebooksDir)) throw new DirectoryNotFoundException($"No notebooks folder at {notebooksDir}.");
            var all = Directory.GetFiles(notebooksDir, "*.dib").Order(StringComparer.Ordinal).ToList();
            if (all.Count == 0) throw new FileNotFoundException($"No .dib notebooks in {notebooksDir}.");
            return all;
        }
        var found = new List<string>();
        foreach (var name in names)
        {
            if (File.Exists(name)) { found.Add(Path.GetFullPath(name)); continue; }
            var exact = Path.Combine(notebooksDir, name.EndsWith(".dib", StringComparison.Ordinal) ? name : name + ".dib");
            if (File.Exists(exact)) { found.Add(exact); continue; }
            var prefixed = Directory.Exists(notebooksDir)
                ? Directory.GetFiles(notebooksDir, "*.dib").Where(f => Path.GetFileName(f).StartsWith(name, StringComparison.Ordinal)).ToList()
                : [];
            if (prefixed.Count == 1) { found.Add(prefixed[0]); continue; }
            var known = Directory.Exists(notebooksDir)
                ? string.Join(", ", Directory.GetFiles(notebooksDir, "*.dib").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal))
                : "none";
            throw new FileNotFoundException(prefixed.Count > 1
                ? $"'{name}' matches several notebooks: {string.Join(", ", prefixed.Select(Path.GetFileName))}."
                : $"No notebook '{name}' in {notebooksDir}. Notebooks: {known}.");
        }
        return found;
    }

    public static async Task<RunSummary> RunAsync(RunOptions options, Action<string> log, CancellationToken cancel)
    {
        var notebooksDir = Path.Combine(options.OutDir, "notebooks");
        var results = new List<NotebookResult>();
        foreach (var path in options.Notebooks)
        {
            var name = Path.GetFileNameWithoutExtension(path);
            var key = options.Cache is null ? null : NotebookCache.Key(path, options.Mode, options.Kernel);
            if (key is not null && options.Cache!.TryReplay(name, key, notebooksDir) is { } replayed)
            {
                results.Add(replayed);
                log($"{name}: cached (the run of {replayed.ReplayedFrom:yyyy-MM-dd HH:mm} UTC, same notebook, library, data and models)");
                continue;
            }
            log($"{name}: running ({options.Mode.Name()} mode, {options.Kernel.Name()} kernel, cell limit {options.CellTimeout.TotalSeconds:0} s)");
            // The figure cache is told which notebook runs through the environment the notebook's processes inherit.
            Environment.SetEnvironmentVariable(FigureCache.Variable, options.Figures == FigureCacheMode.Off ? null : FigureCache.Setting(options.Figures, path));
            NotebookResult result;
            var startedUtc = DateTime.UtcNow;
            try { result = await NotebookProcess.RunAsync(path, notebooksDir, options.Mode, options.CellTimeout, log, cancel, options.Kernel); }
            finally { Environment.SetEnvironmentVariable(FigureCache.Variable, null); }
            results.Add(result);
            if (options.Figures == FigureCacheMode.Store && result.Status == NotebookStatus.Ok)
                foreach (var gone in FigureCache.RemoveNotRedrawn(FigureCache.DefaultFolder, name, startedUtc))
                    log($"{name}: removed data/figures/{name}/{gone}.figure (the notebook no longer draws it)");
            if (key is not null) options.Cache!.Store(name, key, notebooksDir, result);
            log(result.Status == NotebookStatus.Ok
                ? $"{name}: ok in {result.Seconds:0.0} s"
                : $"{name}: {Describe(result)}");
        }

        string? reportPath = null, reportProblem = null;
        if (options.WriteReport)
        {
            var plotly = PlotlyBundle.Ensure(log);
            var report = ReportWriter.Write(Path.Combine(options.OutDir, "report"), notebooksDir, WithEarlierRuns(results, notebooksDir), plotly);
            reportPath = report;
            reportProblem = plotly.Problem;
        }
        return new RunSummary(results, notebooksDir, reportPath, reportProblem);
    }

    /// <summary>How many figures of an executed notebook were replayed from data/figures/ (each printed <see cref="FigureCache.ReplayedPrefix"/>).</summary>
    public static int CachedFigures(string notebooksDir, string name)
    {
        var ipynb = Path.Combine(notebooksDir, name + ".ipynb");
        if (!File.Exists(ipynb)) return 0;
        var text = File.ReadAllText(ipynb);
        int count = 0;
        for (int at = text.IndexOf(FigureCache.ReplayedPrefix, StringComparison.Ordinal); at >= 0; at = text.IndexOf(FigureCache.ReplayedPrefix, at + 1, StringComparison.Ordinal))
            count++;
        return count;
    }

    /// <summary>
    /// This run's results plus those of notebooks run earlier into the same folder (whose .dib still exists),
    /// so running one notebook does not drop the others from the report. Sorted by name.
    /// </summary>
    static IReadOnlyList<NotebookResult> WithEarlierRuns(IReadOnlyList<NotebookResult> current, string notebooksDir)
    {
        var byName = current.ToDictionary(r => r.Name, StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(notebooksDir, "*.run.json"))
            if (NotebookResult.TryRead(file) is { } earlier && !byName.ContainsKey(earlier.Name) && File.Exists(earlier.Source))
                byName[earlier.Name] = earlier;
        return byName.Values.OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>"FAILED at cell 4 (`x.Foo()`): NullReferenceException: ...", for logs and the report.</summary>
    public static string Describe(NotebookResult r)
    {
        var what = r.Status switch
        {
            NotebookStatus.Ok => "ok",
            NotebookStatus.Failed => "FAILED",
            NotebookStatus.TimedOut => "TIMED OUT",
            _ => "CRASHED",
        };
        if (r.Status == NotebookStatus.Ok) return what;
        var where = r.FailedCell is { } c ? $" at {NotebookResult.DescribeCell(c, r.FailedCellFirstLine ?? "")}" : "";
        return $"{what}{where}: {r.Error}";
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Diffusion.Grading;
using Diffusion.Kit.Grading.Sections;
using Diffusion.Kit.Notebooks;
using Diffusion.Kit.Processes;
using Diffusion.Runtime;
using Microsoft.DotNet.Interactive.Documents;

namespace Diffusion.Kit.Grading;

/// <summary>
/// Grades one student's notebook. The submission runs in a fresh sandbox (the `grade-one` child, supervised by
/// <see cref="SupervisedProcess"/>) under the cell, submission and memory limits; when an attempt dies in a cell (hung,
/// out of memory, exited) it runs again without that cell, so only the sections that cell breaks lose points. The
/// child hands back what each probe cell kept; this process judges it (<see cref="SectionJudges"/>) with its own
/// seeds and constants, and checks the submitted code for calls to the library's references (<see cref="ReferenceCalls"/>).
/// </summary>
public sealed class SubmissionRunner(GradingWorkspace workspace, GradingKey key, GradingOptions options, long secret, Action<string> log)
{
    /// <summary>Start-up (kernel, TorchSharp) and exit time allowed beyond the cell limit before the watchdog acts.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(120);
    const long MaxCopiedBytes = 64L << 20;

    public async Task<NotebookGrade> GradeAsync(string student, string notebook, string? submission, IReadOnlyList<HiddenTest> tests,
        string feedbackDir, CancellationToken cancel)
    {
        if (submission is null) return NotebookGrade.Zero(student, notebook, null, tests, "not submitted.");
        InteractiveDocument prepared;
        try { prepared = await PrepareAsync(submission); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return NotebookGrade.Zero(student, notebook, submission, tests, $"the submission could not be read as a notebook: {e.Message}");
        }
        var probes = tests.Select(t => new ProbeOrder(t.Index, t.Code, ProbeSeeds.Derive(secret, StableHash(notebook) * 64 + t.Index))).ToList();

        var watch = Stopwatch.StartNew();
        var runs = new Dictionary<int, ProbeRun>();
        var failures = new Dictionary<int, string>();
        var skipCells = new List<int>();
        var skipProbes = new List<int>();
        var notes = new List<string>();
        int figures = 0;
        NotebookResult? run = null;
        for (int attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            var left = options.SubmissionTimeout - watch.Elapsed;
            if (left <= TimeSpan.Zero) break;
            var result = await RunAttemptAsync(notebook, prepared, probes, skipCells, skipProbes, left, feedbackDir, cancel);
            if (result.Report is { } report)
            {
                foreach (var p in report.Probes) runs[p.Index] = p;
                figures = Math.Max(figures, report.Figures);
            }
            run = NotebookResult.TryRead(NotebookExecutor.ResultPathFor(feedbackDir, notebook)) ?? run;
            if (result.Done && result.Report is null)
                notes.Add("the notebook finished but its results were not plain files the grader could read (replaced, or turned into links), so nothing could be judged.");
            if (result.Done) break;

            string why = result.Why;
            if (result.SubmissionTimeUp)
            {
                notes.Add($"the notebook used up its {Seconds(options.SubmissionTimeout)} s: {why}");
                break;
            }
            if (result.LastProbe is { } probe)
            {
                failures.TryAdd(probe, $"the test with your code {why}");
                skipProbes.Add(probe);
            }
            else if (result.LastCell is { } cell)
            {
                notes.Add($"cell {cell} {why}; it was skipped in attempt {attempt + 1}.");
                skipCells.Add(cell);
            }
            else
            {
                notes.Add($"the grading process {why} before running any cell.");
                break;
            }
        }
        log($"  {student}/{notebook}: graded in {watch.Elapsed.TotalSeconds:0} s");

        var cells = prepared.Elements.Select((e, i) => (Cell: i + 1, e)).Where(x => x.e.KernelName == NotebookExecutor.CSharp).Select(x => (x.Cell, x.e.Contents)).ToList();
        var seeds = probes.ToDictionary(p => p.Index, p => p.Seed);
        var grades = tests.Select(t => Judge(notebook, t, seeds[t.Index], runs.GetValueOrDefault(t.Index), figures,
            failures.GetValueOrDefault(t.Index), notes, cells)).ToList();
        return new NotebookGrade(student, notebook, submission, grades, notes, run, watch.Elapsed.TotalSeconds);
    }

    TestGrade Judge(string notebook, HiddenTest test, long seed, ProbeRun? probe, int figures, string? failure, IReadOnlyList<string> notes,
        IReadOnlyList<(int Cell, string Code)> cells)
    {
        var judge = SectionJudges.Find(notebook, test.Section)!;
        TestGrade Lost(string reason) => new(test.Index, test.Section, test.Points, 0, reason);
        if (!options.AllowReferenceCalls && judge.References.Count > 0)
        {
            var found = ReferenceCalls.Find(cells, key.Handouts[notebook], judge.References);
            if (found.FirstOrDefault() is { } f)
                return Lost($"your code calls the library's {f.Reference}, the reference implementation of what this section asks you to write " +
                            $"(cell {f.Cell}: `{f.Code}`), so the section earns no points (an instructor may allow it: grade --allow-reference-calls).");
        }
        if (probe is null) return Lost(failure ?? (notes.Count > 0 ? "not run: " + notes[^1] : "not run."));
        if (probe.Status == ProbeStatus.TimedOut) return Lost($"the test ran longer than the {Seconds(options.CellTimeout)} s cell limit with your functions.");
        if (probe.Status == ProbeStatus.Failed) return Lost(Explain(probe.Error));
        try
        {
            judge.Judge(new ProbeEvidence(seed, options.Mode, probe.Values, figures));
            return new TestGrade(test.Index, test.Section, test.Points, test.Points, null);
        }
        catch (CheckFailed e) { return Lost(e.Message); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log($"  {notebook} {test.Section}: the comparison failed: {e}");
            return Lost($"what your code returned could not be compared with the reference ({e.GetType().Name}: {e.Message}).");
        }
    }

    /// <summary>A probe cell's error as the student should read it.</summary>
    static string Explain(string? error)
    {
        error ??= "the test failed.";
        if (error.Length > 1000) error = error[..1000] + "...";
        if (error.Contains("error CS", StringComparison.Ordinal))
            return "the test could not call your code (a function is missing, renamed, has another signature, or its cell did not compile): " + error;
        return "your code threw " + error;
    }

    /// <summary>The submission as the child runs it: no outputs, no hidden-test cells of its own, the library referenced from the sandbox.</summary>
    public static async Task<InteractiveDocument> PrepareAsync(string submission)
    {
        var document = await NotebookExecutor.LoadAsync(submission);
        var cells = document.Elements
            .Where(e => !HiddenTest.IsHiddenTest(e))
            .Select(e => new InteractiveDocumentElement(
                e.KernelName == NotebookExecutor.CSharp ? StudentVersions.PointReferencesAt(e.Contents, "../artifacts/lib/") : e.Contents,
                e.KernelName))
            .ToList();
        return new InteractiveDocument(cells);
    }

    sealed record Attempt(ProbeReport? Report, bool Done, int? LastCell, int? LastProbe, string Why, bool SubmissionTimeUp);

    async Task<Attempt> RunAttemptAsync(string notebook, InteractiveDocument prepared, IReadOnlyList<ProbeOrder> probes,
        IReadOnlyList<int> skipCells, IReadOnlyList<int> skipProbes, TimeSpan timeLeft, string feedbackDir, CancellationToken cancel)
    {
        var sandbox = workspace.NewSandbox();
        try
        {
            var notebookPath = Path.Combine(sandbox.Notebooks, notebook + ".dib");
            var ordersPath = Path.Combine(sandbox.Notebooks, ".orders.json");
            var orders = new GradeOrders(GradeOrders.NewNonce(), probes, skipCells, skipProbes);
            File.WriteAllText(notebookPath, prepared.ToCodeSubmissionContent());
            File.WriteAllText(ordersPath, JsonSerializer.Serialize(orders, GradeOrders.Json));
            workspace.HandOver(sandbox, notebookPath, ordersPath);

            var start = workspace.StartInfo(sandbox, ["grade-one", workspace.ChildPath(sandbox, $"notebooks/{notebook}.dib"),
                "--orders", workspace.ChildPath(sandbox, "notebooks/.orders.json"), "--out", workspace.ChildPath(sandbox, "out"),
                "--mode", options.Mode.Name(), "--cell-timeout", Seconds(options.CellTimeout)], options.Threads, options.MemoryLimitBytes);
            int? lastCell = null, lastProbe = null;
            bool done = false;
            var progress = Stopwatch.StartNew();
            var gate = new object();
            using var process = SupervisedProcess.Start(start, (line, error) =>
            {
                if (error || GradeEvent.Parse(line, orders.Nonce) is not { } ev) return true;
                lock (gate)
                {
                    progress.Restart();
                    if (ev.Cell is { } c) { lastCell = c; lastProbe = null; }
                    if (ev.Probe is { } p) lastProbe = p;
                    if (ev.Done) done = true;
                }
                return false;
            }, tailLines: 8);

            bool timeUp = false;
            var clock = Stopwatch.StartNew();
            int code = await process.WaitAsync(() =>
            {
                long resident = ProcessMemoryWatch.ResidentBytes(process.Id);
                if (resident > options.MemoryLimitBytes)
                    return $"used more than the {options.MemoryLimitBytes >> 20} MB memory limit ({resident >> 20} MB) and was stopped";
                if (clock.Elapsed > timeLeft) { timeUp = true; return "was still running when the submission's time ran out"; }
                lock (gate)
                    if (progress.Elapsed > options.CellTimeout + Grace)
                        return $"ran longer than the {Seconds(options.CellTimeout)} s cell limit and was stopped";
                return null;
            }, TimeSpan.FromMilliseconds(250), cancel);

            var report = CopyResults(sandbox, notebook, feedbackDir);
            lock (gate)
            {
                string why = process.KilledBecause ?? (workspace.RanOutOfMemory(sandbox)
                    ? $"used more than the {options.MemoryLimitBytes >> 20} MB memory limit and was stopped"
                    : null) ?? code switch
                {
                    GradeExecutor.ExitHung => $"ran longer than the {Seconds(options.CellTimeout)} s cell limit and was stopped",
                    0 when !done => "ended the notebook process early (exit code 0)",
                    _ when done => "",
                    _ => $"ended the notebook process (exit code {code}){LastWords(process.Tail(3, " | "))}",
                };
                return new Attempt(report, done && process.KilledBecause is null, lastCell, lastProbe, why, timeUp);
            }
        }
        finally
        {
            workspace.Remove(sandbox);
        }
    }

    /// <summary>
    /// Brings the executed notebook and its result out of the sandbox, and returns the probe report: each file opened
    /// below the attempt's folder without following a link at any step, plain files of sane size only.
    /// </summary>
    static ProbeReport? CopyResults(Sandbox sandbox, string notebook, string feedbackDir)
    {
        Directory.CreateDirectory(feedbackDir);
        foreach (var file in new[] { notebook + ".ipynb", notebook + ".run.json" })
        {
            var bytes = ReadOut(sandbox, file);
            var target = Path.Combine(feedbackDir, file);
            if (bytes is null) { File.Delete(target); continue; }
            File.WriteAllBytes(target, bytes);
        }
        var probes = ReadOut(sandbox, ProbeReport.FileName(notebook));
        return probes is null ? null : ProbeReport.Parse(Encoding.UTF8.GetString(probes));
    }

    static byte[]? ReadOut(Sandbox sandbox, string file)
    {
        using var stream = Unix.OpenPlainFileNoFollow(sandbox.Folder, "out/" + file);
        if (stream is null) return null;
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + read > MaxCopiedBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }

    static string LastWords(string tail) => tail.Length > 0 ? $"; its last output: {tail}" : "";

    static string Seconds(TimeSpan t) => ((int)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    static int StableHash(string text) => text.Aggregate(17, (h, c) => unchecked(h * 31 + c)) & 0xFFFFF;
}

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using Microsoft.DotNet.Interactive.Documents;

namespace Diffusion.Kit.Grading;

/// <summary>
/// Grades one student's notebook: runs it with the hidden tests in a fresh sandbox (the `grade-one` child) under
/// the cell, submission and memory limits, and when an attempt dies in a cell (hung, out of memory, exited) runs
/// again without that cell, so the sections that cell breaks lose their points and the others are still graded.
/// </summary>
public sealed class SubmissionRunner(GradingWorkspace workspace, GradingOptions options, Action<string> log)
{
    /// <summary>Start-up (kernel, TorchSharp) and exit time allowed beyond the cell limit before the watchdog acts.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(120);

    public async Task<NotebookGrade> GradeAsync(string student, string notebook, string? submission, IReadOnlyList<HiddenTest> tests,
        string feedbackDir, CancellationToken cancel)
    {
        if (submission is null) return NotebookGrade.Zero(student, notebook, null, tests, "not submitted.");
        string prepared;
        try { prepared = await PrepareAsync(submission); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return NotebookGrade.Zero(student, notebook, submission, tests, $"the submission could not be read as a notebook: {e.Message}");
        }

        var watch = Stopwatch.StartNew();
        var outcomes = new Dictionary<int, TestOutcome>();
        var skipCells = new List<int>();
        var skipTests = new List<int>();
        var notes = new List<string>();
        NotebookResult? run = null;
        for (int attempt = 1; attempt <= options.MaxAttempts; attempt++)
        {
            var left = options.SubmissionTimeout - watch.Elapsed;
            if (left <= TimeSpan.Zero) break;
            var result = await RunAttemptAsync(notebook, prepared, tests, skipCells, skipTests, left, feedbackDir, cancel);
            foreach (var o in result.Outcomes) outcomes[o.Index] = o;
            run = NotebookResult.TryRead(NotebookExecutor.ResultPathFor(feedbackDir, notebook)) ?? run;
            if (result.Done) break;

            string why = result.Why;
            if (result.SubmissionTimeUp)
            {
                notes.Add($"the notebook used up its {options.SubmissionTimeout.TotalSeconds:0} s: {why}");
                break;
            }
            if (result.LastCell is { } cell && result.LastTest is null)
            {
                notes.Add($"cell {cell} {why}; it was skipped in attempt {attempt + 1}.");
                skipCells.Add(cell);
            }
            else if (result.LastTest is { } test)
            {
                if (!outcomes.ContainsKey(test))
                    outcomes[test] = new TestOutcome(test, TestStatus.Failed, $"the test with your code {why}", 0);
                skipTests.Add(test);
            }
            else
            {
                notes.Add($"the grading process {why} before running any cell.");
                break;
            }
        }
        log($"  {student}/{notebook}: graded in {watch.Elapsed.TotalSeconds:0} s");

        var grades = tests.Select(t => outcomes.TryGetValue(t.Index, out var o)
            ? new TestGrade(t.Index, t.Section, t.Points, o.Status == TestStatus.Passed ? t.Points : 0, o.Status == TestStatus.Passed ? null : o.Message)
            : new TestGrade(t.Index, t.Section, t.Points, 0, notes.Count > 0 ? "not run: " + notes[^1] : "not run.")).ToList();
        return new NotebookGrade(student, notebook, submission, grades, notes, run, watch.Elapsed.TotalSeconds);
    }

    /// <summary>The submission as the child runs it: no outputs, no hidden-test cells of its own, the library referenced from the sandbox.</summary>
    static async Task<string> PrepareAsync(string submission)
    {
        var document = await NotebookExecutor.LoadAsync(submission);
        var cells = document.Elements
            .Where(e => !HiddenTest.IsHiddenTest(e))
            .Select(e => new InteractiveDocumentElement(
                e.KernelName == NotebookExecutor.CSharp ? StudentVersions.PointReferencesAt(e.Contents, "../artifacts/lib/") : e.Contents,
                e.KernelName))
            .ToList();
        return new InteractiveDocument(cells).ToCodeSubmissionContent();
    }

    sealed record Attempt(IReadOnlyList<TestOutcome> Outcomes, bool Done, int? LastCell, int? LastTest, string Why, bool SubmissionTimeUp);

    async Task<Attempt> RunAttemptAsync(string notebook, string prepared, IReadOnlyList<HiddenTest> tests,
        IReadOnlyList<int> skipCells, IReadOnlyList<int> skipTests, TimeSpan timeLeft, string feedbackDir, CancellationToken cancel)
    {
        var sandbox = workspace.NewSandbox();
        try
        {
            var notebookPath = Path.Combine(sandbox.Notebooks, notebook + ".dib");
            var ordersPath = Path.Combine(sandbox.Folder, "orders.json");
            var orders = new GradeOrders(GradeOrders.NewNonce(), tests, skipCells, skipTests);
            File.WriteAllText(notebookPath, prepared);
            File.WriteAllText(ordersPath, JsonSerializer.Serialize(orders, GradeOrders.Json));
            workspace.HandOver(sandbox, notebookPath, ordersPath);

            var start = workspace.StartInfo(sandbox, ["grade-one", notebookPath, "--orders", ordersPath, "--out", sandbox.Out,
                "--mode", options.Mode.Name(), "--cell-timeout", ((int)Math.Ceiling(options.CellTimeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture)],
                options.Threads);
            var outcomes = new List<TestOutcome>();
            int? lastCell = null, lastTest = null;
            bool done = false;
            var tail = new Queue<string>();
            var heard = Stopwatch.StartNew();
            using var process = new Process { StartInfo = start };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                if (GradeEvent.Parse(e.Data, orders.Nonce) is { } ev)
                {
                    lock (outcomes)
                    {
                        heard.Restart();
                        if (ev.Cell is { } c) { lastCell = c; lastTest = null; }
                        if (ev.Test is { } t) lastTest = t;
                        if (ev.Outcome is { } o) outcomes.Add(o);
                        if (ev.Done) done = true;
                    }
                }
                else Remember(tail, e.Data);
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Remember(tail, e.Data); };
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            string? killed = null;
            bool timeUp = false;
            var clock = Stopwatch.StartNew();
            while (!process.HasExited)
            {
                try { await process.WaitForExitAsync(cancel).WaitAsync(TimeSpan.FromMilliseconds(250), cancel); }
                catch (TimeoutException) { }
                catch (OperationCanceledException) { Stop(process, sandbox); throw; }
                if (process.HasExited) break;
                long resident = ProcessMemoryWatch.ResidentBytes(process.Id);
                if (resident > options.MemoryLimitBytes)
                    killed = $"used more than the {options.MemoryLimitBytes >> 20} MB memory limit ({resident >> 20} MB) and was stopped";
                else if (clock.Elapsed > timeLeft)
                {
                    killed = "was still running when the submission's time ran out";
                    timeUp = true;
                }
                else if (heard.Elapsed > options.CellTimeout + Grace)
                    killed = $"ran longer than the {options.CellTimeout.TotalSeconds:0} s cell limit and was stopped";
                if (killed is not null) Stop(process, sandbox);
            }
            process.WaitForExit();
            Stop(process, sandbox);   // anything it left behind
            CopyExecuted(sandbox, notebook, feedbackDir);

            lock (outcomes)
            {
                string why = killed ?? process.ExitCode switch
                {
                    GradeExecutor.ExitHung => $"ran longer than the {options.CellTimeout.TotalSeconds:0} s cell limit and was stopped",
                    0 when !done => "ended the notebook process early (exit code 0)",
                    var code => $"ended the notebook process (exit code {code}){LastWords(tail)}",
                };
                return new Attempt(outcomes.ToList(), done, lastCell, lastTest, why, timeUp);
            }
        }
        finally
        {
            workspace.Remove(sandbox);
        }
    }

    void Stop(Process process, Sandbox sandbox)
    {
        try { if (!process.HasExited) process.Kill(entireProcessTree: true); }
        catch (InvalidOperationException) { }
        workspace.KillAll(sandbox);
    }

    static void CopyExecuted(Sandbox sandbox, string notebook, string feedbackDir)
    {
        Directory.CreateDirectory(feedbackDir);
        foreach (var file in new[] { notebook + ".ipynb", notebook + ".run.json" })
        {
            var from = Path.Combine(sandbox.Out, file);
            var info = new FileInfo(from);
            // A plain file of sane size only: a submission may leave a link or a huge file in its place.
            if (info.Exists && info.LinkTarget is null && info.Length < 64L << 20)
                File.Copy(from, Path.Combine(feedbackDir, file), overwrite: true);
        }
    }

    static void Remember(Queue<string> tail, string line)
    {
        lock (tail)
        {
            tail.Enqueue(line.Length > 300 ? line[..300] : line);
            while (tail.Count > 8) tail.Dequeue();
        }
    }

    static string LastWords(Queue<string> tail)
    {
        lock (tail)
        {
            var text = string.Join(" | ", tail.Where(l => !string.IsNullOrWhiteSpace(l)).TakeLast(3)).Trim();
            return text.Length > 0 ? $"; its last output: {text}" : "";
        }
    }
}

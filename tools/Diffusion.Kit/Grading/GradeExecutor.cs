using System.Diagnostics;
using System.Text.Json;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using Microsoft.DotNet.Interactive.Documents;

namespace Diffusion.Kit.Grading;

/// <summary>
/// The grading child (`grade-one`): runs a submission's cells in a fresh kernel, going on after a cell that fails
/// (a broken section costs that section, not the notebook), then the hidden tests in the same kernel. It reads its
/// orders and deletes them before any submitted code runs, and reports on the stdout it had at start, so a
/// submission can neither read the tests from disk nor silence or forge the report by redirecting Console.
/// </summary>
public sealed class GradeExecutor(string notebookPath, string ordersPath, string outDir, KitMode mode, TimeSpan cellTimeout)
{
    public const int ExitHung = 3;

    public async Task<int> RunAsync()
    {
        var orders = JsonSerializer.Deserialize<GradeOrders>(File.ReadAllText(ordersPath), GradeOrders.Json)
                     ?? throw new InvalidDataException($"{ordersPath} holds no grading orders.");
        File.Delete(ordersPath);
        var report = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
        void Send(GradeEvent e) { lock (report) report.WriteLine(e.ToLine(orders.Nonce)); }

        var source = Path.GetFullPath(notebookPath);
        var name = Path.GetFileNameWithoutExtension(source);
        var document = await NotebookExecutor.LoadAsync(source);
        Directory.CreateDirectory(outDir);
        Directory.SetCurrentDirectory(Path.GetDirectoryName(source)!);
        Environment.SetEnvironmentVariable(KitModes.Variable, mode.Name());

        var kernel = NotebookExecutor.CreateKernel();
        var total = Stopwatch.StartNew();
        var cells = new List<CellResult>();
        var files = new ExecutedNotebookFiles(outDir, name);
        void Save()
        {
            var failed = cells.FirstOrDefault(c => c.Status != NotebookStatus.Ok);
            var status = cells.Any(c => c.Status == NotebookStatus.TimedOut) ? NotebookStatus.TimedOut
                : failed is null ? NotebookStatus.Ok : NotebookStatus.Failed;
            var result = new NotebookResult(name, source, mode.Name(), status, total.Elapsed.TotalSeconds, cells.ToList(),
                failed?.Cell, failed?.FirstLine, failed?.Error);
            files.Save(document, result);
        }

        for (int index = 0; index < document.Elements.Count; index++)
        {
            var element = document.Elements[index];
            int cellNumber = index + 1;
            if (element.KernelName != NotebookExecutor.CSharp || string.IsNullOrWhiteSpace(element.Contents)) continue;
            element.Outputs.Clear();
            var firstLine = NotebookExecutor.FirstLine(element.Contents);
            if (orders.SkipCells.Contains(cellNumber))
            {
                const string skipped = "not run by the grader: in an earlier attempt this cell hung, ran out of memory or ended the process.";
                element.Outputs.Add(new ErrorElement(errorValue: skipped, errorName: "SkippedByGrader", stackTrace: []));
                cells.Add(new CellResult(cellNumber, firstLine, 0, NotebookStatus.Failed, skipped));
                Save();
                continue;
            }
            Send(new GradeEvent(Cell: cellNumber));
            var outcome = await NotebookExecutor.RunCellAsync(kernel, element, cellTimeout);
            cells.Add(new CellResult(cellNumber, firstLine, outcome.Seconds, outcome.Status, outcome.Error));
            Save();
            if (outcome.Status == NotebookStatus.TimedOut) return ExitNow(ExitHung);   // the kernel is stuck in that cell
        }

        foreach (var test in orders.Tests)
        {
            if (orders.SkipTests.Contains(test.Index)) continue;
            Send(new GradeEvent(Test: test.Index));
            var scratch = new InteractiveDocumentElement(test.Code, NotebookExecutor.CSharp);
            var outcome = await NotebookExecutor.RunCellAsync(kernel, scratch, cellTimeout);
            var message = outcome.Status switch
            {
                NotebookStatus.Ok => null,
                NotebookStatus.TimedOut => $"the test ran longer than the {cellTimeout.TotalSeconds:0} s cell limit with your functions.",
                _ => Explain(outcome.Error),
            };
            Send(new GradeEvent(Outcome: new TestOutcome(test.Index, outcome.Status == NotebookStatus.Ok ? TestStatus.Passed : TestStatus.Failed, message, outcome.Seconds)));
            if (outcome.Status == NotebookStatus.TimedOut) return ExitNow(ExitHung);
        }
        Send(new GradeEvent(Done: true));
        kernel.Dispose();
        return 0;
    }

    /// <summary>A failed test's error as the student should read it.</summary>
    static string Explain(string? error)
    {
        error ??= "the test failed.";
        if (error.StartsWith(nameof(Diffusion.Grading.CheckFailed) + ": ", StringComparison.Ordinal))
            return error[(nameof(Diffusion.Grading.CheckFailed).Length + 2)..];
        if (error.Contains("error CS", StringComparison.Ordinal))
            return "the test could not call your code (a function is missing, renamed, has another signature, or its cell did not compile): " + error;
        return "your code threw " + error;
    }

    static int ExitNow(int code)
    {
        Console.Out.Flush();
        Environment.Exit(code);
        return code;
    }
}

using System.Diagnostics;
using System.Text.Json;
using Diffusion.Grading;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using Microsoft.DotNet.Interactive.Documents;

namespace Diffusion.Kit.Grading;

/// <summary>
/// The grading child (`grade-one`), run inside the sandbox: runs a submission's cells in a fresh kernel, going on after a
/// cell that fails (a broken section costs that section, not the notebook), then each probe cell in the same kernel with
/// the seed the parent chose. It counts the pictures the submission's cells displayed from the kernel's display events
/// and writes what each probe kept to NAME.probes.json. It decides nothing: the parent judges the report.
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
        int figures = 0;
        var probes = new List<ProbeRun>();
        var probesPath = Path.Combine(outDir, ProbeReport.FileName(name));
        void Save()
        {
            var failed = cells.FirstOrDefault(c => c.Status != NotebookStatus.Ok);
            var status = cells.Any(c => c.Status == NotebookStatus.TimedOut) ? NotebookStatus.TimedOut
                : failed is null ? NotebookStatus.Ok : NotebookStatus.Failed;
            var result = new NotebookResult(name, source, mode.Name(), status, total.Elapsed.TotalSeconds, cells.ToList(),
                failed?.Cell, failed?.FirstLine, failed?.Error);
            files.Save(document, result);
            NotebookExecutor.WriteAtomically(probesPath, new ProbeReport(figures, probes.ToList()).ToJson());
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
            figures += element.Outputs.Count(IsPicture);
            cells.Add(new CellResult(cellNumber, firstLine, outcome.Seconds, outcome.Status, outcome.Error));
            Save();
            if (outcome.Status == NotebookStatus.TimedOut) return ExitNow(ExitHung);   // the kernel is stuck in that cell
        }

        foreach (var probe in orders.Probes)
        {
            if (orders.SkipProbes.Contains(probe.Index)) continue;
            Send(new GradeEvent(Probe: probe.Index));
            Probe.Begin(probe.Seed, mode);
            var scratch = new InteractiveDocumentElement(probe.Code, NotebookExecutor.CSharp);
            var outcome = await NotebookExecutor.RunCellAsync(kernel, scratch, cellTimeout);
            var status = outcome.Status switch
            {
                NotebookStatus.Ok => ProbeStatus.Finished,
                NotebookStatus.TimedOut => ProbeStatus.TimedOut,
                _ => ProbeStatus.Failed,
            };
            probes.Add(new ProbeRun(probe.Index, status, outcome.Error, Probe.End()));
            Save();
            if (outcome.Status == NotebookStatus.TimedOut) return ExitNow(ExitHung);
        }
        Send(new GradeEvent(Done: true));
        kernel.Dispose();
        return 0;
    }

    /// <summary>A displayed or returned value the formatters turned into a picture.</summary>
    static bool IsPicture(InteractiveDocumentOutputElement output) => output switch
    {
        DisplayElement d => d.Data.Keys.Any(k => k.StartsWith("image/", StringComparison.Ordinal)),
        ReturnValueElement r => r.Data.Keys.Any(k => k.StartsWith("image/", StringComparison.Ordinal)),
        _ => false,
    };

    static int ExitNow(int code)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Unix.ExitAtOnce(code);
        return code;
    }
}

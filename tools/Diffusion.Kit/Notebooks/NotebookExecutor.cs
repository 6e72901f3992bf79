using System.Diagnostics;
using Diffusion.Runtime;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.PackageManagement;
using DocKernelInfo = Microsoft.DotNet.Interactive.Documents.KernelInfo;

namespace Diffusion.Kit.Notebooks;

/// <summary>
/// Executes one .dib notebook in this process, cell by cell, in a fresh C# kernel, and writes the executed
/// notebook (.ipynb, every output with all its MIME types) plus NAME.run.json after every cell, so a crash
/// or a stopped cell still leaves everything that ran. Runs in the `run-one` child process: the kernel,
/// TorchSharp's native state and a hung cell all die with that process.
/// </summary>
public sealed class NotebookExecutor(string notebookPath, string notebooksOutDir, KitMode mode, TimeSpan cellTimeout, Action<string> progress)
{
    public const string CSharp = "csharp";
    public const string Markdown = "markdown";

    public string Name { get; } = Path.GetFileNameWithoutExtension(notebookPath);
    readonly ExecutedNotebookFiles _files = new(notebooksOutDir, Path.GetFileNameWithoutExtension(notebookPath));
    public string IpynbPath => _files.IpynbPath;
    public string ResultPath => _files.ResultPath;

    public static string ResultPathFor(string notebooksOutDir, string name) => Path.Combine(notebooksOutDir, name + ".run.json");

    /// <summary>The kernels a .dib may name; only C# cells run, markdown is carried over.</summary>
    public static KernelInfoCollection KernelInfos()
    {
        var infos = new KernelInfoCollection
        {
            new DocKernelInfo(CSharp, "C#", ["c#", "C#", "cs"]),
            new DocKernelInfo("fsharp", "F#", ["f#", "F#", "fs"]),
            new DocKernelInfo("pwsh", "PowerShell", ["powershell"]),
            new DocKernelInfo(Markdown, "Markdown", ["md"]),
        };
        infos.DefaultKernelName = CSharp;
        return infos;
    }

    public static async Task<InteractiveDocument> LoadAsync(string path) =>
        await InteractiveDocument.LoadAsync(new FileInfo(path), KernelInfos());

    public async Task<NotebookResult> RunAsync()
    {
        var source = Path.GetFullPath(notebookPath);
        Directory.CreateDirectory(notebooksOutDir);
        var document = await LoadAsync(source);

        // Relative #r paths and data paths resolve against the notebook's folder, as in VS Code.
        Directory.SetCurrentDirectory(Path.GetDirectoryName(source)!);
        Environment.SetEnvironmentVariable(KitModes.Variable, mode.Name());

        // Not disposed on a timeout: the hung cell still holds it, and the process exits instead.
        var kernel = CreateKernel();
        var total = Stopwatch.StartNew();
        var cells = new List<CellResult>();
        NotebookResult Result(NotebookStatus status, CellResult? failed = null) => new(
            Name, source, mode.Name(), status, total.Elapsed.TotalSeconds, cells.ToList(),
            failed?.Cell, failed?.FirstLine, failed?.Error);

        int executionCount = 0;
        for (int index = 0; index < document.Elements.Count; index++)
        {
            var element = document.Elements[index];
            int cellNumber = index + 1;
            if (element.KernelName == Markdown) continue;
            if (Grading.HiddenTest.IsHiddenTest(element)) continue;   // run only by `grade`
            var firstLine = FirstLine(element.Contents);
            element.Outputs.Clear();
            if (string.IsNullOrWhiteSpace(element.Contents)) continue;

            if (element.KernelName != CSharp)
            {
                var message = $"the runner executes C# cells only; this cell is '{element.KernelName}'.";
                element.Outputs.Add(new ErrorElement(errorValue: message, errorName: "UnsupportedKernel", stackTrace: []));
                var unsupported = new CellResult(cellNumber, firstLine, 0, NotebookStatus.Failed, message);
                cells.Add(unsupported);
                kernel.Dispose();
                return Save(document, Result(NotebookStatus.Failed, unsupported));
            }

            progress($"cell {cellNumber}/{document.Elements.Count} {firstLine}");
            element.ExecutionOrder = ++executionCount;
            var outcome = await RunCellAsync(kernel, element, cellTimeout);
            var cell = new CellResult(cellNumber, firstLine, outcome.Seconds, outcome.Status, outcome.Error);
            cells.Add(cell);
            if (outcome.Status != NotebookStatus.Ok)
            {
                if (outcome.Status != NotebookStatus.TimedOut) kernel.Dispose();
                return Save(document, Result(outcome.Status, cell));
            }
            Save(document, Result(NotebookStatus.Ok));
        }
        kernel.Dispose();
        return Save(document, Result(NotebookStatus.Ok));
    }

    internal sealed record CellOutcome(NotebookStatus Status, double Seconds, string? Error);

    /// <summary>Runs one cell's code in the kernel, its outputs added to <paramref name="element"/>; a cell past the limit is left running (the process must exit).</summary>
    internal static async Task<CellOutcome> RunCellAsync(Kernel kernel, InteractiveDocumentElement element, TimeSpan cellTimeout)
    {
        var outputs = new CellOutputs(element);
        var watch = Stopwatch.StartNew();
        using (kernel.KernelEvents.Subscribe(new Observer<KernelEvent>(outputs.Add)))
        {
            var send = kernel.SendAsync(new SubmitCode(element.Contents, CSharp), CancellationToken.None);
            var finished = await Task.WhenAny(send, Task.Delay(cellTimeout));
            if (finished != send)
            {
                var message = $"stopped: the cell ran longer than the {cellTimeout.TotalSeconds:0} s limit (--cell-timeout).";
                outputs.AddError(new ErrorElement(errorValue: message, errorName: "CellTimeout", stackTrace: []));
                return new CellOutcome(NotebookStatus.TimedOut, watch.Elapsed.TotalSeconds, message);
            }
            var result = await send;
            var failed = result.Events.OfType<CommandFailed>().FirstOrDefault();
            if (failed is not null)
            {
                outputs.AddFailure(failed);
                return new CellOutcome(NotebookStatus.Failed, watch.Elapsed.TotalSeconds, CellOutputs.Describe(failed));
            }
            return new CellOutcome(NotebookStatus.Ok, watch.Elapsed.TotalSeconds, null);
        }
    }

    /// <summary>A C# kernel with display helpers and a working `#r "nuget: ..."`.</summary>
    internal static CSharpKernel CreateKernel()
    {
        var kernel = new CSharpKernel().UseKernelHelpers();
        kernel.UseNugetDirective((k, references) =>
        {
            k.AddAssemblyReferences(references.SelectMany(r => r.AssemblyPaths));
            return Task.CompletedTask;
        });
        return kernel;
    }

    NotebookResult Save(InteractiveDocument document, NotebookResult result) => _files.Save(document, result);

    internal static void WriteAtomically(string path, string text)
    {
        var temp = path + ".tmp-" + Environment.ProcessId;
        File.WriteAllText(temp, text);
        File.Move(temp, path, overwrite: true);
    }

    public static string FirstLine(string code)
    {
        var line = code.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        return line.Length > 80 ? line[..77] + "..." : line;
    }

    sealed class Observer<T>(Action<T> onNext) : IObserver<T>
    {
        public void OnNext(T value) => onNext(value);
        public void OnError(Exception error) { }
        public void OnCompleted() { }
    }
}

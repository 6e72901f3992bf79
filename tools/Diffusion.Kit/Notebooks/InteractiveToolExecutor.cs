using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Diffusion.Runtime;
using Microsoft.DotNet.Interactive.Documents;

namespace Diffusion.Kit.Notebooks;

/// <summary>
/// Executes one .dib notebook in the `dotnet-interactive` tool, the engine behind VS Code's Polyglot Notebooks and
/// Jupyter's .NET kernel, the way VS Code drives it: `dotnet-interactive stdio --working-dir NOTEBOOK_FOLDER`, one
/// SubmitCode command per C# cell (JSON lines on stdin), its events read back from stdout. Writes the same
/// NAME.ipynb and NAME.run.json as <see cref="NotebookExecutor"/>, so `run --kernel dotnet-interactive` and the tests
/// see exactly what a student's client gets, FSharp.Core 10.0 and all.
/// </summary>
public sealed class InteractiveToolExecutor(string notebookPath, string notebooksOutDir, KitMode mode, TimeSpan cellTimeout, Action<string> progress)
{
    /// <summary>The tool's command name in .config/dotnet-tools.json.</summary>
    public const string ToolCommand = "dotnet-interactive";

    public async Task<NotebookResult> RunAsync()
    {
        var source = Path.GetFullPath(notebookPath);
        var name = Path.GetFileNameWithoutExtension(source);
        var files = new ExecutedNotebookFiles(notebooksOutDir, name);
        Directory.CreateDirectory(notebooksOutDir);
        var document = await NotebookExecutor.LoadAsync(source);
        var total = Stopwatch.StartNew();
        var cells = new List<CellResult>();
        NotebookResult Result(NotebookStatus status, CellResult? failed = null) => new(
            name, source, mode.Name(), status, total.Elapsed.TotalSeconds, cells.ToList(), failed?.Cell, failed?.FirstLine, failed?.Error);

        await ToolManifest.RestoreAsync();
        using var kernel = StdioKernel.Start(Path.GetDirectoryName(source)!, mode);
        int executionCount = 0;
        for (int index = 0; index < document.Elements.Count; index++)
        {
            var element = document.Elements[index];
            int cellNumber = index + 1;
            if (element.KernelName == NotebookExecutor.Markdown || Grading.HiddenTest.IsHiddenTest(element)) continue;
            element.Outputs.Clear();
            if (string.IsNullOrWhiteSpace(element.Contents)) continue;
            var firstLine = NotebookExecutor.FirstLine(element.Contents);
            progress($"cell {cellNumber}/{document.Elements.Count} {firstLine}");
            element.ExecutionOrder = ++executionCount;
            var watch = Stopwatch.StartNew();
            var outcome = await kernel.SubmitAsync(element, cellTimeout);
            var cell = new CellResult(cellNumber, firstLine, watch.Elapsed.TotalSeconds, outcome.Status, outcome.Error);
            cells.Add(cell);
            if (outcome.Status != NotebookStatus.Ok) return files.Save(document, Result(outcome.Status, cell));
            files.Save(document, Result(NotebookStatus.Ok));
        }
        return files.Save(document, Result(NotebookStatus.Ok));
    }

    /// <summary>One `dotnet-interactive stdio` process: commands in on stdin, events out on stdout, a line of JSON each.</summary>
    sealed class StdioKernel : IDisposable
    {
        readonly Process _process;
        readonly StringBuilder _stderr = new();
        readonly object _gate = new();
        Action<JsonObject>? _onEvent;
        int _tokens;

        StdioKernel(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) =>
            {
                // The tool prints a welcome banner before its first event; only JSON lines are events.
                if (e.Data is not { } line || !line.StartsWith('{')) return;
                JsonObject? envelope;
                try { envelope = JsonNode.Parse(line) as JsonObject; }
                catch (JsonException) { return; }
                if (envelope is null) return;
                lock (_gate) _onEvent?.Invoke(envelope);
            };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _stderr.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public static StdioKernel Start(string workingDirectory, KitMode mode)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = KitPaths.Root,   // where `dotnet tool run` finds .config/dotnet-tools.json
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                StandardOutputEncoding = Encoding.UTF8,
            };
            foreach (var arg in new[] { "tool", "run", ToolCommand, "--", "stdio", "--default-kernel", "csharp", "--working-dir", workingDirectory })
                start.ArgumentList.Add(arg);
            start.Environment[KitModes.Variable] = mode.Name();
            start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
            start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            var process = Process.Start(start) ?? throw new InvalidOperationException("could not start `dotnet tool run dotnet-interactive`.");
            return new StdioKernel(process);
        }

        public async Task<NotebookExecutor.CellOutcome> SubmitAsync(InteractiveDocumentElement element, TimeSpan timeout)
        {
            var token = $"cell-{Interlocked.Increment(ref _tokens)}";
            var outputs = new ToolCellOutputs(element);
            var done = new TaskCompletionSource<NotebookExecutor.CellOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            var watch = Stopwatch.StartNew();
            lock (_gate)
                _onEvent = envelope =>
                {
                    var commandToken = envelope["command"]?["token"]?.GetValue<string>();
                    if (commandToken is null || !(commandToken == token || commandToken.StartsWith(token + ".", StringComparison.Ordinal))) return;
                    var type = envelope["eventType"]?.GetValue<string>();
                    var e = envelope["event"] as JsonObject ?? new JsonObject();
                    outputs.Add(type, e);
                    if (commandToken != token) return;
                    if (type == "CommandSucceeded")
                        done.TrySetResult(new(NotebookStatus.Ok, watch.Elapsed.TotalSeconds, null));
                    else if (type == "CommandFailed")
                        done.TrySetResult(new(NotebookStatus.Failed, watch.Elapsed.TotalSeconds, e["message"]?.GetValue<string>()?.Trim() ?? "the cell failed"));
                };
            var command = new JsonObject
            {
                ["token"] = token,
                ["commandType"] = "SubmitCode",
                ["command"] = new JsonObject { ["code"] = element.Contents, ["targetKernelName"] = "csharp" },
            };
            await _process.StandardInput.WriteLineAsync(command.ToJsonString());
            await _process.StandardInput.FlushAsync();

            var exited = _process.WaitForExitAsync();
            var finished = await Task.WhenAny(done.Task, exited, Task.Delay(timeout));
            if (finished == done.Task) return await done.Task;
            string message;
            if (finished == exited)
            {
                string stderr;
                lock (_gate) stderr = _stderr.ToString().Trim();
                message = $"the dotnet-interactive process ended (exit code {_process.ExitCode}) during the cell. {stderr}".Trim();
                outputs.AddError("KernelExited", message);
                return new(NotebookStatus.Crashed, watch.Elapsed.TotalSeconds, message);
            }
            // The tool cannot stop a running cell; the kernel goes with it, as a hung cell does in VS Code.
            _process.Kill(entireProcessTree: true);
            message = $"stopped: the cell ran longer than the {timeout.TotalSeconds:0} s limit (--cell-timeout).";
            outputs.AddError("CellTimeout", message);
            return new(NotebookStatus.TimedOut, watch.Elapsed.TotalSeconds, message);
        }

        public void Dispose()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.StandardInput.Close();
                    if (!_process.WaitForExit(5000)) _process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException) { }
            _process.Dispose();
        }
    }

    /// <summary>The tool's events for one cell as notebook outputs (the JSON twin of <see cref="CellOutputs"/>).</summary>
    sealed class ToolCellOutputs(InteractiveDocumentElement element)
    {
        readonly Dictionary<string, int> _displayed = new(StringComparer.Ordinal);
        bool _failed;

        public void Add(string? type, JsonObject e)
        {
            switch (type)
            {
                case "StandardOutputValueProduced": AppendStream("stdout", PlainText(e)); break;
                case "StandardErrorValueProduced": AppendStream("stderr", PlainText(e)); break;
                case "ReturnValueProduced":
                    var returned = new ReturnValueElement();
                    foreach (var (mime, value) in Data(e)) returned.Data[mime] = value;
                    if (returned.Data.Count > 0) element.Outputs.Add(returned);
                    break;
                case "DisplayedValueUpdated" when e["valueId"]?.GetValue<string>() is { } id && _displayed.TryGetValue(id, out var at):
                    element.Outputs[at] = new DisplayElement(Data(e));
                    break;
                case "DisplayedValueProduced":
                    var data = Data(e);
                    if (data.Count == 0) break;
                    if (e["valueId"]?.GetValue<string>() is { } valueId) _displayed[valueId] = element.Outputs.Count;
                    element.Outputs.Add(new DisplayElement(data));
                    break;
                case "DiagnosticsProduced":
                    // Compiler warnings reach a student as diagnostics; the kit's cells must compile without any.
                    foreach (var d in e["diagnostics"]?.AsArray() ?? [])
                        if (string.Equals(d?["severity"]?.GetValue<string>(), "warning", StringComparison.OrdinalIgnoreCase))
                            AppendStream("stderr", $"warning {d?["code"]}: {d?["message"]}\n");
                    break;
                case "CommandFailed" when !_failed:
                    _failed = true;
                    AddError("CommandFailed", e["message"]?.GetValue<string>()?.Trim() ?? "the cell failed");
                    break;
            }
        }

        public void AddError(string name, string message) =>
            element.Outputs.Add(new ErrorElement(errorValue: message, errorName: name, stackTrace: []));

        void AppendStream(string name, string text) => CellOutputs.AppendStream(element, name, text);

        static IEnumerable<JsonNode?> Values(JsonObject e) => e["formattedValues"]?.AsArray() ?? [];

        static string PlainText(JsonObject e) =>
            Values(e).FirstOrDefault(v => v?["mimeType"]?.GetValue<string>() == "text/plain")?["value"]?.GetValue<string>()
            ?? Values(e).FirstOrDefault()?["value"]?.GetValue<string>() ?? "";

        static Dictionary<string, object> Data(JsonObject e)
        {
            var data = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var v in Values(e))
                if (v?["suppressDisplay"]?.GetValue<bool>() != true && v?["mimeType"]?.GetValue<string>() is { } mime && v["value"]?.GetValue<string>() is { } value)
                    data[mime] = value;
            return data;
        }
    }
}

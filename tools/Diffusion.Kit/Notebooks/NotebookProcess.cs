using System.Diagnostics;
using Diffusion.Kit.Processes;
using Diffusion.Kit.Verbs;
using Diffusion.Runtime;

namespace Diffusion.Kit.Notebooks;

/// <summary>
/// Runs one notebook in a child process of this kit (the `run-one` verb) and reads back its result.
/// The child stops a cell that runs past the time limit itself; as a second line of defence the parent
/// (<see cref="SupervisedProcess"/>) kills the child's whole process tree when it has said nothing for longer than the
/// limit plus a grace period.
/// </summary>
public static class NotebookProcess
{
    /// <summary>Start-up (kernel, first TorchSharp load) and exit time allowed beyond the cell limit.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(120);

    public static async Task<NotebookResult> RunAsync(
        string notebookPath, string notebooksOutDir, KitMode mode, TimeSpan cellTimeout,
        Action<string> echo, CancellationToken cancel, NotebookKernel kernel = NotebookKernel.Kit)
    {
        var name = Path.GetFileNameWithoutExtension(notebookPath);
        Directory.CreateDirectory(notebooksOutDir);
        var resultPath = NotebookExecutor.ResultPathFor(notebooksOutDir, name);
        File.Delete(resultPath);
        File.Delete(Path.Combine(notebooksOutDir, name + ".ipynb"));

        var start = KitStartInfo("run-one", notebookPath, "--out", notebooksOutDir,
            "--mode", mode.Name(), "--cell-timeout", ((int)Math.Ceiling(cellTimeout.TotalSeconds)).ToString(), "--kernel", kernel.Name());
        start.WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(notebookPath))!;
        start.Environment[KitModes.Variable] = mode.Name();

        var watch = Stopwatch.StartNew();
        using var process = SupervisedProcess.Start(start, (line, error) =>
        {
            if (error || !line.StartsWith(RunOneVerb.ProgressPrefix, StringComparison.Ordinal)) return true;
            echo($"  [{name}] {line[RunOneVerb.ProgressPrefix.Length..]}");
            return false;
        });
        int code = await process.WaitAsync(() => process.SinceHeard > cellTimeout + Grace
            ? $"no progress for {process.SinceHeard.TotalSeconds:0} s (cell limit {cellTimeout.TotalSeconds:0} s + {Grace.TotalSeconds:0} s grace): the notebook process was killed."
            : null, TimeSpan.FromSeconds(1), cancel);
        string? killedBecause = process.KilledBecause;
        var seconds = watch.Elapsed.TotalSeconds;
        var result = NotebookResult.TryRead(resultPath);

        bool consistent = result is not null && (
            (code == 0 && result.Status == NotebookStatus.Ok) ||
            (code == RunOneVerb.ExitFailed && result.Status == NotebookStatus.Failed) ||
            (code == RunOneVerb.ExitTimedOut && result.Status == NotebookStatus.TimedOut));
        if (consistent) return result! with { Seconds = seconds };
        // A child stopped by its own cell limit may die on the way out (the hung cell's thread): its result still says why.
        if (result is { Status: NotebookStatus.TimedOut } && killedBecause is null) return result with { Seconds = seconds };

        var why = killedBecause ?? $"the notebook process exited with code {code} before finishing" +
                  (result is null ? " and wrote no result" : $" (last finished cell: {result.Cells.LastOrDefault()?.Cell.ToString() ?? "none"})");
        var output = process.Tail(40);
        var error = output.Length > 0 ? $"{why}\n{output}" : why;
        return new NotebookResult(name, Path.GetFullPath(notebookPath), mode.Name(),
            killedBecause is null ? NotebookStatus.Crashed : NotebookStatus.TimedOut,
            seconds, result?.Cells ?? [], null, null, error);
    }

    /// <summary>
    /// A command line that runs this kit: `dotnet Diffusion.Kit.dll VERB ...`. Works from `dotnet run`,
    /// from the built apphost and from the test project (which carries the kit's dll and runtimeconfig).
    /// </summary>
    public static ProcessStartInfo KitStartInfo(params string[] arguments)
    {
        var kitDll = typeof(NotebookProcess).Assembly.Location;
        var start = new ProcessStartInfo(DotNetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(kitDll);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        return start;
    }

    static string DotNetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        var fromEnv = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv)) return fromEnv;
        var root = Environment.GetEnvironmentVariable("DOTNET_ROOT");
        if (!string.IsNullOrEmpty(root) && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return "dotnet";
    }
}

using System.Diagnostics;
using System.Text.Json;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;

namespace Diffusion.Tests;

/// <summary>Temporary notebooks and runner calls shared by the runner, notebook and report tests.</summary>
static class RunnerTestSupport
{
    public const string Meta = """
        #!meta

        {"kernelInfo":{"defaultKernelName":"csharp","items":[{"aliases":[],"name":"csharp"}]}}

        """;

    /// <summary>A fresh folder under the system temp folder (or under <paramref name="parent"/>).</summary>
    public static string TempDir(string tag, string? parent = null)
    {
        var dir = Path.Combine(parent ?? Path.Combine(Path.GetTempPath(), "diffusion-kit-tests"), $"{tag}-{Guid.NewGuid():N}"[..(tag.Length + 9)]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Writes a .dib whose cells are given as ("csharp" | "markdown", text).</summary>
    public static string WriteNotebook(string dir, string name, params (string Kernel, string Text)[] cells)
    {
        var text = Meta + string.Concat(cells.Select(c => $"#!{c.Kernel}\n\n{c.Text.Trim()}\n\n"));
        var path = Path.Combine(dir, name + ".dib");
        File.WriteAllText(path, text);
        return path;
    }

    public static async Task<RunSummary> RunAsync(string outDir, KitMode mode, int cellTimeoutSeconds, bool report, params string[] notebooks)
    {
        var options = new RunOptions(notebooks, mode, TimeSpan.FromSeconds(cellTimeoutSeconds), outDir, report);
        return await NotebookRun.RunAsync(options, _ => { }, CancellationToken.None);
    }

    /// <summary>Runs the kit's command line (`dotnet Diffusion.Kit.dll ...`) and returns its exit code and output.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunKit(TimeSpan limit, params string[] arguments)
    {
        var start = NotebookProcess.KitStartInfo(arguments);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"kit {string.Join(' ', arguments)} ran longer than {limit}.");
        }
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Every output of every code cell in an .ipynb, with the cell's position (from 1).</summary>
    public static List<(int Cell, JsonElement Output)> Outputs(string ipynb)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(ipynb));
        var list = new List<(int, JsonElement)>();
        int n = 0;
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            n++;
            if (cell.TryGetProperty("outputs", out var outputs))
                foreach (var o in outputs.EnumerateArray()) list.Add((n, o.Clone()));
        }
        return list;
    }

    public static string TextOf(JsonElement value) => value.ValueKind == JsonValueKind.Array
        ? string.Concat(value.EnumerateArray().Select(v => v.GetString()))
        : value.GetString() ?? "";
}

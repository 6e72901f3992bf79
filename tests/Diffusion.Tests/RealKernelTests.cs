using System.Diagnostics;
using System.Text.Json;
using Diffusion.Display;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>
/// What students get: every notebook executed in the dotnet-interactive tool (.config/dotnet-tools.json), the engine
/// of VS Code's Polyglot Notebooks and Jupyter's .NET kernel, over its stdio protocol as VS Code drives it. No cell
/// may fail, write to stderr (compiler warnings included) or show a stray "&lt;null&gt;"; the loss curves must be charts;
/// the figures must be those the kit's own host makes for `run`; every .ipynb must pass Jupyter's strict validator.
/// </summary>
[Collection(SmokeRunsCollection.Name)]
public class RealKernelTests(SmokeRuns runs)
{
    public static TheoryData<string> Notebooks() => SmokeRuns.Notebooks();

    public static TheoryData<string> NotebooksWithLossCurves() => new() { "00-setup", "B1-single-step-denoiser", "B2-time-conditioned-ddpm", "B3-class-conditioned-ddpm", "B4-flow-matching-time", "B5-flow-matching-class" };

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void NotebookRunsInTheRealKernelWithNoErrorStderrOrNullOutput(string notebook)
    {
        var result = SmokeRuns.ResultOf(runs.Tool, notebook);
        Assert.True(result.Status == NotebookStatus.Ok, $"{notebook} in dotnet-interactive: {NotebookRun.Describe(result)}");

        foreach (var (cell, output) in Outputs(SmokeRuns.IpynbOf(runs.Tool, notebook)))
        {
            var type = output.GetProperty("output_type").GetString();
            Assert.False(type == "error", $"{notebook} cell {cell} shows an error: {output}");
            if (type == "stream" && output.GetProperty("name").GetString() == "stderr")
                Assert.Fail($"{notebook} cell {cell} writes to stderr: {TextOf(output.GetProperty("text"))}");
            if (output.TryGetProperty("data", out var data) && data.TryGetProperty("text/plain", out var plain))
                Assert.False(TextOf(plain).Contains("<null>", StringComparison.Ordinal), $"{notebook} cell {cell} shows <null>: {TextOf(plain)}");
        }
    }

    [Theory]
    [MemberData(nameof(NotebooksWithLossCurves))]
    public void LossCurveIsAChartInTheRealKernel(string notebook)
    {
        var charts = Outputs(SmokeRuns.IpynbOf(runs.Tool, notebook))
            .Where(o => o.Output.TryGetProperty("data", out var d) && d.TryGetProperty(ChartDisplay.SvgMimeType, out _))
            .Select(o => o.Output.GetProperty("data")).ToList();

        Assert.True(charts.Count >= 1, $"{notebook} in dotnet-interactive shows no chart (no {ChartDisplay.SvgMimeType} output)");
        foreach (var data in charts)
        {
            Assert.StartsWith("<svg", TextOf(data.GetProperty(ChartDisplay.SvgMimeType)));
            Assert.Contains(ChartDisplay.ChartClass, TextOf(data.GetProperty(ChartDisplay.HtmlMimeType)));
        }
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public void RealKernelShowsTheFiguresRunShows(string notebook)
    {
        var kit = Figures(SmokeRuns.IpynbOf(runs.Kit, notebook));
        var tool = Figures(SmokeRuns.IpynbOf(runs.Tool, notebook));

        Assert.True(kit.Select(f => f.Cell).SequenceEqual(tool.Select(f => f.Cell)),
            $"{notebook}: run shows figures in cells [{string.Join(",", kit.Select(f => f.Cell))}], dotnet-interactive in [{string.Join(",", tool.Select(f => f.Cell))}]");
        for (int i = 0; i < kit.Count; i++)
        {
            using var a = Image.Load<Rgb24>(kit[i].Bytes);
            using var b = Image.Load<Rgb24>(tool[i].Bytes);
            Assert.True(a.Width == b.Width && a.Height == b.Height,
                $"{notebook} cell {kit[i].Cell}: run's figure is {a.Width}x{a.Height}, dotnet-interactive's {b.Width}x{b.Height}");
            // libtorch's CPU kernels may sum in another order from one process to the next, and smoke mode's tiny
            // freshly trained models pass that on to their samples: a few grey levels here and there (1.5 seen).
            // Another seed or another model differs by tens of levels per pixel.
            double meanDifference = MeanAbsoluteDifference(a, b);
            Assert.True(meanDifference <= 3.0, $"{notebook} cell {kit[i].Cell}: figures differ by {meanDifference:F2} grey levels per channel on average (at most 3 allowed)");
        }
    }

    [Fact]
    public void ExecutedAndTwinNotebooksPassJupytersStrictValidation()
    {
        var files = runs.Kit.Results.Select(r => SmokeRuns.IpynbOf(runs.Kit, r.Name))
            .Concat(runs.Tool.Results.Select(r => SmokeRuns.IpynbOf(runs.Tool, r.Name)))
            .Concat(Directory.GetFiles(KitPaths.Notebooks, "*.ipynb").Order(StringComparer.Ordinal))
            .ToList();

        var (exitCode, output) = ValidateWithNbformat(files);

        Assert.True(exitCode == 0, $"Jupyter's nbformat validator rejected some notebooks:\n{output}");
        Assert.Equal(files.Count, output.Split('\n').Count(l => l.StartsWith("valid ", StringComparison.Ordinal)));
    }

    [Fact]
    public void ValidatorRejectsANotebookWithoutCellIds()
    {
        var dir = TempDir("no-ids");
        var path = Path.Combine(dir, "old.ipynb");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(SmokeRuns.IpynbOf(runs.Kit, "00-setup")))!.AsObject();
        foreach (var cell in json["cells"]!.AsArray()) cell!.AsObject().Remove("id");
        File.WriteAllText(path, json.ToJsonString());

        var (exitCode, output) = ValidateWithNbformat([path]);

        Assert.True(exitCode == 1 && output.Contains("MissingIDField", StringComparison.Ordinal), $"a notebook without cell ids passed: {output}");
    }

    [Theory]
    [MemberData(nameof(Notebooks))]
    public async Task IpynbTwinIsInStepWithItsDib(string notebook)
    {
        var dib = Path.Combine(KitPaths.Notebooks, notebook + ".dib");

        Assert.True(await JupyterNotebooks.IsCurrentAsync(dib),
            $"notebooks/{notebook}.ipynb is missing or differs from {notebook}.dib; write it with: dotnet run --project tools/Diffusion.Kit -- ipynb");
    }

    /// <summary>Every image/png or image/gif output in notebook order, with its cell number and decoded bytes.</summary>
    static List<(int Cell, byte[] Bytes)> Figures(string ipynb) =>
        Outputs(ipynb)
            .Select(o => (o.Cell, Data: o.Output.TryGetProperty("data", out var d) ? d : default))
            .Where(o => o.Data.ValueKind == JsonValueKind.Object)
            .SelectMany(o => new[] { "image/gif", "image/png" }.Where(m => o.Data.TryGetProperty(m, out _)).Take(1)
                .Select(m => (o.Cell, Convert.FromBase64String(TextOf(o.Data.GetProperty(m))))))
            .ToList();

    static double MeanAbsoluteDifference(Image<Rgb24> a, Image<Rgb24> b)
    {
        double total = 0;
        for (int y = 0; y < a.Height; y++)
            for (int x = 0; x < a.Width; x++)
            {
                var p = a[x, y];
                var q = b[x, y];
                total += Math.Abs(p.R - q.R) + Math.Abs(p.G - q.G) + Math.Abs(p.B - q.B);
            }
        return total / (3.0 * a.Width * a.Height);
    }

    /// <summary>Debian's python3-nbformat (the test project installs it) on the files, strictly: tests/Diffusion.Tests/Tools/validate_ipynb.py.</summary>
    static (int ExitCode, string Output) ValidateWithNbformat(IReadOnlyList<string> files)
    {
        const string python = "/usr/bin/python3";
        Assert.True(File.Exists(python), $"{python} is missing: install Debian's python3-nbformat (sudo apt-get install -y python3-nbformat)");
        var script = Path.Combine(KitPaths.Root, "tests", "Diffusion.Tests", "Tools", "validate_ipynb.py");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        foreach (var f in files) start.ArgumentList.Add(f);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        var output = stdout.Result + stderr.Result;
        Assert.False(output.Contains("No module named 'nbformat'", StringComparison.Ordinal),
            "Jupyter's validator is not installed: sudo apt-get install -y python3-nbformat");
        return (p.ExitCode, output);
    }
}

/// <summary>The real-kernel executor itself: what it reports must be what a student would see, warnings included.</summary>
public class InteractiveToolExecutorTests
{
    [Fact]
    public async Task CompilerWarningsBecomeStderrAndAFailingCellStopsTheNotebook()
    {
        var dir = TempDir("tool-kernel");
        var torchSharp = Path.Combine(KitPaths.Root, "artifacts", "lib", "TorchSharp.dll");
        var notebook = WriteNotebook(dir, "warns",
            ("csharp", $"#r \"{torchSharp}\""),
            // torch.tensor(float[]) makes the script compiler warn CS1701 (TorchSharp references System.Runtime.Numerics 8.0).
            ("csharp", "var c = TorchSharp.torch.tensor(new float[] { 1f });\nConsole.WriteLine(\"made\");"),
            ("csharp", "throw new InvalidOperationException(\"on purpose\");"),
            ("csharp", "Console.WriteLine(\"never\");"));

        var summary = await NotebookRun.RunAsync(
            new RunOptions([notebook], KitMode.Smoke, TimeSpan.FromSeconds(120), Path.Combine(dir, "out"), WriteReport: false, NotebookKernel.DotnetInteractive),
            _ => { }, CancellationToken.None);

        var result = Assert.Single(summary.Results);
        Assert.Equal(NotebookStatus.Failed, result.Status);
        Assert.Equal(3, result.FailedCell);
        Assert.Contains("on purpose", result.Error);
        var outputs = Outputs(Path.Combine(summary.NotebooksDir, "warns.ipynb"));
        Assert.Contains(outputs, o => o.Cell == 2 && o.Output.GetProperty("output_type").GetString() == "stream"
                                      && o.Output.GetProperty("name").GetString() == "stderr" && TextOf(o.Output.GetProperty("text")).Contains("CS1701"));
        Assert.Contains(outputs, o => o.Cell == 2 && o.Output.TryGetProperty("text", out var t) && TextOf(t).Contains("made"));
        Assert.Contains(outputs, o => o.Cell == 3 && o.Output.GetProperty("output_type").GetString() == "error");
        Assert.DoesNotContain(outputs, o => o.Cell == 4);
    }
}

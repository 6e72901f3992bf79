using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Diffusion.Display;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>The results page opens offline in a real headless browser with its images decoded and its charts drawn.</summary>
public class ReportTests
{
    [Fact]
    public void ReportDrawsImagesAndPlotsInHeadlessChromium()
    {
        var plotly = PlotlyBundle.Ensure(_ => { });
        Assert.True(plotly.Path is not null, plotly.Problem);
        var index = SyntheticReport(Png(12, 8), plotly);

        var status = HeadlessChromium.ReportStatus(index);

        Assert.True(status.Ok, status.Raw);
        Assert.Equal(2, status.Images);
        Assert.Equal(1, status.PlotsDrawn);
        Assert.Empty(status.Errors);
        var html = File.ReadAllText(index);
        Assert.DoesNotContain("<script src=\"https://", html);
        Assert.Contains("Hello report</h1>", html);
    }

    [Fact]
    public void ReportCheckFailsWhenAnImageOrPlotDoesNotDraw()
    {
        var index = SyntheticReport("bm90IGEgcG5n", new PlotlyScript(null, "plotly.js withheld by the test"));

        var status = HeadlessChromium.ReportStatus(index);

        Assert.False(status.Ok);
        Assert.Single(status.Broken, b => b.EndsWith(".png", StringComparison.Ordinal) && b.Contains("cell"));
        Assert.Equal(0, status.PlotsDrawn);
        Assert.Contains("plotly.js withheld by the test", File.ReadAllText(index));
    }

    [Fact]
    public async Task SetupNotebookReportShowsItsPicturesAndChartOffline()
    {
        var outDir = TempDir("setup-report");
        var summary = await RunAsync(outDir, KitMode.Smoke, 300, report: true, Path.Combine(KitPaths.Notebooks, "00-setup.dib"));

        var result = Assert.Single(summary.Results);
        Assert.True(result.Status == NotebookStatus.Ok, NotebookRun.Describe(result));
        Assert.Null(summary.ReportProblem);
        var outputs = Outputs(Path.Combine(summary.NotebooksDir, "00-setup.ipynb"));
        Assert.Contains(outputs, o => o.Output.TryGetProperty("data", out var d) && d.TryGetProperty("image/png", out _));

        var status = HeadlessChromium.ReportStatus(summary.ReportPath!);

        Assert.True(status.Ok, status.Raw);
        Assert.True(status.Images >= 3, status.Raw);
        Assert.True(status.PlotsDrawn >= 1, status.Raw);
    }

    [Fact]
    public void LossCurveIsSmoothedWithoutBiasOnALogAxisAndLoadsPlotlyWhenMissing()
    {
        Assert.Equal([2.0, 2.0, 2.0], LossCurve.Smooth([2.0, 2.0, 2.0], 0.9));
        Assert.Equal(5.0, LossCurve.Smooth([5.0, 1.0], 0.9)[0]);

        var chart = LossCurve.Plot([1.0, 0.5, 0.25], "loss");
        var html = ChartDisplay.ToHtml(chart);

        Assert.True(chart.LogY, "a loss curve's y axis should be logarithmic by default");
        Assert.Contains("\"type\":\"log\"", ChartDisplay.PlotlySpec(chart));
        Assert.Contains("<svg", html);
        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains(ChartDisplay.PlotlyCdn, html);
        Assert.Equal(1, ReportWriter.Offline(html).Plots);
        Assert.DoesNotContain("cdn.plot.ly", ReportWriter.Offline(html).Html);
        Assert.Equal("losses", Assert.Throws<ArgumentException>(() => LossCurve.Plot([], "empty")).ParamName);
    }

    [Fact]
    public void ChartSvgPutsDecadeTicksOnALogAxisAndDrawsEverySeries()
    {
        var chart = new LineChart("t", "step", "loss",
            [new ChartSeries("a", [1.0, 2, 3], [0.001, 0.1, 10.0]), new ChartSeries("b", [1.0, 3], [1.0, 1.0])], logY: true);

        var svg = ChartSvg.Render(chart);

        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(svg, "<polyline").Count);
        foreach (var label in new[] { ">0.001<", ">0.01<", ">0.1<", ">1<", ">10<" }) Assert.Contains(label, svg);
        // Series b lies on y = 1, the middle decade of 1e-3..10 (4 decades): its points share one height, 3/4 of the way down from 10.
        var heights = System.Text.RegularExpressions.Regex.Matches(svg.Split("<polyline")[2], @"[\d.]+,([\d.]+)").Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(2, heights.Count);
        Assert.Equal(heights[0], heights[1]);
        Assert.Equal(40 + 0.25 * (ChartSvg.Height - 90), heights[0], 0.1);
    }

    [Fact]
    public void LineChartRefusesDataItCannotShow()
    {
        Assert.Contains("2 x values but 1 y values", Assert.Throws<ArgumentException>(() => new LineChart("t", "x", "y", [new ChartSeries("s", [1.0, 2], [1.0])])).Message);
        Assert.Contains("not finite", Assert.Throws<ArgumentException>(() => new LineChart("t", "x", "y", [new ChartSeries("s", [1.0], [double.NaN])])).Message);
        Assert.Contains("log axis", Assert.Throws<ArgumentException>(() => new LineChart("t", "x", "y", [new ChartSeries("s", [1.0], [0.0])], logY: true)).Message);
        Assert.Equal("series", Assert.Throws<ArgumentException>(() => new LineChart("t", "x", "y", [])).ParamName);
    }

    /// <summary>A report for one executed notebook holding markdown, stdout, one PNG (base64) and one Plotly chart.</summary>
    static string SyntheticReport(string pngBase64, PlotlyScript plotly)
    {
        var dir = TempDir("report");
        var notebooks = Path.Combine(dir, "notebooks");
        Directory.CreateDirectory(notebooks);
        var chart = ChartDisplay.ToHtml(LossCurve.Plot([1.0, 0.6, 0.4, 0.3, 0.25, 0.22], "loss"));
        var document = new InteractiveDocument
        {
            new InteractiveDocumentElement("# Hello report\n\nA *figure* follows. ![a linked picture](pic.png)", "markdown"),
            new InteractiveDocumentElement("Console.WriteLine(\"hi\");", "csharp",
                [new TextElement("hi\n", "stdout"), new DisplayElement(new Dictionary<string, object> { ["image/png"] = pngBase64 })]),
            new InteractiveDocumentElement("LossCurve.Plot(losses, \"loss\")", "csharp",
                [new DisplayElement(new Dictionary<string, object> { ["text/html"] = chart })]),
        };
        File.WriteAllText(Path.Combine(notebooks, "demo.ipynb"), document.ToJupyterJson("C#"));
        File.WriteAllBytes(Path.Combine(dir, "pic.png"), Convert.FromBase64String(Png(5, 5)));
        var result = new NotebookResult("demo", Path.Combine(dir, "demo.dib"), "smoke", NotebookStatus.Ok, 1.0, []);
        return ReportWriter.Write(Path.Combine(dir, "report"), notebooks, [result], plotly);
    }

    static string Png(int width, int height)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(200, 30, 90));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream);
        return Convert.ToBase64String(stream.ToArray());
    }
}

/// <summary>Debian's chromium, headless, with no network: loads a page and reads the report's self-check.</summary>
static class HeadlessChromium
{
    public sealed record Status(bool Ok, int Images, IReadOnlyList<string> Broken, int PlotsDrawn, IReadOnlyList<string> Errors, string Raw);

    public static string Executable =>
        new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("No chromium found; install it with `sudo apt-get install -y chromium` (see README).");

    public static Status ReportStatus(string htmlPath)
    {
        var (dom, exit, stderr) = Load(htmlPath);
        var match = Regex.Match(dom, $"<pre id=\"{ReportWriter.StatusElementId}\"[^>]*>(.*?)</pre>", RegexOptions.Singleline);
        if (!match.Success || match.Groups[1].Value.Length == 0)
            throw new InvalidOperationException($"The report's self-check never ran (exit {exit}). stderr:\n{stderr}");
        var raw = WebUtility.HtmlDecode(match.Groups[1].Value);
        using var json = JsonDocument.Parse(raw);
        var r = json.RootElement;
        return new Status(
            r.GetProperty("ok").GetBoolean(),
            r.GetProperty("images").GetInt32(),
            r.GetProperty("broken").EnumerateArray().Select(e => e.GetString() ?? "").ToList(),
            r.GetProperty("plotsDrawn").GetInt32(),
            r.GetProperty("errors").EnumerateArray().Select(e => e.GetString() ?? "").ToList(),
            raw);
    }

    /// <summary>The page's DOM after its scripts ran (chromium's --dump-dom), its exit code and its stderr.</summary>
    public static (string Dom, int Exit, string Stderr) Load(string htmlPath)
    {
        var profile = TempDir("chromium-profile");
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--host-resolver-rules=MAP * ~NOTFOUND",
                     $"--user-data-dir={profile}", "--virtual-time-budget=30000", "--dump-dom",
                     new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri,
                 })
            start.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(start)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                p.Kill(entireProcessTree: true);
                throw new TimeoutException("chromium did not finish within 2 minutes.");
            }
            p.WaitForExit();
            return (stdout.Result, p.ExitCode, stderr.Result);
        }
        finally
        {
            try { Directory.Delete(profile, recursive: true); } catch (IOException) { }
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Markdig;

namespace Diffusion.Kit.Notebooks;

/// <summary>
/// The results page: out/report/index.html with, per notebook, its status, its markdown rendered to HTML,
/// and its outputs (images as files under figures/, HTML such as Plotly charts inline, stdout and errors as
/// text). It needs no network: plotly.js is copied to assets/ and CDN references to it are removed.
/// A small script checks on load that every image decoded, every chart drew and no script failed, and
/// writes the verdict into #report-status (the browser test reads it).
/// </summary>
public static partial class ReportWriter
{
    public const string StatusElementId = "report-status";
    const string PlotlyAsset = "assets/plotly.min.js";
    static readonly MarkdownPipeline Markdown = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();
    // A chart carries text/html (drawn by plotly.js, bundled here) and image/svg+xml (its static twin): take the first.
    static readonly string[] PreferredMimeTypes = ["image/png", "image/gif", "image/jpeg", "text/html", "image/svg+xml", "text/markdown", "text/plain"];

    /// <summary>Writes reportDir/index.html and its files; returns the page's path.</summary>
    /// <param name="title">The page's heading.</param>
    /// <param name="preambleHtml">HTML placed above the notebooks (the grader's points table), already escaped.</param>
    /// <param name="command">The command named as the page's maker.</param>
    public static string Write(string reportDir, string notebooksDir, IReadOnlyList<NotebookResult> results, PlotlyScript plotly,
        string title = "Fun with Diffusion Models: results", string? preambleHtml = null,
        string command = "dotnet run --project tools/Diffusion.Kit -- run")
    {
        if (Directory.Exists(Path.Combine(reportDir, "figures"))) Directory.Delete(Path.Combine(reportDir, "figures"), recursive: true);
        Directory.CreateDirectory(Path.Combine(reportDir, "assets"));
        if (plotly.Path is not null) File.Copy(plotly.Path, Path.Combine(reportDir, PlotlyAsset), overwrite: true);

        var body = new StringBuilder();
        int plots = 0;
        foreach (var result in results)
            plots += WriteSection(body, reportDir, notebooksDir, result);

        var page = new StringBuilder();
        page.Append($"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{Escape(title)}</title>
            <script>{ErrorCaptureScript}</script>
            {(plotly.Path is not null ? $"<script src=\"{PlotlyAsset}\"></script>" : "<!-- plotly.js unavailable -->")}
            <script>{RequireShimScript}</script>
            <style>{Style}</style>
            </head>
            <body data-expected-plots="{plots}">
            <header>
            <h1>{Escape(title)}</h1>
            <p class="meta">Generated {DateTime.Now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} by <code>{Escape(command)}</code>.</p>
            <p class="meta">Part B track: {Escape(CourseTracks.Describe(results.Select(r => r.Name)))}.</p>

            """);
        if (plotly.Problem is not null)
            page.Append($"<div class=\"banner\"><strong>Charts cannot draw:</strong> {Escape(plotly.Problem)}</div>\n");
        if (preambleHtml is not null) page.Append(preambleHtml).Append('\n');
        page.Append("</header>\n<nav>\n<table class=\"index\">\n<tr><th>Notebook</th><th>Status</th><th>Time</th><th>Executed notebook</th></tr>\n");
        foreach (var r in results)
        {
            var (cls, label) = StatusLabel(r.Status);
            page.Append(string.Create(CultureInfo.InvariantCulture,
                $"<tr><td><a href=\"#{Anchor(r.Name)}\">{Escape(r.Name)}</a></td><td class=\"{cls}\">{label}</td><td>{r.Seconds:0.0} s{(r.ReplayedFrom is null ? "" : " (cached)")}</td><td><a href=\"{Escape(RelativeIpynb(reportDir, notebooksDir, r.Name))}\">{Escape(r.Name)}.ipynb</a></td></tr>\n"));
        }
        page.Append("</table>\n</nav>\n<main>\n");
        page.Append(body);
        page.Append($"""
            </main>
            <pre id="{StatusElementId}" hidden></pre>
            <script>{CheckScript}</script>
            </body>
            </html>

            """);
        var index = Path.Combine(reportDir, "index.html");
        File.WriteAllText(index, page.ToString());
        return index;
    }

    /// <summary>Writes one notebook's section; returns how many charts it holds.</summary>
    static int WriteSection(StringBuilder html, string reportDir, string notebooksDir, NotebookResult result)
    {
        var (cls, label) = StatusLabel(result.Status);
        html.Append($"<section id=\"{Anchor(result.Name)}\">\n<h2>{Escape(result.Name)} <span class=\"badge {cls}\">{label}</span></h2>\n");
        if (result.Status != NotebookStatus.Ok)
            html.Append($"<div class=\"failure\">{Escape(NotebookRun.Describe(result))}</div>\n");
        if (result.ReplayedFrom is { } when)
            html.Append(string.Create(CultureInfo.InvariantCulture,
                $"<p class=\"cached\">Cached: every figure below is from the run of {when:yyyy-MM-dd HH:mm} UTC, replayed because the notebook, library, kit, data and models are byte for byte the same (<code>run --no-cache</code> executes it again).</p>\n"));

        var ipynb = Path.Combine(notebooksDir, result.Name + ".ipynb");
        if (!File.Exists(ipynb))
        {
            html.Append("<p class=\"missing\">No executed notebook was written.</p>\n</section>\n");
            return 0;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(ipynb));
        int plots = 0, cellNumber = 0;
        foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
        {
            cellNumber++;
            var source = Joined(cell.GetProperty("source"));
            var type = cell.GetProperty("cell_type").GetString();
            if (type == "markdown")
            {
                var rendered = LocalImages(Markdig.Markdown.ToHtml(source, Markdown), Path.GetDirectoryName(result.Source), reportDir, result.Name);
                html.Append("<div class=\"markdown\">\n").Append(rendered).Append("</div>\n");
                continue;
            }
            if (type != "code" || string.IsNullOrWhiteSpace(source)) continue;
            html.Append($"<details class=\"code\"><summary>cell {cellNumber}: <code>{Escape(NotebookExecutor.FirstLine(source))}</code></summary><pre><code>{Escape(source)}</code></pre></details>\n");
            if (!cell.TryGetProperty("outputs", out var outputs)) continue;
            int outputNumber = 0;
            foreach (var output in outputs.EnumerateArray())
                plots += WriteOutput(html, reportDir, result.Name, cellNumber, ++outputNumber, output);
        }
        html.Append("</section>\n");
        return plots;
    }

    static int WriteOutput(StringBuilder html, string reportDir, string notebook, int cell, int index, JsonElement output)
    {
        switch (output.GetProperty("output_type").GetString())
        {
            case "stream":
                var stream = output.TryGetProperty("name", out var n) ? n.GetString() : "stdout";
                html.Append($"<pre class=\"{(stream == "stderr" ? "stderr" : "stdout")}\">{Escape(Joined(output.GetProperty("text")))}</pre>\n");
                return 0;
            case "error":
                var ename = output.TryGetProperty("ename", out var en) ? en.GetString() : "Error";
                var evalue = output.TryGetProperty("evalue", out var ev) ? ev.GetString() : "";
                html.Append($"<pre class=\"error\">{Escape($"{ename}: {evalue}")}</pre>\n");
                return 0;
            case "display_data" or "execute_result" when output.TryGetProperty("data", out var data):
                return WriteData(html, reportDir, notebook, cell, index, data);
            default:
                return 0;
        }
    }

    /// <summary>Shows the richest MIME type of an output, as Jupyter does.</summary>
    static int WriteData(StringBuilder html, string reportDir, string notebook, int cell, int index, JsonElement data)
    {
        var available = data.EnumerateObject().ToDictionary(p => p.Name, p => Joined(p.Value));
        var mime = PreferredMimeTypes.FirstOrDefault(available.ContainsKey) ?? available.Keys.FirstOrDefault();
        if (mime is null) return 0;
        var value = available[mime];
        switch (mime)
        {
            case "image/png" or "image/gif" or "image/jpeg":
                var src = SaveImage(reportDir, notebook, cell, index, mime, value);
                html.Append(src is null
                    ? $"<pre class=\"error\">cell {cell}: the {mime} output is not base64 data</pre>\n"
                    : $"<figure class=\"output\"><img src=\"{Escape(src)}\" alt=\"{Escape(notebook)} cell {cell} output {index}\"></figure>\n");
                return 0;
            case "image/svg+xml":
                html.Append($"<figure class=\"output\">{value}</figure>\n");
                return 0;
            case "text/html":
                var (offline, plots) = Offline(value);
                html.Append($"<div class=\"output html\">{offline}</div>\n");
                return plots;
            case "text/markdown":
                html.Append("<div class=\"output markdown\">").Append(Markdig.Markdown.ToHtml(value, Markdown)).Append("</div>\n");
                return 0;
            default:
                html.Append($"<pre class=\"output\">{Escape(value)}</pre>\n");
                return 0;
        }
    }

    /// <summary>Saves a base64 image (or data URI) under figures/NOTEBOOK/; returns its relative URL or null.</summary>
    static string? SaveImage(string reportDir, string notebook, int cell, int index, string mime, string value)
    {
        var text = value.Trim();
        if (text.StartsWith("data:", StringComparison.Ordinal) && text.IndexOf("base64,", StringComparison.Ordinal) is var at and >= 0)
            text = text[(at + "base64,".Length)..];
        byte[] bytes;
        try { bytes = Convert.FromBase64String(text); }
        catch (FormatException) { return null; }
        var extension = mime["image/".Length..];
        var relative = $"figures/{Anchor(notebook)}/cell{cell:00}-{index:00}.{extension}";
        var path = Path.Combine(reportDir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return relative;
    }

    /// <summary>Copies images a markdown cell links by relative path (from the notebook's folder) into figures/ and points at the copies.</summary>
    static string LocalImages(string html, string? notebookDir, string reportDir, string notebook) =>
        notebookDir is null ? html : ImageSource().Replace(html, m =>
        {
            var src = WebUtility.HtmlDecode(m.Groups[2].Value);
            if (src.Contains("://", StringComparison.Ordinal) || src.StartsWith("data:", StringComparison.Ordinal) || Path.IsPathRooted(src))
                return m.Value;
            var file = Path.GetFullPath(Path.Combine(notebookDir, src));
            if (!File.Exists(file)) return m.Value;
            var relative = $"figures/{Anchor(notebook)}/md-{Anchor(Path.GetFileNameWithoutExtension(file))}{Path.GetExtension(file)}";
            Directory.CreateDirectory(Path.Combine(reportDir, "figures", Anchor(notebook)));
            File.Copy(file, Path.Combine(reportDir, relative), overwrite: true);
            return $"{m.Groups[1].Value}{Escape(relative)}{m.Groups[3].Value}";
        });

    [GeneratedRegex("""(<img\b[^>]*\bsrc=")([^"]+)(")""", RegexOptions.IgnoreCase)]
    private static partial Regex ImageSource();

    /// <summary>Removes script tags that load plotly.js from the web (the page loads the bundled copy) and counts charts.</summary>
    public static (string Html, int Plots) Offline(string html)
    {
        var cleaned = RemotePlotlyScript().Replace(html, "");
        cleaned = RemotePlotlyUrl().Replace(cleaned, PlotlyAsset[..^3]);
        int plots = PlotCall().Matches(cleaned).Count;
        return (cleaned, plots);
    }

    [GeneratedRegex("""<script[^>]*\bsrc\s*=\s*["'][^"']*plotly[^"']*["'][^>]*>\s*</script>""", RegexOptions.IgnoreCase)]
    private static partial Regex RemotePlotlyScript();

    [GeneratedRegex("""https?://cdn\.plot\.ly/plotly[-\w.]*?(?=(\.min)?(\.js)?["'])(\.min)?""", RegexOptions.IgnoreCase)]
    private static partial Regex RemotePlotlyUrl();

    [GeneratedRegex(@"Plotly\.(newPlot|react)\s*\(")]
    private static partial Regex PlotCall();

    static string Joined(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => string.Concat(value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())),
        JsonValueKind.String => value.GetString() ?? "",
        _ => value.GetRawText(),
    };

    static (string Class, string Label) StatusLabel(NotebookStatus s) => s switch
    {
        NotebookStatus.Ok => ("ok", "ok"),
        NotebookStatus.Failed => ("failed", "failed"),
        NotebookStatus.TimedOut => ("failed", "timed out"),
        _ => ("failed", "crashed"),
    };

    static string RelativeIpynb(string reportDir, string notebooksDir, string name) =>
        Path.GetRelativePath(reportDir, Path.Combine(notebooksDir, name + ".ipynb")).Replace('\\', '/');

    static string Anchor(string name) => Regex.Replace(name, "[^A-Za-z0-9_-]", "-");

    static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");

    internal const string ErrorCaptureScript = """
        window.__reportErrors = [];
        window.addEventListener('error', function (e) {
          var t = e.target;
          if (t && t !== window && t.tagName) {
            window.__reportErrors.push('failed to load <' + t.tagName.toLowerCase() + '> ' + (t.src || t.href || ''));
          } else {
            window.__reportErrors.push(String(e.message) + (e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : ''));
          }
        }, true);
        window.addEventListener('unhandledrejection', function (e) { window.__reportErrors.push('unhandled rejection: ' + e.reason); });
        """;

    // Charts written for notebooks may load plotly.js through require.js; here it is already on the page.
    const string RequireShimScript = """
        if (typeof window.require === 'undefined') {
          window.require = function (deps, callback) { if (callback) callback(window.Plotly); };
          window.require.config = function () { return window.require; };
          window.requirejs = window.require;
        }
        """;

    internal const string CheckScript = """
        (function () {
          var expected = parseInt(document.body.getAttribute('data-expected-plots') || '0', 10);
          var tries = 0;
          function check() {
            var images = Array.prototype.slice.call(document.images);
            var pending = images.filter(function (i) { return !i.complete; }).length;
            var broken = images.filter(function (i) { return i.complete && !(i.naturalWidth > 0); })
                               .map(function (i) { return i.getAttribute('src'); });
            var drawn = Array.prototype.slice.call(document.querySelectorAll('.js-plotly-plot'))
                             .filter(function (p) { return p.querySelector('.main-svg'); }).length;
            if ((pending > 0 || drawn < expected) && tries++ < 200) { setTimeout(check, 100); return; }
            var errors = window.__reportErrors || [];
            var ok = pending === 0 && broken.length === 0 && drawn >= expected && errors.length === 0;
            var status = { ok: ok, images: images.length, pending: pending, broken: broken,
                           plotsExpected: expected, plotsDrawn: drawn, plotly: typeof window.Plotly !== 'undefined', errors: errors };
            document.getElementById('report-status').textContent = JSON.stringify(status);
            document.body.setAttribute('data-report-status', ok ? 'ok' : 'fail');
          }
          window.addEventListener('load', function () { setTimeout(check, 0); });
        })();
        """;

    const string Style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1100px; margin: 0 auto; padding: 1rem 2rem; color: #222; line-height: 1.5; }
        h1 { margin-bottom: .2rem; } .meta { color: #666; margin-top: 0; }
        table.index { border-collapse: collapse; margin: 1rem 0 2rem; }
        table.index td, table.index th { border-bottom: 1px solid #ddd; padding: .3rem .8rem; text-align: left; }
        .ok { color: #1a7f37; } .failed { color: #c62828; font-weight: bold; }
        .badge { font-size: .6em; padding: .1em .5em; border-radius: .4em; border: 1px solid currentColor; vertical-align: middle; }
        section { border-top: 2px solid #444; margin-top: 2.5rem; padding-top: .5rem; }
        .banner, .failure { background: #fdecea; border: 1px solid #c62828; padding: .6rem 1rem; border-radius: .3rem; white-space: pre-wrap; }
        details.code { margin: .6rem 0 .2rem; color: #555; } details.code summary { cursor: pointer; font-size: .9em; }
        details.code pre { background: #f6f8fa; padding: .6rem; overflow-x: auto; }
        pre.stdout, pre.output { background: #f6f8fa; padding: .4rem .6rem; overflow-x: auto; }
        pre.stderr { background: #fff8e1; padding: .4rem .6rem; } pre.error { background: #fdecea; color: #8e0000; padding: .4rem .6rem; white-space: pre-wrap; }
        figure.output { margin: .5rem 0; } figure.output img { max-width: 100%; image-rendering: pixelated; }
        .markdown img { max-width: 100%; }
        """;
}

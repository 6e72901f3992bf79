using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Diffusion.Kit.Notebooks;

namespace Diffusion.Kit.Grading.Gallery;

/// <summary>
/// The manual-grading pages (gallery/): one page per section of a notebook with every student's figures side by side,
/// and per student a score and a comment. The page keeps what a grader types in the browser's storage, shows it as
/// CSV (columns <see cref="RubricScore.Header"/>) and exports it; `grade merge --rubric FILE` adds it to the grades.
/// Offline: no script or style is loaded from anywhere, and everything from a submission is escaped.
/// </summary>
public static class GalleryPages
{
    public const double DefaultRubricPoints = 4;

    public sealed record Section(string Notebook, string Title, string Page);

    public static IReadOnlyList<Section> Write(string dir, IReadOnlyCollection<string> students, IReadOnlyList<Figure> figures,
        IReadOnlyList<RubricScore> rubric, double rubricPoints)
    {
        Directory.CreateDirectory(dir);
        var sections = figures.GroupBy(f => (f.Notebook, f.Section))
            .OrderBy(g => g.Key.Notebook, StringComparer.Ordinal).ThenBy(g => g.Min(f => f.Cell))
            .Select((g, i) => (Section: new Section(g.Key.Notebook, g.Key.Section, $"section-{i + 1:00}.html"), Figures: g.ToList()))
            .ToList();
        foreach (var (section, mine) in sections)
            File.WriteAllText(Path.Combine(dir, section.Page), SectionPage(section, students, mine, rubric, rubricPoints));

        var index = new StringBuilder(Head("Figures for grading by hand"));
        index.Append("<h1>Figures for grading by hand</h1>\n<p class=\"meta\">One page per section: every student's figures side by side, a score and a comment each. ")
             .Append("Export each page's CSV and add it to the grades with <code>grade merge OUT --rubric FILE.csv</code>.</p>\n<table class=\"index\">\n<tr><th>Notebook</th><th>Section</th><th>Students with figures</th></tr>\n");
        foreach (var (section, mine) in sections)
            index.Append(Invariant($"<tr><td>{E(section.Notebook)}</td><td><a href=\"{section.Page}\">{E(section.Title)}</a></td><td>{mine.Select(f => f.Student).Distinct().Count()} of {students.Count}</td></tr>\n"));
        if (sections.Count == 0) index.Append("<tr><td colspan=\"3\">No graded notebook displayed a figure.</td></tr>\n");
        index.Append("</table>\n").Append(Tail(""));
        File.WriteAllText(Path.Combine(dir, "index.html"), index.ToString());
        return sections.Select(s => s.Section).ToList();
    }

    static string SectionPage(Section section, IReadOnlyCollection<string> students, IReadOnlyList<Figure> figures, IReadOnlyList<RubricScore> rubric, double rubricPoints)
    {
        var given = rubric.Where(r => r.Notebook == section.Notebook && r.Section == section.Title).ToDictionary(r => r.Student, StringComparer.Ordinal);
        double max = given.Count > 0 ? given.Values.Max(r => r.Max) : rubricPoints;
        var ordered = students.Order(StringComparer.Ordinal).ToList();
        var html = new StringBuilder(Head($"{section.Notebook}: {section.Title}"));
        html.Append($"<h1>{E(section.Title)}</h1>\n<p class=\"meta\">{E(section.Notebook)} · <a href=\"index.html\">all sections</a></p>\n");
        html.Append(Invariant($"<p><label>Points possible <input id=\"max\" type=\"number\" min=\"0\" step=\"0.5\" value=\"{max:0.##}\"></label> "))
            .Append("<button id=\"export\" type=\"button\">Export CSV</button> <span id=\"problems\" class=\"failed\"></span></p>\n");
        html.Append("<table class=\"gallery\">\n<tr><th>Student</th><th>Figures</th><th>Score and comment</th></tr>\n");
        for (int i = 0; i < ordered.Count; i++)
        {
            var student = ordered[i];
            var mine = figures.Where(f => f.Student == student).ToList();
            html.Append($"<tr id=\"row-{i}\"><td class=\"student\">{E(student)}</td><td class=\"figures\">");
            if (mine.Count == 0) html.Append("<span class=\"missing\">no figures</span>");
            foreach (var f in mine)
                html.Append(Invariant($"<a href=\"{NotebookFigures.Store}/{f.File}\"><img src=\"{NotebookFigures.Store}/{f.File}\" alt=\"{E(student)}, cell {f.Cell}\" title=\"cell {f.Cell}\"></a>"));
            var prior = given.GetValueOrDefault(student);
            html.Append(Invariant($"</td><td><input class=\"score\" type=\"number\" min=\"0\" step=\"0.5\" value=\"{(prior is null ? "" : prior.Score.ToString("0.##", CultureInfo.InvariantCulture))}\" aria-label=\"score\">"))
                .Append($"<textarea class=\"comment\" rows=\"2\" aria-label=\"comment\">{E(prior?.Comment ?? "")}</textarea></td></tr>\n");
        }
        html.Append("</table>\n<h2>CSV</h2>\n<textarea id=\"csv\" rows=\"8\" readonly></textarea>\n");
        var data = JsonSerializer.Serialize(new { notebook = section.Notebook, section = section.Title, students = ordered, file = Path.ChangeExtension(section.Page, ".csv") });
        html.Append($"<script type=\"application/json\" id=\"rubric-data\">{data}</script>\n<script>{RubricScript}</script>\n");
        return html.Append(Tail("")).ToString();
    }

    /// <summary>The page's head: the report's error capture first, so the browser test sees any script error.</summary>
    public static string Head(string title) => $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{E(title)}</title>
        <script>{ReportWriter.ErrorCaptureScript}</script>
        <style>{PageStyle}</style>
        </head>
        <body data-expected-plots="0">

        """;

    public static string Tail(string extra) => $"""
        {extra}
        <pre id="{ReportWriter.StatusElementId}" hidden></pre>
        <script>{ReportWriter.CheckScript}</script>
        </body>
        </html>

        """;

    public const string PageStyle = """
        body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; padding: 1rem 2rem; color: #222; max-width: 1400px; }
        .meta { color: #666; } .failed { color: #c62828; font-weight: bold; } .missing { color: #888; font-style: italic; }
        table { border-collapse: collapse; } td, th { border-bottom: 1px solid #ddd; padding: .4rem .6rem; text-align: left; vertical-align: top; }
        td.figures img { height: 128px; margin: 0 .3rem .3rem 0; image-rendering: pixelated; border: 1px solid #ccc; }
        input.score { width: 5em; display: block; margin-bottom: .3rem; } textarea.comment { width: 18em; } textarea#csv { width: 100%; font-family: monospace; }
        input.invalid { outline: 2px solid #c62828; } input#max { width: 5em; }
        .pairs .side { display: flex; gap: .5rem; margin: .3rem 0; } .pairs img { height: 96px; width: auto; image-rendering: pixelated; border: 1px solid #ccc; }
        .side { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; } pre.code { background: #f6f8fa; padding: .5rem; overflow-x: auto; font-size: .85em; margin: 0; }
        pre.code mark { background: #ffe08a; }
        """;

    const string RubricScript = """
        (function () {
          var data = JSON.parse(document.getElementById('rubric-data').textContent);
          var storageKey = 'diffusion-rubric:' + data.notebook + ':' + data.section;
          var max = document.getElementById('max');
          var saved = null;
          try { saved = JSON.parse(window.localStorage.getItem(storageKey) || 'null'); } catch (e) { saved = null; }
          function row(i) { var r = document.getElementById('row-' + i); return { score: r.querySelector('input.score'), comment: r.querySelector('textarea.comment') }; }
          if (saved && saved.rows) {
            if (saved.max) max.value = saved.max;
            data.students.forEach(function (s, i) { var p = saved.rows[s]; if (p) { row(i).score.value = p.score; row(i).comment.value = p.comment; } });
          }
          function field(s) { s = String(s); return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s; }
          function csv() {
            var lines = ['student,notebook,section,score,max,comment'];
            data.students.forEach(function (s, i) {
              var r = row(i);
              if (r.score.value === '' && r.comment.value === '') return;
              lines.push([s, data.notebook, data.section, r.score.value, max.value, r.comment.value].map(field).join(','));
            });
            return lines.join('\n') + '\n';
          }
          function update() {
            var rows = {}, problems = 0, top = parseFloat(max.value);
            data.students.forEach(function (s, i) {
              var r = row(i), v = r.score.value === '' ? null : parseFloat(r.score.value);
              var bad = v !== null && (isNaN(v) || v < 0 || !(v <= top));
              r.score.classList.toggle('invalid', bad);
              if (bad) problems++;
              rows[s] = { score: r.score.value, comment: r.comment.value };
            });
            document.getElementById('problems').textContent = problems ? problems + ' score(s) outside 0..' + max.value : '';
            var out = document.getElementById('csv'); out.value = csv(); out.textContent = out.value;
            try { window.localStorage.setItem(storageKey, JSON.stringify({ max: max.value, rows: rows })); } catch (e) { }
          }
          document.addEventListener('input', update);
          document.getElementById('export').addEventListener('click', function () {
            var a = document.createElement('a');
            a.href = URL.createObjectURL(new Blob([csv()], { type: 'text/csv' }));
            a.download = data.file;
            document.body.appendChild(a); a.click(); a.remove();
          });
          update();
        })();
        """;

    static string E(string s) => WebUtility.HtmlEncode(s);
    static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Diffusion.Kit.Notebooks;

namespace Diffusion.Kit.Grading;

/// <summary>
/// What `grade` writes: per student a feedback page (HTML, offline, with the figures of their executed notebooks) and
/// the same points as Markdown; for the class a CSV (one row per student, one column per section) and a JSON file.
/// </summary>
public static class Feedback
{
    public static string StudentFolder(string outDir, string student) => Path.Combine(outDir, "feedback", SafeName(student));

    public static void WriteStudent(string outDir, string student, IReadOnlyList<NotebookGrade> grades, PlotlyScript plotly, string containment)
    {
        var folder = StudentFolder(outDir, student);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "feedback.md"), Markdown(student, grades, containment));
        var runs = grades.Where(g => g.Run is not null).Select(g => g.Run! with { Name = g.Notebook }).ToList();
        ReportWriter.Write(folder, Path.Combine(folder, "notebooks"), runs, plotly,
            title: $"Feedback for {student}", preambleHtml: Html(grades, containment), command: "dotnet run --project tools/Diffusion.Kit -- grade");
    }

    public static string Markdown(string student, IReadOnlyList<NotebookGrade> grades, string containment)
    {
        var md = new StringBuilder();
        md.Append(Invariant($"# Feedback for {student}\n\nTotal: **{grades.Sum(g => g.Earned):0.##} / {grades.Sum(g => g.Possible):0.##}** points.\n"));
        foreach (var g in grades)
        {
            md.Append(Invariant($"\n## {g.Notebook}: {g.Earned:0.##} / {g.Possible:0.##}\n\n"));
            md.Append(g.Submission is null ? "Not submitted.\n\n" : $"Submission: `{Path.GetFileName(g.Submission)}`\n\n");
            md.Append("| Section | Points | What happened |\n|---|---|---|\n");
            foreach (var t in g.Tests)
                md.Append(Invariant($"| {Cell(t.Section)} | {t.Earned:0.##} / {t.Points:0.##} | {(t.Reason is null ? "passed" : Cell(t.Reason))} |\n"));
            foreach (var note in g.Notes) md.Append($"\n- {note}");
            if (g.Notes.Count > 0) md.Append('\n');
            if (g.Run?.Cells.Where(c => c.Status != NotebookStatus.Ok).ToList() is { Count: > 0 } broken)
            {
                md.Append("\nCells that did not finish:\n\n");
                foreach (var c in broken) md.Append($"- cell {c.Cell} (`{c.FirstLine}`): {c.Error}\n");
            }
        }
        md.Append($"\n_Grading: {containment}._\n");
        return md.ToString();
    }

    static string Html(IReadOnlyList<NotebookGrade> grades, string containment)
    {
        var html = new StringBuilder("<section class=\"grades\">\n");
        html.Append(Invariant($"<p class=\"total\">Total: <strong>{grades.Sum(g => g.Earned):0.##} / {grades.Sum(g => g.Possible):0.##}</strong> points.</p>\n"));
        html.Append("<table class=\"index\">\n<tr><th>Notebook</th><th>Section</th><th>Points</th><th>What happened</th></tr>\n");
        foreach (var g in grades)
            foreach (var t in g.Tests)
            {
                var cls = t.Reason is null ? "ok" : "failed";
                html.Append(Invariant($"<tr><td>{E(g.Notebook)}</td><td>{E(t.Section)}</td><td class=\"{cls}\">{t.Earned:0.##} / {t.Points:0.##}</td><td>{E(t.Reason ?? "passed")}</td></tr>\n"));
            }
        html.Append("</table>\n");
        foreach (var g in grades.Where(g => g.Notes.Count > 0 || g.Submission is null))
        {
            html.Append($"<div class=\"failure\"><strong>{E(g.Notebook)}</strong>: ");
            html.Append(g.Submission is null ? "not submitted." : string.Join(" ", g.Notes.Select(E)));
            html.Append("</div>\n");
        }
        html.Append($"<p class=\"meta\">Grading: {E(containment)}. The executed notebooks and their figures follow.</p>\n</section>");
        return html.ToString();
    }

    public static void WriteSummary(string outDir, GradingKey key, IReadOnlyDictionary<string, IReadOnlyList<NotebookGrade>> byStudent,
        IReadOnlyList<string> unmatched, string containment)
    {
        Directory.CreateDirectory(outDir);
        var due = byStudent.Values.SelectMany(g => g).Select(g => g.Notebook).ToHashSet();
        var columns = key.Notebooks.Where(due.Contains).SelectMany(n => key.Tests[n].GroupBy(t => t.Section)
            .Select(g => (Notebook: n, Section: g.Key, Possible: g.Sum(t => t.Points)))).ToList();
        var csv = new StringBuilder("student");
        foreach (var c in columns) csv.Append(',').Append(Csv(Invariant($"{c.Notebook}: {c.Section} ({c.Possible:0.##})")));
        csv.Append(",total,possible\n");
        foreach (var (student, grades) in byStudent)
        {
            csv.Append(Csv(student));
            foreach (var c in columns)
            {
                var earned = grades.Where(g => g.Notebook == c.Notebook).SelectMany(g => g.Tests).Where(t => t.Section == c.Section).Sum(t => t.Earned);
                csv.Append(Invariant($",{earned:0.##}"));
            }
            csv.Append(Invariant($",{grades.Sum(g => g.Earned):0.##},{grades.Sum(g => g.Possible):0.##}\n"));
        }
        NotebookExecutor.WriteAtomically(Path.Combine(outDir, "grades.csv"), csv.ToString());

        var json = new
        {
            containment,
            students = byStudent.Select(p => new
            {
                student = p.Key,
                earned = p.Value.Sum(g => g.Earned),
                possible = p.Value.Sum(g => g.Possible),
                feedback = Path.GetRelativePath(outDir, Path.Combine(StudentFolder(outDir, p.Key), "index.html")),
                notebooks = p.Value.Select(g => new
                {
                    notebook = g.Notebook,
                    submission = g.Submission is null ? null : Path.GetFileName(g.Submission),
                    earned = g.Earned,
                    possible = g.Possible,
                    seconds = Math.Round(g.Seconds, 1),
                    tests = g.Tests,
                    notes = g.Notes,
                }),
            }),
            unmatched = unmatched.Select(Path.GetFileName),
        };
        NotebookExecutor.WriteAtomically(Path.Combine(outDir, "grades.json"),
            JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
    }

    /// <summary>A student name as a folder name: letters, digits, '.', '-' and '_' only.</summary>
    public static string SafeName(string student)
    {
        var safe = new string(student.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_').ToArray()).Trim('.');
        return safe.Length == 0 ? "_" : safe;
    }

    static string E(string s) => WebUtility.HtmlEncode(s);
    static string Cell(string s) => s.Replace("|", "\\|").Replace("\n", " ");
    static string Csv(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
    static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

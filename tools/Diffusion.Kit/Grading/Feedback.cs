using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Diffusion.Kit.Grading.Gallery;
using Diffusion.Kit.Notebooks;

namespace Diffusion.Kit.Grading;

/// <summary>
/// What `grade` writes: per student a feedback page (HTML, offline, with the figures of their executed notebooks) and
/// the same points as Markdown; for the class a CSV (one row per student, one column per section) and a JSON file.
/// </summary>
public static class Feedback
{
    public static string StudentFolder(string outDir, string student) => Path.Combine(outDir, "feedback", SafeName(student));

    /// <param name="rubric">The points staff gave this student's figures by hand (gallery pages), if any.</param>
    public static void WriteStudent(string outDir, string student, IReadOnlyList<NotebookGrade> grades, PlotlyScript plotly, string containment,
        IReadOnlyList<RubricScore>? rubric = null)
    {
        rubric ??= [];
        var folder = StudentFolder(outDir, student);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "feedback.md"), Markdown(student, grades, containment, rubric));
        var runs = grades.Where(g => g.Run is not null).Select(g => g.Run! with { Name = g.Notebook }).ToList();
        ReportWriter.Write(folder, Path.Combine(folder, "notebooks"), runs, plotly,
            title: $"Feedback for {student}", preambleHtml: Html(grades, containment, rubric), command: "dotnet run --project tools/Diffusion.Kit -- grade");
    }

    public static string Markdown(string student, IReadOnlyList<NotebookGrade> grades, string containment, IReadOnlyList<RubricScore>? rubric = null)
    {
        rubric ??= [];
        var md = new StringBuilder();
        md.Append(Invariant($"# Feedback for {student}\n\nTotal: **{grades.Sum(g => g.Earned) + rubric.Sum(r => r.Score):0.##} / {grades.Sum(g => g.Possible) + rubric.Sum(r => r.Max):0.##}** points.\n"));
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
        if (rubric.Count > 0)
        {
            md.Append("\n## Figures graded by hand\n\n| Notebook | Section | Points | Comment |\n|---|---|---|---|\n");
            foreach (var r in rubric)
                md.Append(Invariant($"| {Cell(r.Notebook)} | {Cell(r.Section)} | {r.Score:0.##} / {r.Max:0.##} | {Cell(r.Comment)} |\n"));
        }
        md.Append($"\n_Grading: {containment}._\n");
        return md.ToString();
    }

    static string Html(IReadOnlyList<NotebookGrade> grades, string containment, IReadOnlyList<RubricScore> rubric)
    {
        var html = new StringBuilder("<section class=\"grades\">\n");
        html.Append(Invariant($"<p class=\"total\">Total: <strong>{grades.Sum(g => g.Earned) + rubric.Sum(r => r.Score):0.##} / {grades.Sum(g => g.Possible) + rubric.Sum(r => r.Max):0.##}</strong> points.</p>\n"));
        html.Append("<table class=\"index\">\n<tr><th>Notebook</th><th>Section</th><th>Points</th><th>What happened</th></tr>\n");
        foreach (var g in grades)
            foreach (var t in g.Tests)
            {
                var cls = t.Reason is null ? "ok" : "failed";
                html.Append(Invariant($"<tr><td>{E(g.Notebook)}</td><td>{E(t.Section)}</td><td class=\"{cls}\">{t.Earned:0.##} / {t.Points:0.##}</td><td>{E(t.Reason ?? "passed")}</td></tr>\n"));
            }
        foreach (var r in rubric)
            html.Append(Invariant($"<tr><td>{E(r.Notebook)}</td><td>{E(r.Section)} (by hand)</td><td>{r.Score:0.##} / {r.Max:0.##}</td><td>{E(r.Comment.Length > 0 ? r.Comment : "no comment")}</td></tr>\n"));
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

    /// <param name="rubric">Points given by hand in the gallery pages: one column per (notebook, section) that has any, counted in the totals.</param>
    public static void WriteSummary(string outDir, GradingKey key, IReadOnlyDictionary<string, IReadOnlyList<NotebookGrade>> byStudent,
        IReadOnlyList<string> unmatched, string containment, IReadOnlyList<RubricScore>? rubric = null)
    {
        rubric ??= [];
        var byHand = rubric.GroupBy(r => (r.Notebook, r.Section)).Select(g => (g.Key.Notebook, g.Key.Section, Max: g.Max(r => r.Max))).ToList();
        Directory.CreateDirectory(outDir);
        var due = byStudent.Values.SelectMany(g => g).Select(g => g.Notebook).ToHashSet();
        var columns = key.Notebooks.Where(due.Contains).SelectMany(n => key.Tests[n].GroupBy(t => t.Section)
            .Select(g => (Notebook: n, Section: g.Key, Possible: g.Sum(t => t.Points)))).ToList();
        var csv = new StringBuilder("student");
        foreach (var c in columns) csv.Append(',').Append(Csv(Invariant($"{c.Notebook}: {c.Section} ({c.Possible:0.##})")));
        foreach (var c in byHand) csv.Append(',').Append(Csv(Invariant($"{c.Notebook}: {c.Section}, by hand ({c.Max:0.##})")));
        csv.Append(",total,possible\n");
        foreach (var (student, grades) in byStudent)
        {
            csv.Append(Csv(student));
            foreach (var c in columns)
            {
                var earned = grades.Where(g => g.Notebook == c.Notebook).SelectMany(g => g.Tests).Where(t => t.Section == c.Section).Sum(t => t.Earned);
                csv.Append(Invariant($",{earned:0.##}"));
            }
            var mine = rubric.Where(r => r.Student == student).ToList();
            foreach (var c in byHand)
                csv.Append(mine.FirstOrDefault(r => r.Notebook == c.Notebook && r.Section == c.Section) is { } r ? Invariant($",{r.Score:0.##}") : ",");
            csv.Append(Invariant($",{grades.Sum(g => g.Earned) + mine.Sum(r => r.Score):0.##},{grades.Sum(g => g.Possible) + mine.Sum(r => r.Max):0.##}\n"));
        }
        NotebookExecutor.WriteAtomically(Path.Combine(outDir, "grades.csv"), csv.ToString());

        var json = new
        {
            containment,
            students = byStudent.Select(p => new
            {
                student = p.Key,
                earned = p.Value.Sum(g => g.Earned) + rubric.Where(r => r.Student == p.Key).Sum(r => r.Score),
                possible = p.Value.Sum(g => g.Possible) + rubric.Where(r => r.Student == p.Key).Sum(r => r.Max),
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
                byHand = rubric.Where(r => r.Student == p.Key).Select(r => new { notebook = r.Notebook, section = r.Section, score = r.Score, max = r.Max, comment = r.Comment }),
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

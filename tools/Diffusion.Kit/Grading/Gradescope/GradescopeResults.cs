using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.Kit.Grading.Gallery;

namespace Diffusion.Kit.Grading.Gradescope;

/// <summary>
/// results.json as Gradescope's autograder specification defines it: one test per hidden test (name, score,
/// max_score, status, output with the reason, visibility) and, for the whole submission, the run's time, the notes and
/// the figures the notebooks displayed (inline in the HTML output, the one place Gradescope shows pictures).
/// </summary>
public static class GradescopeResults
{
    public sealed record Test(
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("number")] string Number,
        [property: JsonPropertyName("score")] double Score,
        [property: JsonPropertyName("max_score")] double MaxScore,
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("output")] string Output,
        [property: JsonPropertyName("output_format")] string OutputFormat,
        [property: JsonPropertyName("visibility")] string Visibility);

    public sealed record Results(
        [property: JsonPropertyName("execution_time")] int ExecutionTime,
        [property: JsonPropertyName("output")] string Output,
        [property: JsonPropertyName("output_format")] string OutputFormat,
        [property: JsonPropertyName("stdout_visibility")] string StdoutVisibility,
        [property: JsonPropertyName("tests")] IReadOnlyList<Test> Tests,
        [property: JsonPropertyName("extra_data")] IReadOnlyDictionary<string, string> ExtraData,
        [property: JsonPropertyName("score")][property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? Score = null);

    /// <summary>Inline figures stop here, so results.json stays a size Gradescope takes.</summary>
    public const long MaxFigureBytes = 4L << 20;

    public static Results From(IReadOnlyList<NotebookGrade> grades, IReadOnlyList<Figure> figures, string figureStore, string containment, string visibility, double seconds)
    {
        var tests = new List<Test>();
        for (int n = 0; n < grades.Count; n++)
            foreach (var t in grades[n].Tests)
                tests.Add(new Test($"{grades[n].Notebook}: {t.Section}", Invariant($"{n + 1}.{t.Index}"), t.Earned, t.Points,
                    t.Earned >= t.Points ? "passed" : "failed", t.Reason ?? "passed", "text", visibility));

        var html = new StringBuilder();
        html.Append(Invariant($"<p>Total: <strong>{grades.Sum(g => g.Earned):0.##} / {grades.Sum(g => g.Possible):0.##}</strong> points.</p>\n"));
        foreach (var g in grades)
        {
            html.Append(Invariant($"<h3>{E(g.Notebook)}: {g.Earned:0.##} / {g.Possible:0.##}</h3>\n"));
            if (g.Submission is null) html.Append("<p>Not submitted.</p>\n");
            if (g.Notes.Count > 0) html.Append("<ul>").Append(string.Concat(g.Notes.Select(n => $"<li>{E(n)}</li>"))).Append("</ul>\n");
            long used = 0;
            int left = 0;
            foreach (var f in figures.Where(f => f.Notebook == g.Notebook))
            {
                var bytes = File.ReadAllBytes(Path.Combine(figureStore, f.File));
                if (used + bytes.Length > MaxFigureBytes / Math.Max(1, grades.Count)) { left++; continue; }
                used += bytes.Length;
                html.Append($"<img src=\"data:image/png;base64,{Convert.ToBase64String(bytes)}\" alt=\"{E(f.Section)}, cell {f.Cell}\" title=\"{E(f.Section)}\" style=\"max-height:160px\"> ");
            }
            if (left > 0) html.Append(Invariant($"<p>{left} more figures are in the feedback page.</p>\n"));
        }
        html.Append($"<p><small>Grading: {E(containment)}.</small></p>");
        return new Results((int)Math.Round(seconds), html.ToString(), "html", "hidden", tests,
            new Dictionary<string, string> { ["containment"] = containment });
    }

    /// <summary>When grading itself failed: no points, and why, rather than no results.json at all.</summary>
    public static Results Failure(string why, double seconds) =>
        new((int)Math.Round(seconds), $"<p>The autograder could not grade this submission: {E(why)}</p>", "html", "hidden", [],
            new Dictionary<string, string>(), Score: 0);

    public static void Write(Results results, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        Notebooks.NotebookExecutor.WriteAtomically(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
    }

    static string E(string s) => WebUtility.HtmlEncode(s);
    static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

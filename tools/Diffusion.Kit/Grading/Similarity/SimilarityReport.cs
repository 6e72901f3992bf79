using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Diffusion.Kit.Grading.Gallery;

namespace Diffusion.Kit.Grading.Similarity;

/// <summary>
/// The similarity report (similarity/index.html): pairs of students whose code in a notebook shares the most winnowing
/// fingerprints (<see cref="CodeFingerprints"/>), with both sides' code and the shared lines marked, and pairs whose
/// figures are near-identical (<see cref="PerceptualHash"/>). Only code a student wrote counts: lines word for word the
/// handout's are left out. In a class of six or more, fingerprints and figures that more than half the class shares
/// (what every correct solution with the notebook's seeds produces) are not evidence and are left out too.
/// It ranks; people judge.
/// </summary>
public static class SimilarityReport
{
    public const int TopPairs = 25;
    public const int NearIdenticalBits = 4;

    public sealed record CodePair(string A, string B, string Notebook, int Shared, int OfA, int OfB, IReadOnlyList<int> LinesA, IReadOnlyList<int> LinesB)
    {
        public double Jaccard => Shared == 0 ? 0 : (double)Shared / (OfA + OfB - Shared);
    }

    public sealed record FigurePair(string A, string B, string Notebook, IReadOnlyList<(Figure A, Figure B)> Matches);

    public sealed record Result(IReadOnlyList<CodePair> Code, IReadOnlyList<FigurePair> Figures);

    public static Result Write(string dir, GradingKey key, IReadOnlyDictionary<string, IReadOnlyList<NotebookGrade>> byStudent, IReadOnlyList<Figure> figures)
    {
        Directory.CreateDirectory(dir);
        var students = byStudent.Keys.Order(StringComparer.Ordinal).ToList();
        var code = new List<CodePair>();
        var written = new Dictionary<(string, string), CodeFingerprints>();
        foreach (var notebook in byStudent.Values.SelectMany(g => g).Select(g => g.Notebook).Distinct().Order(StringComparer.Ordinal))
        {
            var handout = key.Handouts.TryGetValue(notebook, out var cells) ? cells : [];
            var handoutLines = handout.SelectMany(c => c.Replace("\r\n", "\n").Split('\n')).Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);
            var boilerplate = CodeFingerprints.Of(handout.SelectMany(c => c.Split('\n')).ToList()).Hashes.Keys.ToHashSet();
            foreach (var s in students)
                written[(s, notebook)] = CodeFingerprints.Of(StudentLines(Path.Combine(Feedback.StudentFolder(Path.GetDirectoryName(dir)!, s), "notebooks", notebook + ".ipynb"), handoutLines));
            var common = Common(students.Select(s => written[(s, notebook)].Hashes.Keys), students.Count);
            for (int i = 0; i < students.Count; i++)
                for (int j = i + 1; j < students.Count; j++)
                {
                    var a = written[(students[i], notebook)];
                    var b = written[(students[j], notebook)];
                    var keepA = a.Hashes.Keys.Where(h => !boilerplate.Contains(h) && !common.Contains(h)).ToHashSet();
                    var keepB = b.Hashes.Keys.Where(h => !boilerplate.Contains(h) && !common.Contains(h)).ToHashSet();
                    var shared = keepA.Intersect(keepB).ToList();
                    if (shared.Count == 0) continue;
                    code.Add(new CodePair(students[i], students[j], notebook, shared.Count, keepA.Count, keepB.Count,
                        shared.SelectMany(h => a.Hashes[h]).Distinct().Order().ToList(), shared.SelectMany(h => b.Hashes[h]).Distinct().Order().ToList()));
                }
        }
        var topCode = code.OrderByDescending(p => p.Jaccard).ThenByDescending(p => p.Shared).ThenBy(p => p.A, StringComparer.Ordinal).ThenBy(p => p.B, StringComparer.Ordinal).Take(TopPairs).ToList();
        var topFigures = FigurePairs(figures, students.Count).Take(TopPairs).ToList();
        File.WriteAllText(Path.Combine(dir, "index.html"), Page(topCode, topFigures, written));
        var json = new
        {
            code = topCode.Select(p => new { a = p.A, b = p.B, notebook = p.Notebook, shared = p.Shared, jaccard = Math.Round(p.Jaccard, 3) }),
            figures = topFigures.Select(p => new { a = p.A, b = p.B, notebook = p.Notebook, nearIdentical = p.Matches.Count }),
        };
        File.WriteAllText(Path.Combine(dir, "similarity.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        return new Result(topCode, topFigures);
    }

    /// <summary>The code cells' lines of an executed notebook that are not, trimmed, a line of the handout.</summary>
    static IReadOnlyList<string> StudentLines(string ipynb, HashSet<string> handoutLines)
    {
        if (!File.Exists(ipynb) || new FileInfo(ipynb).Attributes.HasFlag(FileAttributes.ReparsePoint)) return [];
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(ipynb));
            var lines = new List<string>();
            foreach (var cell in doc.RootElement.GetProperty("cells").EnumerateArray())
            {
                if (cell.TryGetProperty("cell_type", out var t) && t.GetString() != "code") continue;
                if (!cell.TryGetProperty("source", out var src)) continue;
                var text = src.ValueKind == JsonValueKind.Array ? string.Concat(src.EnumerateArray().Select(x => x.GetString() ?? "")) : src.GetString() ?? "";
                lines.AddRange(text.Replace("\r\n", "\n").Split('\n').Where(l => l.Trim().Length > 0 && !handoutLines.Contains(l.Trim())));
            }
            return lines;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException) { return []; }
    }

    /// <summary>What more than half of a class of six or more holds.</summary>
    static HashSet<T> Common<T>(IEnumerable<IEnumerable<T>> perStudent, int students) where T : notnull
    {
        if (students < 6) return [];
        return perStudent.SelectMany(s => s.Distinct()).GroupBy(h => h).Where(g => g.Count() * 2 > students).Select(g => g.Key).ToHashSet();
    }

    static IEnumerable<FigurePair> FigurePairs(IReadOnlyList<Figure> figures, int students)
    {
        var pairs = new List<FigurePair>();
        foreach (var notebook in figures.GroupBy(f => f.Notebook).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var list = notebook.ToList();
            // A picture near-identical to ones more than half the class (of six or more) drew is what the notebook's seeds give everyone.
            var common = students < 6 ? [] : list.Where(f => list.Where(g => PerceptualHash.Distance(f.Hash, g.Hash) <= NearIdenticalBits).Select(g => g.Student).Distinct().Count() * 2 > students).ToHashSet();
            var byStudent = list.Where(f => !common.Contains(f)).GroupBy(f => f.Student).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
            for (int i = 0; i < byStudent.Count; i++)
                for (int j = i + 1; j < byStudent.Count; j++)
                {
                    var matches = new List<(Figure, Figure)>();
                    foreach (var a in byStudent[i])
                        if (byStudent[j].Where(b => PerceptualHash.Distance(a.Hash, b.Hash) <= NearIdenticalBits).OrderBy(b => PerceptualHash.Distance(a.Hash, b.Hash)).FirstOrDefault() is { } b)
                            matches.Add((a, b));
                    if (matches.Count > 0) pairs.Add(new FigurePair(byStudent[i].Key, byStudent[j].Key, notebook.Key, matches));
                }
        }
        return pairs.OrderByDescending(p => p.Matches.Count).ThenBy(p => p.A, StringComparer.Ordinal).ThenBy(p => p.B, StringComparer.Ordinal);
    }

    static string Page(IReadOnlyList<CodePair> code, IReadOnlyList<FigurePair> figures, Dictionary<(string, string), CodeFingerprints> written)
    {
        var html = new StringBuilder(GalleryPages.Head("Similarity report"));
        html.Append("<h1>Similarity report</h1>\n<p class=\"meta\">Code students wrote (lines not in the handout), compared as normalised tokens with winnowing fingerprints; ")
            .Append("figures compared with a perceptual hash. The most similar pairs first. Similar is not copied: read the code.</p>\n");
        html.Append("<h2>Code</h2>\n<table class=\"index\">\n<tr><th>#</th><th>Students</th><th>Notebook</th><th>Similarity</th><th>Shared fingerprints</th></tr>\n");
        for (int i = 0; i < code.Count; i++)
        {
            var p = code[i];
            html.Append(Invariant($"<tr><td><a href=\"#code-{i + 1}\">{i + 1}</a></td><td>{E(p.A)} · {E(p.B)}</td><td>{E(p.Notebook)}</td><td>{p.Jaccard * 100:0}%</td><td>{p.Shared} ({(double)p.Shared / p.OfA * 100:0}% of {E(p.A)}'s, {(double)p.Shared / p.OfB * 100:0}% of {E(p.B)}'s)</td></tr>\n"));
        }
        if (code.Count == 0) html.Append("<tr><td colspan=\"5\">No two students share code beyond the handout.</td></tr>\n");
        html.Append("</table>\n");
        for (int i = 0; i < code.Count; i++)
        {
            var p = code[i];
            html.Append(Invariant($"<section id=\"code-{i + 1}\"><h3>{i + 1}. {E(p.A)} and {E(p.B)}, {E(p.Notebook)}: {p.Jaccard * 100:0}%</h3>\n<div class=\"side\">"));
            html.Append(Listing(p.A, written[(p.A, p.Notebook)].Lines, p.LinesA)).Append(Listing(p.B, written[(p.B, p.Notebook)].Lines, p.LinesB));
            html.Append("</div></section>\n");
        }
        html.Append("<h2>Figures</h2>\n<table class=\"index\">\n<tr><th>Students</th><th>Notebook</th><th>Near-identical figures</th></tr>\n");
        foreach (var p in figures)
        {
            html.Append(Invariant($"<tr><td>{E(p.A)} · {E(p.B)}</td><td>{E(p.Notebook)}</td><td>{p.Matches.Count}<div class=\"pairs\">"));
            foreach (var (a, b) in p.Matches.Take(6))
                html.Append($"<div class=\"side\"><img src=\"../gallery/{NotebookFigures.Store}/{a.File}\" alt=\"{E(p.A)} cell {a.Cell}\"><img src=\"../gallery/{NotebookFigures.Store}/{b.File}\" alt=\"{E(p.B)} cell {b.Cell}\"></div>");
            html.Append("</div></td></tr>\n");
        }
        if (figures.Count == 0) html.Append("<tr><td colspan=\"3\">No near-identical figures between students.</td></tr>\n");
        html.Append("</table>\n");
        return html.Append(GalleryPages.Tail("")).ToString();
    }

    const int MaxListedLines = 400;

    static string Listing(string student, IReadOnlyList<string> lines, IReadOnlyList<int> marked)
    {
        var set = marked.ToHashSet();
        var html = new StringBuilder($"<div><strong>{E(student)}</strong><pre class=\"code\">");
        for (int i = 0; i < Math.Min(lines.Count, MaxListedLines); i++)
            html.Append(set.Contains(i) ? $"<mark>{E(lines[i])}</mark>\n" : $"{E(lines[i])}\n");
        if (lines.Count > MaxListedLines) html.Append(Invariant($"... {lines.Count - MaxListedLines} more lines\n"));
        return html.Append("</pre></div>").ToString();
    }

    static string E(string s) => WebUtility.HtmlEncode(s);
    static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

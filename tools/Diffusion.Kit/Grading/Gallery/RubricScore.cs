using System.Globalization;
using System.Text;

namespace Diffusion.Kit.Grading.Gallery;

/// <summary>Points and a comment a grader gave one student's figures of one section by hand, in a gallery page.</summary>
public sealed record RubricScore(string Student, string Notebook, string Section, double Score, double Max, string Comment)
{
    public static readonly string[] Header = ["student", "notebook", "section", "score", "max", "comment"];

    /// <summary>
    /// Reads the CSV files the gallery pages export (columns <see cref="Header"/>). Rows without a score are not graded
    /// yet and are left out; a student the class does not have, a score outside 0..max or the same student and section
    /// twice is an error that names the file and line.
    /// </summary>
    public static IReadOnlyList<RubricScore> Read(IEnumerable<string> files, IReadOnlyCollection<string> students, IReadOnlyCollection<string> notebooks)
    {
        var scores = new Dictionary<(string, string, string), (RubricScore Score, string Where)>();
        foreach (var file in files)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"--rubric: no file {file}.", file);
            var rows = Csv.Parse(File.ReadAllText(file));
            if (rows.Count == 0 || !rows[0].Select(c => c.Trim().ToLowerInvariant()).SequenceEqual(Header))
                throw new InvalidDataException($"--rubric: {file} should start with the header line \"{string.Join(',', Header)}\" (the gallery page's export).");
            for (int i = 1; i < rows.Count; i++)
            {
                var row = rows[i];
                string where = $"{file}, line {i + 1}";
                if (row.Count == 1 && row[0].Trim().Length == 0) continue;
                if (row.Count != Header.Length) throw new InvalidDataException($"--rubric: {where} has {row.Count} fields, expected {Header.Length} ({string.Join(',', Header)}).");
                var (student, notebook, section) = (row[0], row[1], row[2]);
                if (row[3].Trim().Length == 0) continue;
                if (!students.Contains(student)) throw new InvalidDataException($"--rubric: {where} names student \"{student}\", who is not in the grades.");
                if (!notebooks.Contains(notebook)) throw new InvalidDataException($"--rubric: {where} names notebook \"{notebook}\", which was not graded ({string.Join(", ", notebooks)}).");
                double max = Number(row[4], "max", where);
                double score = Number(row[3], "score", where);
                if (max <= 0 || score < 0 || score > max)
                    throw new InvalidDataException($"--rubric: {where}: the score must be from 0 to max and max above 0, got {row[3]} of {row[4]}.");
                var id = (student, notebook, section);
                if (scores.TryGetValue(id, out var earlier))
                    throw new InvalidDataException($"--rubric: {student}'s \"{section}\" ({notebook}) is scored twice: {earlier.Where} and {where}.");
                scores[id] = (new RubricScore(student, notebook, section, score, max, row[5].Trim()), where);
            }
        }
        return scores.Values.Select(v => v.Score).OrderBy(s => s.Student, StringComparer.Ordinal)
            .ThenBy(s => s.Notebook, StringComparer.Ordinal).ThenBy(s => s.Section, StringComparer.Ordinal).ToList();
    }

    static double Number(string text, string column, string where) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)
            ? v : throw new InvalidDataException($"--rubric: {where}: {column} should be a number, got \"{text}\".");
}

/// <summary>RFC 4180 CSV: fields separated by commas, quoted when they hold commas, quotes or line breaks.</summary>
public static class Csv
{
    public static List<List<string>> Parse(string text)
    {
        var rows = new List<List<string>>();
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                row.Add(field.ToString()); field.Clear();
                rows.Add(row); row = [];
            }
            else field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add(row); }
        return rows;
    }

    public static string Field(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;
}

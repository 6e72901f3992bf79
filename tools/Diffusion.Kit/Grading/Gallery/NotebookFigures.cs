using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Diffusion.Kit.Grading.Similarity;

namespace Diffusion.Kit.Grading.Gallery;

/// <summary>One picture a student's executed notebook displayed, filed under the key's section heading above it.</summary>
/// <param name="File">Its copy's name in the figure store: the hash of its pixels, never a name from the submission.</param>
public sealed record Figure(string Student, string Notebook, string Section, int Cell, string File, ulong Hash);

/// <summary>
/// The figures of every graded notebook, by section. The executed notebooks are the submissions' output, so each
/// image is decoded, bounded in size and written again as PNG into one store (gallery/figures/, named by content):
/// the pages show only pictures the grader drew itself, and a figure two students share is stored once.
/// </summary>
public static partial class NotebookFigures
{
    public const string Store = "figures";
    const int MaxEncodedChars = 24 << 20;
    const int MaxSide = 4096;

    public static IReadOnlyList<Figure> Collect(string outDir, GradingKey key, IReadOnlyDictionary<string, IReadOnlyList<NotebookGrade>> byStudent)
    {
        var gallery = Path.Combine(outDir, "gallery");
        if (Directory.Exists(gallery)) Directory.Delete(gallery, recursive: true);
        var store = Path.Combine(gallery, Store);
        Directory.CreateDirectory(store);
        var headings = key.Notebooks.ToDictionary(n => n, n => Headings(Path.Combine(key.Folder, n + ".dib")));
        var figures = new List<Figure>();
        foreach (var (student, grades) in byStudent)
            foreach (var grade in grades.Where(g => g.Run is not null && headings.ContainsKey(g.Notebook)))
            {
                var ipynb = Path.Combine(Feedback.StudentFolder(outDir, student), "notebooks", grade.Notebook + ".ipynb");
                if (System.IO.File.Exists(ipynb) && !new FileInfo(ipynb).Attributes.HasFlag(FileAttributes.ReparsePoint))
                    figures.AddRange(FromNotebook(ipynb, student, grade.Notebook, headings[grade.Notebook], store));
            }
        return figures;
    }

    /// <summary>The key notebook's markdown headings, in order ("1.1 Implementing the forward process").</summary>
    public static IReadOnlyList<string> Headings(string dib)
    {
        var found = new List<string>();
        bool markdown = false;
        foreach (var line in System.IO.File.ReadLines(dib))
        {
            if (line.StartsWith("#!", StringComparison.Ordinal)) { markdown = line.Trim() == "#!markdown"; continue; }
            if (markdown && Heading().Match(line) is { Success: true } m) found.Add(m.Groups[1].Value.Trim());
        }
        return found;
    }

    static IEnumerable<Figure> FromNotebook(string ipynb, string student, string notebook, IReadOnlyList<string> headings, string store)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(System.IO.File.ReadAllText(ipynb)); }
        catch (JsonException) { yield break; }
        using var _ = doc;
        if (!doc.RootElement.TryGetProperty("cells", out var cells) || cells.ValueKind != JsonValueKind.Array) yield break;
        string section = headings.Count > 0 ? headings[0] : notebook;
        int number = 0;
        foreach (var cell in cells.EnumerateArray())
        {
            number++;
            var type = cell.TryGetProperty("cell_type", out var t) ? t.GetString() : null;
            if (type == "markdown" && cell.TryGetProperty("source", out var src))
            {
                // Only the key's own headings open a section: a heading a student wrote cannot invent one.
                foreach (var line in Joined(src).Split('\n'))
                    if (Heading().Match(line) is { Success: true } m && headings.Contains(m.Groups[1].Value.Trim())) section = m.Groups[1].Value.Trim();
                continue;
            }
            if (type != "code" || !cell.TryGetProperty("outputs", out var outputs) || outputs.ValueKind != JsonValueKind.Array) continue;
            foreach (var output in outputs.EnumerateArray())
            {
                if (!output.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object) continue;
                foreach (var mime in new[] { "image/png", "image/jpeg", "image/gif" })
                    if (data.TryGetProperty(mime, out var value) && Stored(Joined(value), store) is { } stored)
                    {
                        yield return new Figure(student, notebook, section, number, stored.File, stored.Hash);
                        break;
                    }
            }
        }
    }

    /// <summary>Decodes a base64 image and writes it again as PNG into the store; null when it is no image or too large.</summary>
    static (string File, ulong Hash)? Stored(string base64, string store)
    {
        var text = base64.Trim();
        if (text.StartsWith("data:", StringComparison.Ordinal) && text.IndexOf("base64,", StringComparison.Ordinal) is var at and >= 0) text = text[(at + 7)..];
        if (text.Length > MaxEncodedChars) return null;
        try
        {
            var bytes = Convert.FromBase64String(text);
            var info = Image.Identify(bytes);
            if (info is null || info.Width > MaxSide || info.Height > MaxSide || info.Width < 1 || info.Height < 1) return null;
            using var image = Image.Load<Rgba32>(bytes);
            using var png = new MemoryStream();
            image.SaveAsPng(png);
            var name = Convert.ToHexString(SHA256.HashData(png.ToArray()))[..24].ToLowerInvariant() + ".png";
            var path = Path.Combine(store, name);
            if (!System.IO.File.Exists(path)) System.IO.File.WriteAllBytes(path, png.ToArray());
            return (name, PerceptualHash.Of(image));
        }
        catch (Exception e) when (e is FormatException or UnknownImageFormatException or InvalidImageContentException or NotSupportedException)
        {
            return null;
        }
    }

    static string Joined(JsonElement e) => e.ValueKind == JsonValueKind.Array
        ? string.Concat(e.EnumerateArray().Select(x => x.GetString() ?? ""))
        : e.ValueKind == JsonValueKind.String ? e.GetString() ?? "" : "";

    [GeneratedRegex(@"^#{1,4}\s+(.+?)\s*#*\s*$")]
    private static partial Regex Heading();
}

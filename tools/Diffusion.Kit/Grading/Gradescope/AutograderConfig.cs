using System.Text.Json;

namespace Diffusion.Kit.Grading.Gradescope;

/// <summary>
/// What the instructor chose when writing the autograder (autograder.json at the zip's root): the notebooks due (all
/// of them are due: one not submitted scores zero), the mode and limits they are graded with, and who sees the tests.
/// </summary>
public sealed record AutograderConfig(
    IReadOnlyList<string> Notebooks,
    string Mode,
    string Visibility,
    int CellTimeoutSeconds,
    int SubmissionTimeoutSeconds,
    int MemoryMb,
    bool AllowReferenceCalls)
{
    public const string FileName = "autograder.json";
    /// <summary>Gradescope's visibility settings (its autograder specification).</summary>
    public static readonly string[] Visibilities = ["visible", "hidden", "after_due_date", "after_published"];
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static AutograderConfig Read(string sourceDir)
    {
        var path = Path.Combine(sourceDir, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"--root: {path} is missing; is {sourceDir} the autograder zip's contents?", path);
        var config = JsonSerializer.Deserialize<AutograderConfig>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty.");
        if (!Visibilities.Contains(config.Visibility)) throw new InvalidDataException($"{path}: visibility must be one of {string.Join(", ", Visibilities)}, got \"{config.Visibility}\".");
        return config;
    }
}

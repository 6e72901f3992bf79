using System.Globalization;
using System.Text.Json;
using Diffusion.Data;
using Diffusion.Imaging;

namespace Diffusion.TextToImage;

/// <summary>
/// What a student should know about the text-to-image model before using it: the prompt adherence `evaluate-text`
/// measured for the shipped snapshot (recorded next to it) and what the course's own prompts give, drawn now.
/// </summary>
public static class ModelCard
{
    /// <summary>The file `evaluate-text` writes beside the shipped model after a full evaluation.</summary>
    public const string AdherenceFile = "adherence.json";

    /// <summary>The course's concepts, in the concept set's order: rocket, skull, old man, fire, mountain, wave, man with a hat.</summary>
    public static readonly string[] CourseConcepts = ["rocket", "skull", "old-man", "fire", "snowy-mountain", "wave", "man-with-hat"];

    /// <summary>
    /// The prompt hit rate at which the text model becomes part A's default backend. Below it, its pictures are not yet
    /// what a student can judge an algorithm by (a rocket prompt must give a rocket), so part A stays on the digit model,
    /// whose prompts always land, and the text model is one call away (<c>PartAModel.Text()</c>).
    /// </summary>
    public const double DefaultBar = 0.5;

    /// <summary>The hit rate recorded next to the shipped model, or null when `evaluate-text` has not written one.</summary>
    public static double? ShippedHitRate(string? folder = null) =>
        ShippedRecord(folder)?.GetProperty("HitRate").GetDouble();

    /// <summary>"prompt hit rate 61.3 % (top-5 80.1 %) over 692 samples ..." from the shipped record, or null when none was written.</summary>
    public static string? ShippedAdherence(string? folder = null)
    {
        if (ShippedRecord(folder) is not JsonElement r) return null;
        string epoch = r.TryGetProperty("Epoch", out var e) ? $"epoch {e.GetInt32()}, " : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"prompt hit rate {r.GetProperty("HitRate").GetDouble():P1} (top-5 {r.GetProperty("Top5Rate").GetDouble():P1}, chance {r.GetProperty("Chance").GetDouble():P1}) " +
            $"over {r.GetProperty("Samples").GetInt32()} samples of every concept ({epoch}guidance {r.GetProperty("Guidance").GetDouble():0.#}, {r.GetProperty("Steps").GetInt32()} steps), measured by `evaluate-text`");
    }

    /// <summary>The parsed adherence record beside the shipped model, or null when there is none.</summary>
    static JsonElement? ShippedRecord(string? folder)
    {
        var path = Path.Combine(folder ?? TextToImageModel.ShippedFolder, AdherenceFile);
        if (!File.Exists(path)) return null;
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        return doc.RootElement.Clone();
    }

    /// <summary>A contact sheet of the course's concepts: a training picture of each, then <paramref name="samples"/> samples of its name.</summary>
    public static Picture CoursePrompts(TextNoisePredictor model, int samples = 4, long seed = 0, string? conceptFolder = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var set = EmojiSet.Load(conceptFolder);
        var keys = set.Concepts.Select(c => c.Key).ToList();
        var indices = CourseConcepts.Select(k => keys.IndexOf(k)).Where(i => i >= 0).ToList();
        var (report, images) = PromptAdherence.Evaluate(model, set, samples, seed: seed, concepts: indices);
        using (images) return PromptAdherence.ContactSheet(report, set, images, blocks: 1);
    }
}

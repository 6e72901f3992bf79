using System.Text.Json;
using Diffusion.Data;
using static TorchSharp.torch;

namespace Diffusion.TextToImage;

/// <summary>A prompt to evaluate and the concept a picture of it shows; Group is "caption", "paraphrase" or "course".</summary>
public sealed record PromptCase(string Prompt, int Concept, string Group);

/// <summary>
/// What the samples of one prompt were judged to be: per sample the concept classifier's three best guesses (empty
/// without a classifier) and the concept of the nearest picture in pixels; the samples' diversity beside the concept's
/// own training pictures'; whether they are all one picture up to a one-pixel shift.
/// </summary>
public sealed record PromptVerdict(PromptCase Case, long[][] Classified, int[] PixelNearest, double Diversity, double TrainingDiversity, bool OnePicture)
{
    public int Samples => PixelNearest.Length;
    /// <summary>Samples the classifier names as the prompted concept (its best guess).</summary>
    public int Hits => Classified.Count(c => c.Length > 0 && c[0] == Case.Concept);
    public int Top3 => Classified.Count(c => c.Contains(Case.Concept));
    public int PixelHits => PixelNearest.Count(n => n == Case.Concept);
}

/// <summary>
/// Issue 18's measuring of part A's model: sample each prompt with a few seeds, ask a concept classifier trained on the
/// same concepts (<see cref="ConceptClassifier"/>; a yardstick the diffusion model was not trained to please) what
/// each sample shows, keep the pixel nearest-neighbour verdict of <see cref="PromptAdherence"/> beside it, and measure
/// diversity with <see cref="SampleDiversity"/>. The prompt lists: every concept's main name (training captions), the
/// committed paraphrases (data/emoji-64/paraphrases.json, never training captions) and the course's prompts.
/// </summary>
public static class ConceptEvaluation
{
    public const string ParaphrasesFile = "paraphrases.json";

    /// <summary>Each concept's first name ("a rocket"), a training caption.</summary>
    public static IReadOnlyList<PromptCase> TrainingCaptions(EmojiSet set) =>
        set.Concepts.Select((c, i) => new PromptCase(c.Names[0], i, "caption")).ToList();

    /// <summary>The committed paraphrases of <paramref name="folder"/> (default: the set's), each with its concept.</summary>
    public static IReadOnlyList<PromptCase> Paraphrases(EmojiSet set, string folder)
    {
        var path = Path.Combine(folder, ParaphrasesFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"no {ParaphrasesFile} in {folder}: the paraphrase list ships with data/emoji-64.", path);
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var keys = set.Concepts.Select((c, i) => (c.Key, i)).ToDictionary(p => p.Key, p => p.i);
        return json.RootElement.GetProperty("Paraphrases").EnumerateArray().Select(p =>
        {
            var prompt = p.GetProperty("Prompt").GetString()!;
            var key = p.GetProperty("Concept").GetString()!;
            return keys.TryGetValue(key, out int concept)
                ? new PromptCase(prompt, concept, "paraphrase")
                : throw new InvalidDataException($"{path}: \"{prompt}\" names concept '{key}', which {set} does not have.");
        }).ToList();
    }

    /// <summary>The course's prompts (<see cref="EmojiConcepts.CoursePrompts"/>) that name a concept, with it.</summary>
    public static IReadOnlyList<PromptCase> CoursePrompts(EmojiSet set) =>
        EmojiConcepts.CoursePrompts.Where(p => p.Length > 0 && p != EmojiConcepts.GenericPrompt)
            .Select(p => set.ConceptOf(p) is int c ? new PromptCase(p, c, "course")
                : throw new InvalidDataException($"the course's prompt \"{p}\" is no caption of {set}: every course prompt must be trained."))
            .ToList();

    /// <summary>Samples <paramref name="c"/> <paramref name="samples"/> times (seed <paramref name="seed"/>) and judges the samples.</summary>
    public static (PromptVerdict Verdict, Tensor Images) Judge(TextNoisePredictor model, EmojiSet set, ConceptClassifier? classifier,
        PromptCase c, int samples, double gamma, int steps, long seed)
    {
        if (samples < 2) throw new ArgumentOutOfRangeException(nameof(samples), samples, "diversity needs at least 2 samples per prompt.");
        using var scope = NewDisposeScope();
        using var result = TextToImageSampling.Sample(model, c.Prompt, samples, gamma, steps, seed);
        var images = result.Image.clamp(-1, 1);
        var classified = classifier?.TopK(images, 3) ?? Enumerable.Range(0, samples).Select(_ => Array.Empty<long>()).ToArray();
        var (nearest, _) = PromptAdherence.Rank(images, set.Images.reshape(set.Count, -1), set.Labels, set.Concepts.Count, c.Concept);
        var own = set.TrainingPicturesOf(c.Concept);
        double trainingDiversity = own.Length >= 2
            ? SampleDiversity.MeanPairwiseDistance(set.Images.index(tensor(own.Select(i => (long)i).ToArray())))
            : double.NaN;
        var verdict = new PromptVerdict(c, classified, nearest, SampleDiversity.MeanPairwiseDistance(images), trainingDiversity,
            SampleDiversity.AllOnePicture(images));
        return (verdict, images.MoveToOuterDisposeScope());
    }
}

using System.Text.Json;
using Diffusion.Data;
using Diffusion.Imaging;
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

    /// <summary>
    /// The bars issue 18 sets, each with the measured value: classifier hits on the training captions (95%) and the
    /// paraphrases (85%), every course prompt at least 7 of 8 seeds, every prompt's diversity at least half its
    /// concept's, and no prompt whose samples are one picture.
    /// </summary>
    public static IReadOnlyList<EvaluationBar> Bars(IReadOnlyList<PromptVerdict> verdicts)
    {
        double Rate(string group) => verdicts.Where(v => v.Case.Group == group) is var g && g.Sum(v => v.Samples) is int n and > 0
            ? g.Sum(v => v.Hits) / (double)n : double.NaN;
        var course = verdicts.Where(v => v.Case.Group == "course").ToList();
        var diverse = verdicts.Where(v => double.IsFinite(v.TrainingDiversity)).ToList();
        return
        [
            new("caption_hit_rate", "classifier hit rate on the training captions", Rate("caption"), 0.95),
            new("paraphrase_hit_rate", "classifier hit rate on the paraphrases", Rate("paraphrase"), 0.85),
            new("course_prompts_recognised", "course prompts with at least 7 of 8 seeds recognised (share)",
                course.Count == 0 ? double.NaN : course.Count(v => v.Hits >= 7.0 / 8 * v.Samples) / (double)course.Count, 1),
            new("diverse_prompts", "prompts whose samples differ at least half as much as the concept's training pictures (share)",
                diverse.Count == 0 ? double.NaN : diverse.Count(v => v.Diversity >= 0.5 * v.TrainingDiversity) / (double)diverse.Count, 1),
            new("one_picture_prompts", "prompts whose samples are one picture up to a one-pixel shift (share; bar: none)",
                verdicts.Count == 0 ? double.NaN : verdicts.Count(v => v.OnePicture) / (double)verdicts.Count, 0, AtMost: true),
        ];
    }

    /// <summary>A contact sheet: a row per prompt, a training picture of its concept then its samples captioned by verdict.</summary>
    public static Picture ContactSheet(EmojiSet set, IReadOnlyList<(PromptVerdict Verdict, Tensor Images)> judged, string title)
    {
        var tiles = new List<Tensor>();
        var captions = new List<string>();
        int columns = 1 + judged.Max(j => j.Verdict.Samples);
        foreach (var (v, images) in judged)
        {
            tiles.Add(set.Images[set.TrainingPicturesOf(v.Case.Concept)[0]]);
            captions.Add(set.Concepts[v.Case.Concept].Key);
            for (int s = 0; s < columns - 1; s++)
            {
                bool has = s < v.Samples;
                tiles.Add(has ? images[s] : full(new long[] { 3, set.File.Size, set.File.Size }, 1.0));
                long guess = has && v.Classified[s].Length > 0 ? v.Classified[s][0] : v.PixelNearest.ElementAtOrDefault(s);
                captions.Add(!has ? "" : guess == v.Case.Concept ? "ok" : "~" + set.Concepts[(int)guess].Key);
            }
        }
        try { return ImageGrid.Make(tiles, ValueRange.MinusOneOne, columns: columns, captions: captions, title: title, scale: 1); }
        finally { foreach (var t in tiles) t.Dispose(); }
    }
}

/// <summary>One of issue 18's bars: the measured value and the target (at least, or at most when AtMost).</summary>
public sealed record EvaluationBar(string Key, string What, double Value, double Target, bool AtMost = false)
{
    public bool Met => double.IsFinite(Value) && (AtMost ? Value <= Target : Value >= Target);
}

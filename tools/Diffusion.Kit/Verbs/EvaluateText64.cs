using System.Globalization;
using System.Text.Json;
using Diffusion.Data;
using Diffusion.Runtime;
using Diffusion.TextToImage;
using Diffusion.Training;

namespace Diffusion.Kit.Verbs;

/// <summary>
/// `evaluate-text --model text-64`: part A model v2 measured against issue 18's bars (<see cref="ConceptEvaluation"/>):
/// the training captions and the paraphrases with a few seeds each, the course's prompts with 8, judged by the concept
/// classifier and by the pixel nearest neighbour. Writes evaluation.json and a contact sheet per prompt list.
/// </summary>
public static class EvaluateText64
{
    public const int CourseSeeds = 8;

    public static string DefaultClassifier => Path.Combine(ConceptClassifierTraining.ShippedFolder,
        Training.Trainer<TorchSharp.torch.nn.Module>.SnapshotName(ConceptClassifierTraining.DefaultSettings().Epochs));

    public static int Run(string weights, string? classifierPath, string dataFolder, IReadOnlyCollection<string>? onlyConcepts,
        int samples, double gamma, int steps, long seed, string outDir, CancellationToken cancel)
    {
        if (!File.Exists(weights))
            throw new ArgumentException($"no weights at {weights}: give a checkpoint of `train text-64` (sitting.weights or epoch-NN.weights).", "--weights");
        using var set = EmojiSet.Load(dataFolder);
        if (set.File.Size != TextUNet64.Size)
            throw new ArgumentException($"--data: the 64x64 model is judged on a 64 px concept set (data/emoji-64), got {set}.", "--data");
        classifierPath ??= File.Exists(DefaultClassifier) ? DefaultClassifier : null;
        if (classifierPath is null)
            Console.Error.WriteLine($"warning: no concept classifier at {DefaultClassifier} (train one with `train concept-classifier`): " +
                                    "only the pixel nearest-neighbour verdicts are measured, and the classifier bars read as not met.");
        using var classifier = classifierPath is null ? null : ConceptClassifierTraining.Load(classifierPath);
        using var model = TextToImage64Training.Load(weights);

        var keys = set.Concepts.Select(c => c.Key).ToList();
        foreach (var key in onlyConcepts ?? [])
            if (!keys.Contains(key)) throw new ArgumentException($"--concepts: no concept '{key}'. Concepts: {string.Join(", ", keys)}.", "--concepts");
        bool Wanted(PromptCase c) => onlyConcepts is null || onlyConcepts.Contains(set.Concepts[c.Concept].Key);
        var groups = new (string Name, IReadOnlyList<PromptCase> Cases, int Seeds)[]
        {
            ("course", ConceptEvaluation.CoursePrompts(set), CourseSeeds),
            ("paraphrase", ConceptEvaluation.Paraphrases(set, dataFolder).Where(Wanted).ToList(), samples),
            ("caption", ConceptEvaluation.TrainingCaptions(set).Where(Wanted).ToList(), samples),
        };

        Directory.CreateDirectory(outDir);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var verdicts = new List<PromptVerdict>();
        foreach (var (name, cases, seeds) in groups)
        {
            var judged = new List<(PromptVerdict, TorchSharp.torch.Tensor)>();
            int done = 0;
            foreach (var c in cases)
            {
                cancel.ThrowIfCancellationRequested();
                var (verdict, images) = ConceptEvaluation.Judge(model, set, classifier, c, seeds, gamma, steps, seed + c.Concept);
                verdicts.Add(verdict);
                judged.Add((verdict, images));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {name,-10} [{++done}/{cases.Count}] {c.Prompt,-44} classifier {verdict.Hits}/{seeds}  pixels {verdict.PixelHits}/{seeds}  diversity {verdict.Diversity:F3} (own {verdict.TrainingDiversity:F3}){(verdict.OnePicture ? "  ONE PICTURE" : "")}"));
            }
            if (judged.Count > 0)
                using (var sheet = ConceptEvaluation.ContactSheet(set, judged, $"{name} prompts, guidance {gamma}, {steps} steps"))
                    sheet.Save(Path.Combine(outDir, $"contact-{name}.png"));
            foreach (var (_, images) in judged) images.Dispose();
        }

        var bars = ConceptEvaluation.Bars(verdicts);
        Console.WriteLine();
        foreach (var bar in bars)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {(bar.Met ? "met" : "NOT met"),-8} {bar.What}: {bar.Value:P1} (bar: {(bar.AtMost ? "at most" : "at least")} {bar.Target:P0})"));
        File.WriteAllText(Path.Combine(outDir, "evaluation.json"), JsonSerializer.Serialize(new
        {
            Weights = Path.GetFileName(weights),
            Epoch = WeightsFile.ReadHeader(weights).GetValueOrDefault("epoch"),
            Classifier = classifierPath is null ? null : Path.GetFileName(classifierPath),
            Guidance = gamma, Steps = steps, Seed = seed, SamplesPerPrompt = samples, CourseSeeds, Seconds = clock.Elapsed.TotalSeconds,
            Bars = bars.Select(b => new { b.Key, b.What, b.Value, b.Target, b.AtMost, b.Met }),
            Prompts = verdicts.Select(v => new
            {
                v.Case.Prompt, v.Case.Group, Concept = set.Concepts[v.Case.Concept].Key, v.Hits, v.Top3, v.PixelHits, v.Samples,
                v.Diversity, v.TrainingDiversity, v.OnePicture,
                Classified = v.Classified.Select(c => c.Length > 0 ? set.Concepts[(int)c[0]].Key : null),
            }),
        }, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"\n{verdicts.Count} prompts in {clock.Elapsed.TotalSeconds:F0} s. Written: {Path.Combine(outDir, "evaluation.json")} and contact-*.png");
        return 0;
    }
}

using System.CommandLine;
using System.Text.Json;
using Diffusion.Data;
using Diffusion.Runtime;
using Diffusion.TextToImage;

namespace Diffusion.Kit.Verbs;

/// <summary>`evaluate-text`: prompt adherence of the text-to-image model over the curated concepts, with a contact sheet.</summary>
public sealed class EvaluateTextVerb : IVerb
{
    readonly Option<int> _samples = KitOptions.Int("--samples", "samples per concept", 4, 1, 1000, "K");
    readonly Option<double> _guidance = KitOptions.Double("--guidance", "classifier-free guidance gamma", 7, helpName: "G");
    readonly Option<int> _steps = KitOptions.Int("--steps", "strided steps", 34, 1, 1000, "S");
    readonly Option<long> _seed = KitOptions.Long("--seed", "concept c uses seed K + c", 0);
    readonly Option<string?> _concepts = KitOptions.TextOrNull("--concepts", "only these concept keys, e.g. rocket,skull,old-man (default all)", "LIST");
    readonly Option<string?> _from = KitOptions.TextOrNull("--from", "model folder (default data/models/text-to-image)", "DIR");
    readonly Option<int?> _epoch = KitOptions.IntOrNull("--epoch", "which snapshot (default the newest)", 1, helpName: "E");
    readonly Option<string?> _data = KitOptions.TextOrNull("--data", "concept set (default data/emoji, or data/emoji-64 for text-64)", "DIR");
    readonly Option<string?> _out = KitOptions.TextOrNull("--out", "default out/eval/text-to-image (or text-to-image-64)", "DIR");
    readonly Option<string> _model = KitOptions.Word("--model", "text: the 32x32 model part A runs on; text-64: part A model v2, judged against issue 18's bars",
        ParseModel, "text", "text|text-64");
    readonly Option<string?> _weights = KitOptions.TextOrNull("--weights", "text-64: the checkpoint (default data/models/text-to-image-64/sitting.weights)", "FILE");
    readonly Option<string?> _classifier = KitOptions.TextOrNull("--classifier", "text-64: the concept classifier (default data/models/concept-classifier-64/epoch-120.weights)", "FILE");

    readonly Option<bool> _promptUse = KitOptions.Flag("--prompt-use", "instead of sampling: how much the model uses its prompt (the error of its " +
        "one-step x0 estimate of training pictures given the right caption, another concept's and \"\", at t = " + string.Join(", ", PromptUse.DefaultTimes) + "); seconds");

    static bool ParseModel(string text) => text switch
    {
        "text" => false,
        "text-64" => true,
        _ => throw new ArgumentException($"--model must be text or text-64, got '{text}'.", "--model"),
    };

    public Command Command { get; }

    public EvaluateTextVerb() => Command = KitOptions.Verb("evaluate-text", """
        prompt adherence of the text-to-image model: hit rate over every concept, contact sheet
        For every concept of data/emoji/, samples its main name ("a rocket") and finds each sample's nearest training
        picture (L2 in pixel space); a hit when that picture shows the prompted concept; top-5 when the prompted concept is
        among the 5 nearest. Prints the rates and writes contact.png (training picture, samples) and adherence.json.
        With --model text-64: the training captions and data/emoji-64/paraphrases.json (--samples seeds each) and the
        course's prompts (8 seeds), judged by the concept classifier (top-1, top-3) and the pixel nearest neighbour, with
        each prompt's diversity beside its concept's; prints issue 18's bars, writes evaluation.json and contact-*.png.
        With --prompt-use it samples nothing and prints how much the model uses its prompt, t by t.
        """, Run, _samples, _guidance, _steps, _seed, _concepts, _from, _epoch, _data, _out, _model, _weights, _classifier, _promptUse);

    int Run(ParseResult parse, CancellationToken cancel)
    {
        int samples = parse.GetValue(_samples);
        double gamma = parse.GetValue(_guidance);
        int steps = parse.GetValue(_steps);
        long seed = parse.GetValue(_seed);
        string? only = parse.GetValue(_concepts);
        string? from = parse.GetValue(_from);
        int? epoch = parse.GetValue(_epoch);
        bool v2 = ParseModel(parse.GetValue(_model)!);
        if (parse.GetValue(_promptUse))
            return PrintPromptUse(v2, parse.GetValue(_weights), from, epoch, parse.GetValue(_data), seed);
        if (v2)
        {
            if (from is not null || epoch is not null) throw new ArgumentException("--from and --epoch are for --model text; give the text-64 checkpoint with --weights.", "--from");
            TorchRuntime.Ensure();
            var keys = only?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
            return EvaluateText64.Run(
                parse.GetValue(_weights) ?? Path.Combine(TextToImage64Training.ShippedFolder, Training.Trainer<TorchSharp.torch.nn.Module>.SittingFile),
                parse.GetValue(_classifier), parse.GetValue(_data) ?? TextToImage64Training.DefaultDataFolder, keys,
                samples, gamma, steps, seed, parse.GetValue(_out) ?? Path.Combine(KitPaths.Out, "eval", TextToImage64Recipe.FolderName), cancel);
        }
        if (parse.GetValue(_weights) is not null || parse.GetValue(_classifier) is not null)
            throw new ArgumentException("--weights and --classifier are for --model text-64.", "--weights");
        string data = parse.GetValue(_data) ?? EmojiSet.DefaultFolder;
        string outDir = parse.GetValue(_out) ?? Path.Combine(KitPaths.Out, "eval", TextToImageRecipe.FolderName);

        TorchRuntime.Ensure();
        using var set = EmojiSet.Load(data);
        List<int>? concepts = null;
        if (only is not null)
        {
            concepts = [];
            foreach (var key in only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int index = set.Concepts.ToList().FindIndex(c => c.Key == key);
                if (index < 0)
                    throw new ArgumentException($"--concepts: no concept '{key}'. Concepts: {string.Join(", ", set.Concepts.Select(c => c.Key))}.", "concepts");
                concepts.Add(index);
            }
        }
        using var model = TextToImageModel.Load(from, epoch);
        int total = concepts?.Count ?? set.Concepts.Count, done = 0;
        Console.WriteLine($"Evaluating {total} concepts x {samples} samples (guidance {gamma}, {steps} steps)...");
        var (report, images) = PromptAdherence.Evaluate(model, set, samples, gamma, steps, seed, concepts,
            r => Console.WriteLine($"  [{++done}/{total}] {r.Key,-20} hits {r.Hits}/{r.Ranks.Length}  top-5 {r.Top5}/{r.Ranks.Length}  nearest: {string.Join(", ", r.NearestConcepts.Select(c => set.Concepts[c].Key))}"),
            cancel);
        using (images)
        {
            Directory.CreateDirectory(outDir);
            using var sheet = PromptAdherence.ContactSheet(report, set, images);
            sheet.Save(Path.Combine(outDir, "contact.png"));
        }
        File.WriteAllText(Path.Combine(outDir, "adherence.json"), JsonSerializer.Serialize(new
        {
            report.HitRate, report.Top5Rate, report.Samples, report.SamplesPerConcept, report.Guidance, report.Steps, report.Seed,
            Chance = report.Chance(set.Concepts.Count), report.Seconds,
            Concepts = report.Concepts.Select(c => new { c.Key, c.Prompt, c.Hits, c.Top5, Nearest = c.NearestConcepts.Select(n => set.Concepts[n].Key), c.Ranks }),
        }, new JsonSerializerOptions { WriteIndented = true }));
        // A full evaluation of the shipped model is part of its record: the notebooks quote it.
        if (from is null && concepts is null)
            File.WriteAllText(Path.Combine(TextToImageModel.ShippedFolder, ModelCard.AdherenceFile), JsonSerializer.Serialize(new
            {
                Epoch = TextToImageModel.EpochsInAll(TextToImageModel.WeightsPath(null, epoch)),   // a continued run counts its start's epochs
                report.HitRate, report.Top5Rate, report.Samples, report.SamplesPerConcept, report.Guidance, report.Steps, report.Seed,
                Chance = report.Chance(set.Concepts.Count), Command = "dotnet run --project tools/Diffusion.Kit -- evaluate-text " + string.Join(" ", Environment.GetCommandLineArgs().Skip(2)),
            }, new JsonSerializerOptions { WriteIndented = true }));
        string contact = Path.Combine(outDir, "contact.png");
        Console.WriteLine(FormattableString.Invariant(
            $"Prompt hit rate {report.HitRate:P1}, top-5 {report.Top5Rate:P1} over {report.Samples} samples of {report.Concepts.Count} concepts (chance {report.Chance(set.Concepts.Count):P1}); {report.Seconds:F0} s. Contact sheet: {contact}"));
        return 0;
    }

    /// <summary>`--prompt-use`: <see cref="PromptUse"/>'s table for either model.</summary>
    static int PrintPromptUse(bool v2, string? weights, string? from, int? epoch, string? data, long seed)
    {
        TorchRuntime.Ensure();
        using var model = v2
            ? TextToImage64Training.Load(weights ?? Path.Combine(TextToImage64Training.ShippedFolder, Training.Trainer<TorchSharp.torch.nn.Module>.SittingFile))
            : TextToImageModel.Load(from, epoch);
        using var set = EmojiSet.Load(data ?? (v2 ? TextToImage64Training.DefaultDataFolder : EmojiSet.DefaultFolder));
        Console.WriteLine("x0 error of one-step denoising of 48 training pictures, by the caption given (lower is better):");
        Console.WriteLine("     t    right    wrong       \"\"   gain over wrong");
        foreach (var row in PromptUse.Measure(model, set, seed: seed + 1))
            Console.WriteLine(FormattableString.Invariant($"  {row.T,4}  {row.Right,7:F4}  {row.Wrong,7:F4}  {row.Empty,7:F4}   {row.Gain,6:P1}"));
        return 0;
    }
}

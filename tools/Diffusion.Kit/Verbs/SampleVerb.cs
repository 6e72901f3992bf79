using System.CommandLine;
using Diffusion.Imaging;
using Diffusion.Models;
using Diffusion.Runtime;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Kit.Verbs;

/// <summary>`sample`: digits from the shipped (or a given) part B diffusion model, as PNGs.</summary>
public sealed class SampleVerb : IVerb
{
    /// <summary>The models `sample` draws from: part B's noise predictors and part A's two text-to-image models.</summary>
    public enum Model { Class, Time, Text, Text64 }

    static Model ParseModel(string text) => text switch
    {
        "class" or "class-conditioned" => Model.Class,
        "time" or "time-conditioned" => Model.Time,
        "text" or "text-to-image" => Model.Text,
        "text-64" => Model.Text64,
        _ => throw new ArgumentException($"--model must be class, time, text or text-64 (the noise-predicting models), got '{text}'.", "model"),
    };

    readonly Option<string> _model = KitOptions.Word("--model", "which model: part B's class- or time-conditioned digits, part A's text-to-image " +
        "model (32x32) or its 64x64 version 2 with the learned variance", ParseModel, "class", "class|time|text|text-64");
    readonly Option<int[]?> _class = KitOptions.Parsed<int[]?>("--class", "class model: digits to draw, e.g. 7, 3,5,8 or 0-9 (default 0-9)",
        ParseClasses, null, "SPEC");
    readonly Option<int?> _count = KitOptions.IntOrNull("--count", "samples per digit (class; default 4), in all (time; default 40) or images (text; default 4)", 1, 10_000);
    readonly Option<double?> _guidance = KitOptions.DoubleOrNull("--guidance", "classifier-free guidance gamma (class model: default 5; text: 7)", helpName: "G");
    readonly Option<int?> _epoch = KitOptions.IntOrNull("--epoch", "which snapshot (class, time: default 20; text: the newest)", 1, 10_000, "E");
    readonly Option<string?> _from = KitOptions.TextOrNull("--from", "model folder (default data/models/<model>)", "DIR");
    readonly Option<long> _seed = KitOptions.Long("--seed", "the sampler's seed", 0);
    readonly Option<string?> _out = KitOptions.TextOrNull("--out", "where PNGs go (default out/samples/<model>): CLASS_INDEX.png (class) or INDEX.png", "DIR");
    readonly Option<bool> _grid = KitOptions.Flag("--grid", "also write grid.png");
    readonly Option<bool> _gif = KitOptions.Flag("--gif", "also write sampling.gif (the denoising process; class and time)");
    readonly Option<string?> _prompt = KitOptions.TextOrNull("--prompt", "text models: what to draw, e.g. \"a rocket ship\"", "TEXT");
    readonly Option<int> _steps = KitOptions.Int("--steps", "text models: strided steps from t = 990 (34 is the course's stride 30)", 34, 1, 1000, "S");
    readonly Option<string?> _weights = KitOptions.TextOrNull("--weights",
        "text-64: the weights file (default data/models/text-to-image-64/sitting.weights; any epoch-NN.weights or sitting.weights of `train text-64`)", "FILE");

    public Command Command { get; }

    public SampleVerb()
    {
        Command = KitOptions.Verb("sample", """
            sample digits from the class- or time-conditioned model (PNGs, grid, GIF), or pictures from the text-to-image models
            sample --model class|time [options]; sample --model text|text-64 --prompt "a rocket ship" [options]
            """, Run, _model, _class, _count, _guidance, _epoch, _from, _seed, _out, _grid, _gif, _prompt, _steps, _weights);
        // Each model takes its own options: one meant for another model is refused rather than ignored.
        Command.Validators.Add(r =>
        {
            Model model;
            try { model = ParseModel(r.GetValue(_model)!); }
            catch (ArgumentException) { return; }   // the option's own check reports it
            bool text = model is Model.Text or Model.Text64;
            (Option Option, bool Applies)[] rules =
            [
                (_class, model == Model.Class), (_gif, !text), (_prompt, text), (_steps, text), (_weights, model == Model.Text64),
                (_epoch, model != Model.Text64), (_from, model != Model.Text64),
            ];
            foreach (var (option, applies) in rules)
                if (!applies && r.GetResult(option) is { Implicit: false })
                    r.AddError($"--model {model.ToString().ToLowerInvariant().Replace("text64", "text-64")} does not take {option.Name}.");
            if (text && r.GetResult(_prompt) is null)
                r.AddError("sample --model text needs --prompt \"...\" (e.g. --prompt \"a rocket ship\").");
        });
    }

    int Run(ParseResult parse, CancellationToken cancel)
    {
        var which = ParseModel(parse.GetValue(_model)!);
        int? count = parse.GetValue(_count);
        long seed = parse.GetValue(_seed);
        string? from = parse.GetValue(_from), outDir = parse.GetValue(_out);
        bool grid = parse.GetValue(_grid);
        if (which is Model.Text or Model.Text64)   // part A's models
            return TextToImageCommands.Sample(which == Model.Text64, parse.GetValue(_prompt)!, count ?? 4, parse.GetValue(_guidance) ?? 7,
                parse.GetValue(_steps), seed, from, parse.GetValue(_epoch), parse.GetValue(_weights), outDir, grid);
        var model = which == Model.Class ? DigitModelKind.Class : DigitModelKind.Time;
        return SampleDigits(model, model == DigitModelKind.Class ? parse.GetValue(_class) ?? ParseClasses("0-9") : [],
            count ?? (model == DigitModelKind.Class ? 4 : 40), parse.GetValue(_guidance) ?? 5, parse.GetValue(_epoch) ?? 20, from, seed,
            outDir ?? Path.Combine(KitPaths.Out, "samples", DigitRecipe.FolderName(model)), grid, parse.GetValue(_gif));
    }

    static int SampleDigits(DigitModelKind model, int[] digits, int count, double gamma, int epoch, string? from, long seed, string outDir,
        bool grid, bool gif)
    {

        TorchRuntime.Ensure();
        using var predictor = ShippedModels.LoadNoisePredictor(model, epoch, from);
        int[]? classes = model == DigitModelKind.Class ? digits.SelectMany(d => Enumerable.Repeat(d, count)).ToArray() : null;
        int n = classes?.Length ?? count;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var result = DigitSampling.Sample(predictor, seed, classes, gamma, count, keepEvery: gif ? 10 : 0);
        clock.Stop();
        Directory.CreateDirectory(outDir);
        using var images = result.Image.clamp(0, 1);
        var perClass = new Dictionary<int, int>();
        for (int i = 0; i < n; i++)
        {
            using var image = images[i];
            string name;
            if (classes is null) name = $"{i}.png";
            else
            {
                int index = perClass.GetValueOrDefault(classes[i]);
                perClass[classes[i]] = index + 1;
                name = $"{classes[i]}_{index}.png";
            }
            ImageTensor.Save(image, Path.Combine(outDir, name));
        }
        if (grid)
        {
            using var picture = ImageGrid.Make(images, columns: classes is null ? 10 : count, scale: 2);
            picture.Save(Path.Combine(outDir, "grid.png"));
        }
        if (gif)
        {
            using var animation = AnimatedGif.FromFrames(result.Snapshots.Select(s => s.Image), delayMs: 60, lastDelayMs: 2000, scale: 2,
                columns: classes is null ? 10 : count);
            animation.Save(Path.Combine(outDir, "sampling.gif"));
        }
        Console.WriteLine($"{n} samples ({(classes is null ? "unconditional" : $"guidance {gamma}")}, {predictor.Schedule.Steps} steps) in {clock.Elapsed.TotalSeconds:F1} s -> {outDir}");
        return 0;
    }

    /// <summary>"7", "3,5,8", "0-9" or a mix like "0-3,7".</summary>
    public static int[] ParseClasses(string spec)
    {
        var result = new List<int>();
        foreach (var part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split('-');
            if (ends.Length is 1 or 2 && ends.All(e => int.TryParse(e, out var d) && d is >= 0 and <= 9))
            {
                int a = int.Parse(ends[0]), b = int.Parse(ends[^1]);
                if (a > b) throw new ArgumentException($"--class range '{part}' runs backwards; write {b}-{a}.", "class");
                for (int d = a; d <= b; d++) result.Add(d);
            }
            else throw new ArgumentException($"--class must list digits 0-9 like 7, 3,5,8 or 0-9; '{part}' is not one.", "class");
        }
        if (result.Count == 0) throw new ArgumentException("--class must name at least one digit (0-9).", "class");
        return result.ToArray();
    }
}

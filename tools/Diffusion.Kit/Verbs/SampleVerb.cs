using Diffusion.Imaging;
using Diffusion.Models;
using Diffusion.Runtime;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Kit.Verbs;

/// <summary>`sample`: digits from the shipped (or a given) part B diffusion model, as PNGs.</summary>
public sealed class SampleVerb : IVerb
{
    public string Name => "sample";
    public string Summary => "sample digits from the class- or time-conditioned model (PNGs, grid, GIF)";
    public string Usage => """
        sample --model class|time [options]
          --class SPEC     class model: digits to draw, e.g. 7, 3,5,8 or 0-9 (default 0-9)
          --count N        samples per digit (class) or in all (time); default 4 / 40
          --guidance G     classifier-free guidance gamma (class model; default 5)
          --epoch E        which snapshot (default 20)
          --from DIR       model folder (default data/models/<model>)
          --seed K         default 0
          --out DIR        where PNGs go (default out/samples/<model>): CLASS_INDEX.png (class) or INDEX.png (time)
          --grid           also write grid.png
          --gif            also write sampling.gif (the denoising process)
        """ + TextToImageCommands.SampleUsage;

    public Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        if (args.String("model") is "text" or "text-to-image" or "text-64") return TextToImageCommands.Sample(args, cancel);   // part A's model
        var modelName = args.String("model", "class");
        if (modelName is not ("class" or "class-conditioned" or "time" or "time-conditioned"))
            throw new ArgumentException($"--model must be class, time or text (the noise-predicting models), got '{modelName}'.", "model");
        var model = DigitRecipe.ParseKind(modelName, "model");
        int[] digits = model == DigitModelKind.Class ? ParseClasses(args.String("class", "0-9")) : [];
        int count = args.Int("count", model == DigitModelKind.Class ? 4 : 40, 1, 10_000);
        double gamma = args.Double("guidance", 5);
        int epoch = args.Int("epoch", 20, 1, 10_000);
        string? from = args.String("from");
        long seed = args.Long("seed", 0);
        string outDir = args.String("out") ?? Path.Combine(KitPaths.Out, "samples", DigitRecipe.FolderName(model));
        bool grid = args.Flag("grid"), gif = args.Flag("gif");
        args.RejectUnknown(Name);

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
        return Task.FromResult(0);
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

using System.Diagnostics;
using Diffusion.Data;
using Diffusion.Imaging;
using Diffusion.Runtime;
using Diffusion.Text;
using Diffusion.TextToImage;

namespace Diffusion.Kit.Verbs;

/// <summary>The `train text` and `sample --model text` code paths (the verbs hand over to these).</summary>
public static class TextToImageCommands
{
    public const string TrainUsage = """

        train text [options]   the text-to-image model (part A's default model) on data/emoji/
          --out DIR          run folder (default out/train/text-to-image); an interrupted run there resumes
          --epochs N         default 70 (about 3 CPU-hours on 2 cores; an epoch is 130 steps of 64)
          --max-minutes M    stop after M minutes (after the step running then; the last finished epoch is kept); run again to go on
          --batch N, --lr X, --seed K, --max-steps N, --hidden C (base channels, default 64), --data DIR (default data/emoji)
          --start-from FILE  begin from a snapshot of an earlier run (e.g. its epoch-50.weights) instead of a fresh
                             network; Adam starts afresh with --lr, decayed to a tenth over --epochs
        """;

    public const string SampleUsage = """

        sample --model text --prompt "a rocket ship" [options]
          --count N        images (default 4)
          --guidance G     classifier-free guidance gamma (default 7)
          --steps S        strided steps from t = 990 (default 34, the course's stride 30)
          --seed K         default 0
          --from DIR       model folder (default data/models/text-to-image), --epoch E (default: newest snapshot)
          --out DIR        where PNGs go (default out/samples/text-to-image): INDEX.png, 32x32; --grid adds grid.png

        sample --model text-64 --prompt "a rocket ship" [--weights FILE] [options above]
          the 64x64 model (part A model v2) with its learned variance; --weights default
          data/models/text-to-image-64/sitting.weights (any epoch-NN.weights or sitting.weights of `train text-64`)
        """;

    public static Task<int> Train(Args args, CancellationToken cancel)
    {
        var recipe = TextToImageRecipe.Default(args.Long("seed", 0));
        if (args.Has("epochs")) recipe = recipe.WithEpochs(args.Int("epochs", recipe.Settings.Epochs, 1, 100_000));
        recipe = recipe with
        {
            BaseChannels = args.Int("hidden", recipe.BaseChannels, 8, 512),
            Settings = recipe.Settings with
            {
                BatchSize = args.Int("batch", recipe.Settings.BatchSize, 1, 65_536),
                LearningRate = args.Double("lr", recipe.Settings.LearningRate, 1e-12, 10),
                MaxStepsPerEpoch = args.Has("max-steps") ? args.Int("max-steps", 0, 1) : null,
            },
        };
        if (args.String("start-from") is { } startFrom)
        {
            if (startFrom == "true" || !File.Exists(startFrom))
                throw new ArgumentException($"--start-from needs an existing weights file (epoch-NN.weights of an earlier `train text` run), got \"{startFrom}\".", "start-from");
            recipe = recipe with { StartFrom = StartWeights.Of(startFrom) };
        }
        double? maxMinutes = args.Has("max-minutes") ? args.Double("max-minutes", 0, 0.01, 1e6) : null;
        string folder = args.String("out") ?? TextToImageTraining.DefaultRunFolder;
        string dataFolder = args.String("data") ?? EmojiSet.DefaultFolder;
        args.RejectUnknown("train");
        if (recipe.BaseChannels % 8 != 0) throw new ArgumentException($"--hidden must be a multiple of 8, got {recipe.BaseChannels}.", "hidden");

        TorchRuntime.Ensure();
        using var set = EmojiSet.Load(dataFolder);
        var table = PromptEmbeddings.Load(Path.Combine(dataFolder, TextEncoder.TableFile));
        string command = "dotnet run --project tools/Diffusion.Kit -- train " + string.Join(" ", Environment.GetCommandLineArgs().Skip(2));
        Console.WriteLine($"Training {recipe.Architecture} on {set} into {folder}");
        Console.WriteLine($"  {recipe.Fingerprint()}");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (maxMinutes is double m) stop.CancelAfter(TimeSpan.FromMinutes(m));
        var bar = new ConsoleProgressBar();
        try
        {
            var history = TextToImageTraining.Run(recipe, set, table, folder, command, bar, stop.Token, dataFolder);
            bar.Finish();
            Console.WriteLine($"Done: {history.EpochsDone} epochs, last epoch mean loss {history.EpochMean(history.EpochsDone):F5}. Files in {folder}.");
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            bar.Finish();
            var manifest = File.Exists(Path.Combine(folder, Training.TrainingManifest.FileName)) ? Training.TrainingManifest.Load(folder) : null;
            Console.WriteLine($"Stopped after {maxMinutes} minutes; {manifest?.EpochsDone ?? 0} of {recipe.Settings.Epochs} epochs are saved in {folder}. " +
                              "Run the same command again to go on.");
        }
        return Task.FromResult(0);
    }

    public static Task<int> Sample(Args args, CancellationToken cancel)
    {
        string prompt = args.String("prompt") ?? throw new ArgumentException("sample --model text needs --prompt \"...\" (e.g. --prompt \"a rocket ship\").", "prompt");
        if (prompt == "true") throw new ArgumentException("--prompt needs a value, e.g. --prompt \"a rocket ship\".", "prompt");
        int count = args.Int("count", 4, 1, 10_000);
        double gamma = args.Double("guidance", 7);
        int steps = args.Int("steps", 34, 1, 1000);
        long seed = args.Long("seed", 0);
        bool v2 = args.String("model") == "text-64";
        string? from = v2 ? null : args.String("from");
        int? epoch = !v2 && args.Has("epoch") ? args.Int("epoch", 0, 1) : null;
        string weights = v2 ? args.String("weights") ?? Path.Combine(TextToImage64Training.ShippedFolder, Training.Trainer<TextUNet64>.SittingFile) : "";
        string outDir = args.String("out") ?? Path.Combine(KitPaths.Out, "samples", v2 ? TextToImage64Recipe.FolderName : TextToImageRecipe.FolderName);
        bool grid = args.Flag("grid");
        args.RejectUnknown("sample");
        TextEncoder.CheckPrompt(prompt);

        TorchRuntime.Ensure();
        using var model = v2 ? TextToImage64Training.Load(weights) : TextToImageModel.Load(from, epoch);
        if (model.Reject(Sampling.Conditioning.Prompt(prompt)) is { } why) throw new ArgumentException(why, "prompt");
        var clock = Stopwatch.StartNew();
        using var result = TextToImageSampling.Sample(model, prompt, count, gamma, steps, seed);
        clock.Stop();
        Directory.CreateDirectory(outDir);
        for (int i = 0; i < count; i++)
        {
            using var image = result.Image[i];
            ImageTensor.Save(image, Path.Combine(outDir, $"{i}.png"), ValueRange.MinusOneOne);
        }
        if (grid)
        {
            using var picture = ImageGrid.Make(result.Image, ValueRange.MinusOneOne, columns: Math.Min(count, 8), title: prompt, scale: 4);
            picture.Save(Path.Combine(outDir, "grid.png"));
        }
        Console.WriteLine(FormattableString.Invariant(
            $"{count} samples of \"{prompt}\" (guidance {gamma}, {steps} steps, seed {seed}) in {clock.Elapsed.TotalSeconds:F2} s ({clock.Elapsed.TotalSeconds / count:F2} s each) -> {outDir}"));
        return Task.FromResult(0);
    }
}

using System.CommandLine;
using System.Diagnostics;
using Diffusion.Data;
using Diffusion.Imaging;
using Diffusion.Kit.Terminal;
using Diffusion.Runtime;
using Diffusion.Text;
using Diffusion.TextToImage;

namespace Diffusion.Kit.Verbs;

/// <summary>`train text` and the `sample --model text` code path (the verbs hand over to these).</summary>
public static class TextToImageCommands
{
    /// <summary>`train text` (also `train text-to-image`): its options, defaults the recipe's.</summary>
    public static Command TrainCommand()
    {
        var defaults = TextToImageRecipe.Default();
        var seed = KitOptions.Long("--seed", "the run's seed", 0);
        var epochs = KitOptions.Int("--epochs", "epochs (about 3 CPU-hours on 2 cores; an epoch is 130 steps of 64)", defaults.Settings.Epochs, 1, 100_000);
        var hidden = KitOptions.Int("--hidden", "base channels (a multiple of 8)", defaults.BaseChannels, 8, 512, "C");
        var batch = KitOptions.Int("--batch", "batch size", defaults.Settings.BatchSize, 1, 65_536);
        var lr = KitOptions.Double("--lr", "Adam's learning rate", defaults.Settings.LearningRate, 1e-12, 10);
        var maxSteps = KitOptions.IntOrNull("--max-steps", "cap steps per epoch (for quick checks)", 1);
        var startFrom = KitOptions.TextOrNull("--start-from", "begin from a snapshot of an earlier run (e.g. its epoch-50.weights) " +
            "instead of a fresh network; Adam starts afresh with --lr, decayed to a tenth over --epochs", "FILE");
        var maxMinutes = KitOptions.DoubleOrNull("--max-minutes",
            "stop after M minutes (after the step running then; the last finished epoch is kept); run again to go on", 0.01, 1e6, "M");
        var outDir = KitOptions.Text("--out", "run folder; an interrupted run there resumes", TextToImageTraining.DefaultRunFolder, "DIR");
        var data = KitOptions.Text("--data", "the concept set", EmojiSet.DefaultFolder, "DIR");
        var command = KitOptions.Verb("text", "train the text-to-image model (part A's default model) on data/emoji/", (parse, cancel) =>
        {
            var recipe = TextToImageRecipe.Default(parse.GetValue(seed));
            if (parse.GetResult(epochs) is { Implicit: false }) recipe = recipe.WithEpochs(parse.GetValue(epochs));
            recipe = recipe with
            {
                BaseChannels = parse.GetValue(hidden),
                Settings = recipe.Settings with
                {
                    BatchSize = parse.GetValue(batch),
                    LearningRate = parse.GetValue(lr),
                    MaxStepsPerEpoch = parse.GetValue(maxSteps),
                },
            };
            recipe = recipe with { StartFrom = TrainVerb.WeightsToStartFrom(parse.GetValue(startFrom), "epoch-NN.weights of an earlier `train text` run") };
            if (recipe.BaseChannels % 8 != 0) throw new ArgumentException($"--hidden must be a multiple of 8, got {recipe.BaseChannels}.", "hidden");
            return Train(recipe, parse.GetValue(outDir)!, parse.GetValue(data)!, parse.GetValue(maxMinutes), cancel);
        }, seed, epochs, hidden, batch, lr, maxSteps, startFrom, maxMinutes, outDir, data);
        command.Aliases.Add("text-to-image");
        return command;
    }

    static int Train(TextToImageRecipe recipe, string folder, string dataFolder, double? maxMinutes, CancellationToken cancel)
    {
        TorchRuntime.Ensure();
        using var set = EmojiSet.Load(dataFolder);
        var table = PromptEmbeddings.Load(Path.Combine(dataFolder, TextEncoder.TableFile));
        string command = "dotnet run --project tools/Diffusion.Kit -- train " + string.Join(" ", Environment.GetCommandLineArgs().Skip(2));
        Console.WriteLine($"Training {recipe.Architecture} on {set} into {folder}");
        Console.WriteLine($"  {recipe.Fingerprint()}");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (maxMinutes is double m) stop.CancelAfter(TimeSpan.FromMinutes(m));
        try
        {
            var history = TrainingProgressDisplay.Show(progress => TextToImageTraining.Run(recipe, set, table, folder, command, progress, stop.Token, dataFolder));
            Console.WriteLine($"Done: {history.EpochsDone} epochs, last epoch mean loss {history.EpochMean(history.EpochsDone):F5}. Files in {folder}.");
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            var manifest = File.Exists(Path.Combine(folder, Training.TrainingManifest.FileName)) ? Training.TrainingManifest.Load(folder) : null;
            Console.WriteLine($"Stopped after {maxMinutes} minutes; {manifest?.EpochsDone ?? 0} of {recipe.Settings.Epochs} epochs are saved in {folder}. " +
                              "Run the same command again to go on.");
        }
        return 0;
    }

    /// <summary>
    /// `sample --model text|text-64`: <paramref name="weights"/> is the v2 model's file (null: the committed sitting),
    /// <paramref name="from"/> and <paramref name="epoch"/> the first model's folder and snapshot.
    /// </summary>
    public static int Sample(bool v2, string prompt, int count, double gamma, int steps, long seed, string? from, int? epoch,
        string? weights, string? outDir, bool grid)
    {
        weights ??= Path.Combine(TextToImage64Training.ShippedFolder, Training.Trainer<TextUNet64>.SittingFile);
        outDir ??= Path.Combine(KitPaths.Out, "samples", v2 ? TextToImage64Recipe.FolderName : TextToImageRecipe.FolderName);
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
        return 0;
    }
}

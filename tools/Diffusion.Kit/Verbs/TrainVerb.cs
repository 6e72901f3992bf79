using System.CommandLine;
using Diffusion.Data;
using Diffusion.Models;
using Diffusion.Runtime;
using Diffusion.TextToImage;
using Diffusion.Training;
using Diffusion.Kit.Terminal;

namespace Diffusion.Kit.Verbs;

/// <summary>
/// `train one-step|time|class|classifier|pure-noise|fm-time|fm-class`: trains a part B model (DDPM or flow-matching
/// version) with the course's settings unless told otherwise; `train text`, `train text-64` and `train
/// concept-classifier` train part A's models. Each model is a sub-command with its own options and defaults.
/// </summary>
public sealed class TrainVerb : IVerb
{
    public Command Command { get; }

    public TrainVerb()
    {
        Command = new Command("train", """
            train a part B model (one-step, time, class, classifier; flow matching: pure-noise, fm-time, fm-class) with the course's settings; resumes if interrupted
            DDPM version: one-step (1.2.1), time (2.2), class (2.4); flow-matching version: pure-noise (1.2.3),
            fm-time and fm-class (velocity UNets); classifier: the kit's measuring stick. Part A: text (the text-to-image
            model), text-64 (its 64x64 version 2) and concept-classifier (v2's measuring stick).
            'train MODEL --help' shows a model's options and defaults.
            """);
        foreach (var kind in Enum.GetValues<DigitModelKind>()) Command.Add(DigitCommand(kind));
        Command.Add(TextToImageCommands.TrainCommand());
        Command.Add(TextToImage64Commands.TrainCommand());
        Command.Add(TextToImage64Commands.ClassifierCommand());
        // `train` alone or with an unknown model: say which models there are, as the library's model parser does.
        Command.Validators.Add(result =>
        {
            if (result.Command != Command) return;
            var word = result.Tokens.FirstOrDefault()?.Value;
            result.AddError("model must be one-step, time, class, classifier, pure-noise, fm-time or fm-class (part B), " +
                            $"or text, text-64 or concept-classifier (part A){(word is null ? "" : $", got '{word}'")}.");
        });
    }

    /// <summary>`train KIND`: the options of a part B model, their defaults the course's settings for that model.</summary>
    static Command DigitCommand(DigitModelKind kind)
    {
        var course = DigitRecipe.Course(kind);
        var s = course.Settings;
        var seed = KitOptions.Long("--seed", "the run's seed", 0);
        var epochs = KitOptions.Int("--epochs", "epochs (the course's for this model)", s.Epochs, 1, 10_000);
        var batch = KitOptions.Int("--batch", "batch size (the course's)", s.BatchSize, 1, 65_536);
        var lr = KitOptions.Double("--lr", "Adam's learning rate (the course's)", s.LearningRate, 1e-12, 10);
        var hidden = KitOptions.Int("--hidden", "the network's width D (the course's)", course.Hidden, 1, 1024, "D");
        var sigma = KitOptions.Double("--sigma", "one-step noise level", course.Sigma, 0, 100, "S");
        var pUncond = KitOptions.Double("--p-uncond", "class model: probability of dropping the class", course.UnconditionalProbability, 0, 1, "P");
        var outDir = KitOptions.TextOrNull("--out", $"run folder (default out/train/{DigitRecipe.FolderName(kind)}); an interrupted run there resumes", "DIR");
        var data = KitOptions.TextOrNull("--data", "folder of MNIST IDX files (default data/mnist)", "DIR");
        var maxSteps = KitOptions.IntOrNull("--max-steps", "cap steps per epoch (for quick checks)", 1);
        var threads = KitOptions.IntOrNull("--threads", "libtorch threads (default: libtorch's, one per core); recorded in the manifest", 1, 1024);
        var sittings = KitOptions.Flag("--sittings", "the run spans several sittings (machines that share only the git repository): " +
            "also write sitting.weights (half precision) after every epoch; commit the run folder without resume.ckpt when a sitting ends");
        var continueFrom = KitOptions.TextOrNull("--continue", "when the run folder has no resume.ckpt: go on from a committed " +
            "sitting.weights and the history.json beside it (implies --sittings); Adam starts afresh, the epochs and the " +
            "learning-rate schedule go on", "FILE");
        string name = ShippedModels.TrainName(kind);
        var command = KitOptions.Verb(name, $"""
            train the {DigitRecipe.FolderName(kind)} model
            Writes resume.ckpt, history.json, epoch-NN.weights (half precision) and manifest.json.
            """, (parse, cancel) =>
            {
                var recipe = DigitRecipe.Course(kind, parse.GetValue(seed));
                // An explicit epoch count also moves the snapshots and the learning-rate decay with it.
                if (parse.GetResult(epochs) is { Implicit: false }) recipe = recipe.WithEpochs(parse.GetValue(epochs));
                recipe = recipe with
                {
                    Hidden = parse.GetValue(hidden),
                    Sigma = parse.GetValue(sigma),
                    UnconditionalProbability = parse.GetValue(pUncond),
                    Settings = recipe.Settings with
                    {
                        BatchSize = parse.GetValue(batch),
                        LearningRate = parse.GetValue(lr),
                        MaxStepsPerEpoch = parse.GetValue(maxSteps),
                    },
                };
                var start = SittingToContinue(parse.GetValue(continueFrom), "a sitting.weights written with --sittings");
                return Train(recipe, parse.GetValue(outDir) ?? Path.Combine(KitPaths.Out, "train", DigitRecipe.FolderName(kind)),
                    parse.GetValue(data), parse.GetValue(threads), parse.GetValue(sittings) || start is not null, start, cancel);
            }, seed, epochs, batch, lr, hidden, sigma, pUncond, outDir, data, maxSteps, threads, sittings, continueFrom);
        if (DigitRecipe.FolderName(kind) != name) command.Aliases.Add(DigitRecipe.FolderName(kind));
        if (kind == DigitModelKind.OneStep) command.Aliases.Add("onestep");
        return command;
    }

    /// <summary>`--continue FILE` of a train sub-command: the committed sitting to go on from (null when not given).</summary>
    internal static SittingStart? SittingToContinue(string? sitting, string example)
    {
        if (sitting is null) return null;
        if (!File.Exists(sitting))
            throw new ArgumentException($"--continue needs an existing sitting checkpoint ({example}), got \"{sitting}\".", "continue");
        return SittingStart.Beside(sitting);
    }

    /// <summary>`--start-from FILE` of a train sub-command: the earlier run's weights a new run begins from (null when not given).</summary>
    internal static StartWeights? WeightsToStartFrom(string? weights, string example)
    {
        if (weights is null) return null;
        if (!File.Exists(weights))
            throw new ArgumentException($"--start-from needs an existing weights file ({example}), got \"{weights}\".", "start-from");
        return StartWeights.Of(weights);
    }

    static int Train(DigitRecipe recipe, string folder, string? dataFolder, int? threads, bool writeSitting, SittingStart? continueFrom, CancellationToken cancel)
    {
        TorchRuntime.Ensure();
        if (threads is { } count) TorchSharp.torch.set_num_threads(count);
        using var data = Mnist.Load("train", dataFolder);
        string command = "dotnet run --project tools/Diffusion.Kit -- train " + string.Join(" ", Environment.GetCommandLineArgs().Skip(2));
        Console.WriteLine($"Training {recipe.Architecture} on {data} into {folder}");
        Console.WriteLine($"  {recipe.Settings.Fingerprint()}");
        if (continueFrom is not null) Console.WriteLine($"  continuing from {continueFrom.WeightsPath} when {folder} has no resume.ckpt (Adam afresh)");
        var history = TrainingProgressDisplay.Show(progress => DigitTraining.Run(recipe, data, folder, command, progress, cancel, dataFolder, writeSitting, continueFrom));
        Console.WriteLine($"Done: {history.EpochsDone} epochs, last epoch mean loss {history.EpochMean(history.EpochsDone):F5}. Files in {folder}.");
        return 0;
    }
}

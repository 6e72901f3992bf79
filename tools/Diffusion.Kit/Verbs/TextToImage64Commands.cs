using System.CommandLine;
using Diffusion.Data;
using Diffusion.Kit.Terminal;
using Diffusion.Runtime;
using Diffusion.Text;
using Diffusion.TextToImage;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Kit.Verbs;

/// <summary>`train text-64`: the part A model v2 (64x64, learned variance) on data/emoji-64/, across sittings.</summary>
public static class TextToImage64Commands
{
    /// <summary>`train concept-classifier`: the 64x64 concept classifier (the v2 model's measuring stick).</summary>
    public static Command ClassifierCommand()
    {
        var seed = KitOptions.Long("--seed", "the run's seed", 0);
        var epochs = KitOptions.Int("--epochs", "epochs (1.5-2.5 hours on one core)", 120, 1, 10_000);
        var threads = KitOptions.IntOrNull("--threads", "torch threads (default libtorch's)", 1, 256);
        var outDir = KitOptions.Text("--out", "run folder", ConceptClassifierTraining.DefaultRunFolder, "DIR");
        var data = KitOptions.Text("--data", "the 64x64 set", TextToImage64Training.DefaultDataFolder, "DIR");
        return KitOptions.Verb("concept-classifier", """
            train the 64x64 concept classifier (the v2 model's measuring stick) on data/emoji-64's training styles
            Prints and writes (evaluation.json) its accuracy on the held-out style.
            """, (parse, cancel) => TrainClassifier(ConceptClassifierTraining.DefaultSettings(parse.GetValue(seed), parse.GetValue(epochs)),
                parse.GetValue(threads), parse.GetValue(outDir)!, parse.GetValue(data)!, cancel),
            seed, epochs, threads, outDir, data);
    }

    static int TrainClassifier(TrainingSettings settings, int? threads, string folder, string dataFolder, CancellationToken cancel)
    {
        TorchRuntime.Ensure();
        if (threads is int n) set_num_threads(n);
        using var set = EmojiSet.Load(dataFolder);
        string command = "dotnet run --project tools/Diffusion.Kit -- train " + string.Join(" ", Environment.GetCommandLineArgs().Skip(2));
        Console.WriteLine($"Training the concept classifier on {set} into {folder}, {get_num_threads()} torch threads");
        var evaluation = TrainingProgressDisplay.Show(progress => ConceptClassifierTraining.Run(set, folder, command, settings, progress, cancel, dataFolder));
        Console.WriteLine(FormattableString.Invariant(
            $"Held-out style '{evaluation.Style}': top-1 {evaluation.Top1:P1}, top-5 {evaluation.Top5:P1} of {evaluation.Pictures} pictures. Files in {folder}."));
        return 0;
    }

    /// <summary>`train text-64`: the 64x64 text-to-image model (part A model v2) on data/emoji-64/, or with --save-sitting the copy a sitting commits.</summary>
    public static Command TrainCommand()
    {
        var defaults = TextToImage64Recipe.Default();
        var seed = KitOptions.Long("--seed", "the run's seed", 0);
        var epochs = KitOptions.Int("--epochs", "the whole run, over all sittings (it is part of the run's settings)", defaults.Settings.Epochs, 1, 100_000);
        var channels = KitOptions.Word("--channels", "the network's channels at 64/32/16/8 pixels",
            c => TextToImage64Recipe.ParseChannels(c, "channels"), string.Join(',', defaults.Channels), "C0,C1,C2,C3");
        var batch = KitOptions.Int("--batch", "batch size", defaults.Settings.BatchSize, 1, 65_536);
        var lr = KitOptions.Double("--lr", "Adam's learning rate", defaults.Settings.LearningRate, 1e-12, 10);
        var maxSteps = KitOptions.IntOrNull("--max-steps", "cap steps per epoch (for quick checks)", 1);
        var threads = KitOptions.IntOrNull("--threads", "torch threads (default libtorch's; 1 leaves the other core to others)", 1, 256);
        var continueFrom = KitOptions.TextOrNull("--continue", "when DIR has no resume.ckpt yet: go on from a committed sitting checkpoint " +
            "(data/models/text-to-image-64/sitting.weights and the history.json beside it); Adam starts afresh, the epoch and " +
            "learning-rate schedule go on", "FILE");
        var maxMinutes = KitOptions.DoubleOrNull("--max-minutes", "stop after M minutes (the last finished epoch is kept); run again to go on", 0.01, 1e6, "M");
        var head = KitOptions.Choice("--head", "what the head learns: v (the shipped run) or noise (the first run, stage-1/)", "v", "v", "noise");
        var startFrom = KitOptions.TextOrNull("--start-from", "begin a new run from an earlier run's weights (the shipped run: " +
            "data/models/text-to-image-64/stage-1/sitting.weights); Adam starts afresh with --lr, decayed to a tenth over --epochs", "FILE");
        var outDir = KitOptions.Text("--out", "run folder; an interrupted run there resumes from resume.ckpt (with --save-sitting: the run to copy from)",
            TextToImage64Training.DefaultRunFolder, "DIR");
        var data = KitOptions.Text("--data", "the 64x64 set", TextToImage64Training.DefaultDataFolder, "DIR");
        var saveSitting = KitOptions.Flag("--save-sitting", "copy what a sitting commits (sitting.weights, history.json cut to its epoch, " +
            "manifest.json) from the run folder to --to; safe while the run goes on or after it was stopped");
        var to = KitOptions.Text("--to", "with --save-sitting: where the sitting goes", TextToImage64Training.ShippedFolder, "DIR");
        Option[] training = [seed, epochs, channels, batch, lr, maxSteps, threads, continueFrom, maxMinutes, head, startFrom, data];
        var command = KitOptions.Verb("text-64", """
            train the 64x64 text-to-image model (part A model v2) on data/emoji-64/
            Writes resume.ckpt, sitting.weights (half precision, after every epoch), history.json, epoch-NN.weights, manifest.json.
            With --save-sitting it trains nothing: it copies the last sitting from --out to --to. Commit that folder.
            """, (parse, cancel) =>
            {
                if (parse.GetValue(saveSitting))
                {
                    string run = parse.GetValue(outDir)!, target = parse.GetValue(to)!;
                    int epoch = TextToImage64Training.SaveSitting(run, target);
                    Console.WriteLine($"Saved the sitting after epoch {epoch} from {run} to {target} (sitting.weights, history.json, manifest.json). Commit that folder.");
                    return 0;
                }
                var recipe = TextToImage64Recipe.Default(parse.GetValue(seed));
                if (parse.GetResult(epochs) is { Implicit: false }) recipe = recipe.WithEpochs(parse.GetValue(epochs));
                recipe = recipe with
                {
                    Channels = TextToImage64Recipe.ParseChannels(parse.GetValue(channels)!, "channels"),
                    Head = parse.GetValue(head) == "noise" ? HeadTarget.Noise : HeadTarget.V,
                    StartFrom = TrainVerb.WeightsToStartFrom(parse.GetValue(startFrom), "a sitting.weights or epoch-NN.weights of an earlier `train text-64` run"),
                    Settings = recipe.Settings with
                    {
                        BatchSize = parse.GetValue(batch),
                        LearningRate = parse.GetValue(lr),
                        MaxStepsPerEpoch = parse.GetValue(maxSteps),
                    },
                };
                var start = TrainVerb.SittingToContinue(parse.GetValue(continueFrom), "e.g. data/models/text-to-image-64/sitting.weights");
                return Train(recipe, start, parse.GetValue(threads), parse.GetValue(maxMinutes), parse.GetValue(outDir)!, parse.GetValue(data)!, cancel);
            }, [.. training, outDir, saveSitting, to]);
        // --save-sitting copies and trains nothing, so the training options make no sense with it (and --to none without it).
        command.Validators.Add(r =>
        {
            bool Given(Option o) => r.GetResult(o) is { Implicit: false };
            if (Given(saveSitting))
            {
                if (training.FirstOrDefault(Given) is { } stray) r.AddError($"--save-sitting copies a sitting and trains nothing: it does not take {stray.Name}.");
            }
            else if (Given(to)) r.AddError("--to is where --save-sitting copies to; add --save-sitting or leave --to out.");
        });
        return command;
    }

    static int Train(TextToImage64Recipe recipe, SittingStart? continueFrom, int? threads, double? maxMinutes, string folder, string dataFolder,
        CancellationToken cancel)
    {

        TorchRuntime.Ensure();
        if (threads is int n) set_num_threads(n);
        using var set = EmojiSet.Load(dataFolder);
        var table = PromptEmbeddings.Load(Path.Combine(dataFolder, TextEncoder.TableFile));
        string command = "dotnet run --project tools/Diffusion.Kit -- train " + string.Join(" ", Environment.GetCommandLineArgs().Skip(2));
        Console.WriteLine($"Training {recipe.Architecture} on {set} into {folder}, {get_num_threads()} torch threads");
        Console.WriteLine($"  {recipe.Fingerprint()}");
        if (continueFrom is not null && !File.Exists(Path.Combine(folder, Trainer<TextUNet64>.ResumeFile)))
            Console.WriteLine($"  continuing from {continueFrom.WeightsPath} (epoch {WeightsFile.ReadHeader(continueFrom.WeightsPath).GetValueOrDefault("epoch")}; Adam afresh)");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (maxMinutes is double m) stop.CancelAfter(TimeSpan.FromMinutes(m));
        try
        {
            var history = TrainingProgressDisplay.Show(progress => TextToImage64Training.Run(recipe, set, table, folder, command, continueFrom, progress, stop.Token, dataFolder));
            Console.WriteLine($"Done: {history.EpochsDone} epochs, last epoch mean loss {history.EpochMean(history.EpochsDone):F5}. Files in {folder}.");
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            var manifest = File.Exists(Path.Combine(folder, TrainingManifest.FileName)) ? TrainingManifest.Load(folder) : null;
            Console.WriteLine(manifest is null
                ? $"Stopped after {maxMinutes} minutes, before an epoch finished in {folder}; nothing new is saved. Run the same command again to go on."
                : $"Stopped after {maxMinutes} minutes; {manifest.EpochsDone} of {recipe.Settings.Epochs} epochs are saved in {folder}. Run the same command again to go on.");
        }
        return 0;
    }
}

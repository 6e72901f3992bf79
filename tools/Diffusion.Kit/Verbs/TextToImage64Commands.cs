using Diffusion.Data;
using Diffusion.Runtime;
using Diffusion.Text;
using Diffusion.TextToImage;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Kit.Verbs;

/// <summary>`train text-64`: the part A model v2 (64x64, learned variance) on data/emoji-64/, across sittings.</summary>
public static class TextToImage64Commands
{
    public const string TrainUsage = """

        train text-64 [options]   the 64x64 text-to-image model (part A model v2) on data/emoji-64/
          --out DIR          run folder (default out/train/text-to-image-64); an interrupted run there resumes from resume.ckpt
          --continue FILE    when DIR has no resume.ckpt yet: go on from a committed sitting checkpoint
                             (data/models/text-to-image-64/sitting.weights and the history.json beside it); Adam starts
                             afresh, the epoch and learning-rate schedule go on
          --threads N        torch threads (default libtorch's; 1 leaves the other core to others)
          --epochs N         default 200 (the whole run, over all sittings: it is part of the run's settings)
          --max-minutes M    stop after M minutes (the last finished epoch is kept); run again to go on
          --batch N, --lr X, --seed K, --max-steps N, --channels C0,C1,C2,C3, --data DIR (default data/emoji-64)
        Writes resume.ckpt, sitting.weights (half precision, after every epoch), history.json, epoch-NN.weights, manifest.json.

        train text-64 --save-sitting [--out RUN] [--to DIR]
          copies what a sitting commits (sitting.weights, history.json cut to its epoch, manifest.json) from the run
          folder to DIR (default data/models/text-to-image-64); safe while the run goes on or after it was stopped

        train concept-classifier [--out DIR] [--threads N] [--epochs N] [--seed K]
          the 64x64 concept classifier (the v2 model's measuring stick) on data/emoji-64's training styles; prints and
          writes (evaluation.json) its accuracy on the held-out style. Default out/train/concept-classifier-64, 120 epochs (1.5-2.5 hours on one core)
        """;

    public static Task<int> TrainClassifier(Args args, CancellationToken cancel)
    {
        var settings = ConceptClassifierTraining.DefaultSettings(args.Long("seed", 0), args.Int("epochs", 120, 1, 10_000));
        int? threads = args.Has("threads") ? args.Int("threads", 1, 1, 256) : null;
        string folder = args.String("out") ?? ConceptClassifierTraining.DefaultRunFolder;
        string dataFolder = args.String("data") ?? TextToImage64Training.DefaultDataFolder;
        args.RejectUnknown("train concept-classifier");
        TorchRuntime.Ensure();
        if (threads is int n) set_num_threads(n);
        using var set = EmojiSet.Load(dataFolder);
        string command = "dotnet run --project tools/Diffusion.Kit -- train " + string.Join(" ", Environment.GetCommandLineArgs().Skip(2));
        Console.WriteLine($"Training the concept classifier on {set} into {folder}, {get_num_threads()} torch threads");
        var bar = new ConsoleProgressBar();
        var evaluation = ConceptClassifierTraining.Run(set, folder, command, settings, bar, cancel, dataFolder);
        bar.Finish();
        Console.WriteLine(FormattableString.Invariant(
            $"Held-out style '{evaluation.Style}': top-1 {evaluation.Top1:P1}, top-5 {evaluation.Top5:P1} of {evaluation.Pictures} pictures. Files in {folder}."));
        return Task.FromResult(0);
    }

    public static Task<int> Train(Args args, CancellationToken cancel)
    {
        if (args.Flag("save-sitting"))
        {
            string run = args.String("out") ?? TextToImage64Training.DefaultRunFolder;
            string to = args.String("to") ?? TextToImage64Training.ShippedFolder;
            args.RejectUnknown("train text-64 --save-sitting");
            int epoch = TextToImage64Training.SaveSitting(run, to);
            Console.WriteLine($"Saved the sitting after epoch {epoch} from {run} to {to} (sitting.weights, history.json, manifest.json). Commit that folder.");
            return Task.FromResult(0);
        }
        var recipe = TextToImage64Recipe.Default(args.Long("seed", 0));
        if (args.Has("epochs")) recipe = recipe.WithEpochs(args.Int("epochs", recipe.Settings.Epochs, 1, 100_000));
        recipe = recipe with
        {
            Channels = args.String("channels") is { } c ? TextToImage64Recipe.ParseChannels(c, "channels") : recipe.Channels,
            Settings = recipe.Settings with
            {
                BatchSize = args.Int("batch", recipe.Settings.BatchSize, 1, 65_536),
                LearningRate = args.Double("lr", recipe.Settings.LearningRate, 1e-12, 10),
                MaxStepsPerEpoch = args.Has("max-steps") ? args.Int("max-steps", 0, 1) : null,
            },
        };
        int? threads = args.Has("threads") ? args.Int("threads", 1, 1, 256) : null;
        SittingStart? continueFrom = null;
        if (args.String("continue") is { } sitting)
        {
            if (sitting == "true" || !File.Exists(sitting))
                throw new ArgumentException($"--continue needs an existing sitting checkpoint (e.g. data/models/text-to-image-64/sitting.weights), got \"{sitting}\".", "continue");
            continueFrom = SittingStart.Beside(sitting);
        }
        double? maxMinutes = args.Has("max-minutes") ? args.Double("max-minutes", 0, 0.01, 1e6) : null;
        string folder = args.String("out") ?? TextToImage64Training.DefaultRunFolder;
        string dataFolder = args.String("data") ?? TextToImage64Training.DefaultDataFolder;
        args.RejectUnknown("train");

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
        var bar = new ConsoleProgressBar();
        try
        {
            var history = TextToImage64Training.Run(recipe, set, table, folder, command, continueFrom, bar, stop.Token, dataFolder);
            bar.Finish();
            Console.WriteLine($"Done: {history.EpochsDone} epochs, last epoch mean loss {history.EpochMean(history.EpochsDone):F5}. Files in {folder}.");
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            bar.Finish();
            var manifest = File.Exists(Path.Combine(folder, TrainingManifest.FileName)) ? TrainingManifest.Load(folder) : null;
            Console.WriteLine(manifest is null
                ? $"Stopped after {maxMinutes} minutes, before an epoch finished in {folder}; nothing new is saved. Run the same command again to go on."
                : $"Stopped after {maxMinutes} minutes; {manifest.EpochsDone} of {recipe.Settings.Epochs} epochs are saved in {folder}. Run the same command again to go on.");
        }
        return Task.FromResult(0);
    }
}

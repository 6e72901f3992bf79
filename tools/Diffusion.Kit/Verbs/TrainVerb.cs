using Diffusion.Data;
using Diffusion.Runtime;
using Diffusion.Training;

namespace Diffusion.Kit.Verbs;

/// <summary>
/// `train one-step|time|class|classifier|pure-noise|fm-time|fm-class`: trains a part B model (DDPM or flow-matching
/// version) with the course's settings unless told otherwise.
/// </summary>
public sealed class TrainVerb : IVerb
{
    public string Name => "train";
    public string Summary => "train a part B model (one-step, time, class, classifier; flow matching: pure-noise, fm-time, fm-class) with the course's settings; resumes if interrupted";
    public string Usage => """
        train one-step|time|class|classifier|pure-noise|fm-time|fm-class [options]
          DDPM version: one-step (1.2.1), time (2.2), class (2.4); flow-matching version: pure-noise (1.2.3),
          fm-time and fm-class (velocity UNets); classifier: the kit's measuring stick.
          --out DIR          run folder (default out/train/<model>); an interrupted run there resumes
          --epochs N         default: course (5 one-step/pure-noise, 20 time/class, 10 fm-time/fm-class)
          --batch N          default: course (256 one-step/pure-noise, 128 time/class, 64 fm-time/fm-class)
          --lr X             default: course (1e-4 one-step/pure-noise, 1e-3 time/class, 1e-2 fm-time/fm-class)
          --hidden D         default: course (128 one-step/pure-noise, 64 the others)
          --sigma S          one-step noise level (default 0.5)
          --p-uncond P       class model: probability of dropping the class (default 0.1)
          --seed K           default 0
          --data DIR         folder of MNIST IDX files (default data/mnist)
          --max-steps N      cap steps per epoch (for quick checks)
          --threads N        libtorch threads (default: libtorch's, one per core); recorded in the manifest
        Writes resume.ckpt, history.json, epoch-NN.weights (half precision) and manifest.json.
        """ + TextToImageCommands.TrainUsage + TextToImage64Commands.TrainUsage;

    public Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        if (args.Positional is ["text" or "text-to-image"]) return TextToImageCommands.Train(args, cancel);   // part A's model
        if (args.Positional is ["text-64"]) return TextToImage64Commands.Train(args, cancel);                  // part A's model v2
        if (args.Positional is ["concept-classifier"]) return TextToImage64Commands.TrainClassifier(args, cancel);   // its measuring stick
        if (args.Positional.Count != 1)
            throw new ArgumentException("train needs exactly one model: one-step, time, class, classifier or text.", "model");
        var kind = DigitRecipe.ParseKind(args.Positional[0], "model");
        var recipe = DigitRecipe.Course(kind, args.Long("seed", 0));
        if (args.Has("epochs")) recipe = recipe.WithEpochs(args.Int("epochs", recipe.Settings.Epochs, 1, 10_000));
        recipe = recipe with
        {
            Hidden = args.Int("hidden", recipe.Hidden, 1, 1024),
            Sigma = args.Double("sigma", recipe.Sigma, 0, 100),
            UnconditionalProbability = args.Double("p-uncond", recipe.UnconditionalProbability, 0, 1),
            Settings = recipe.Settings with
            {
                BatchSize = args.Int("batch", recipe.Settings.BatchSize, 1, 65_536),
                LearningRate = args.Double("lr", recipe.Settings.LearningRate, 1e-12, 10),
                MaxStepsPerEpoch = args.Has("max-steps") ? args.Int("max-steps", 0, 1) : null,
            },
        };
        string folder = args.String("out") ?? Path.Combine(KitPaths.Out, "train", DigitRecipe.FolderName(kind));
        string? dataFolder = args.String("data");
        int? threads = args.Has("threads") ? args.Int("threads", 1, 1, 1024) : null;
        args.RejectUnknown(Name);

        TorchRuntime.Ensure();
        if (threads is { } count) TorchSharp.torch.set_num_threads(count);
        using var data = Mnist.Load("train", dataFolder);
        string command = "dotnet run --project tools/Diffusion.Kit -- train " + string.Join(" ", Environment.GetCommandLineArgs().Skip(2));
        Console.WriteLine($"Training {recipe.Architecture} on {data} into {folder}");
        Console.WriteLine($"  {recipe.Settings.Fingerprint()}");
        var bar = new ConsoleProgressBar();
        var history = DigitTraining.Run(recipe, data, folder, command, bar, cancel, dataFolder);
        bar.Finish();
        Console.WriteLine($"Done: {history.EpochsDone} epochs, last epoch mean loss {history.EpochMean(history.EpochsDone):F5}. Files in {folder}.");
        return Task.FromResult(0);
    }
}

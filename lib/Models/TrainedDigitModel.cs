using Diffusion.Runtime;
using Diffusion.Training;

namespace Diffusion.Models;

/// <summary>
/// A part B model as the notebooks use it: its recipe, the folder with its snapshots, loss history and manifest.
/// <see cref="Get"/> picks by mode: the shipped model (pretrained), a course-settings run (full, resumable),
/// or a tiny model trained in seconds (smoke).
/// </summary>
public sealed record TrainedDigitModel(DigitRecipe Recipe, string Folder)
{
    public DigitModelKind Kind => Recipe.Kind;
    /// <summary>The epochs whose weights were kept: the course's figures use the first and the last.</summary>
    public IReadOnlyList<int> Snapshots => Recipe.Settings.Snapshots;

    public static TrainedDigitModel Get(DigitModelKind kind, KitMode? mode = null, IProgress<TrainingProgress>? progress = null, long seed = 0)
    {
        var m = mode ?? KitModes.Current;
        switch (m)
        {
            case KitMode.Pretrained:
                return Shipped(kind);
            case KitMode.Full:
                return Train(DigitRecipe.Course(kind, seed), Path.Combine(KitPaths.Out, "train", DigitRecipe.FolderName(kind)), progress, fresh: false);
            default:
                return Train(SmokeRecipe(kind, seed), Path.Combine(KitPaths.Out, "smoke", DigitRecipe.FolderName(kind)), progress, fresh: true);
        }
    }

    /// <summary>
    /// A notebook's model cell: <see cref="Get"/> for the current mode, writing a line per finished epoch when it trains
    /// (full and smoke modes), then the model's <see cref="Describe"/> line.
    /// </summary>
    /// <param name="kind">which part B model</param>
    /// <param name="output">where the lines go (default the cell's output, Console.Out)</param>
    public static TrainedDigitModel GetForNotebook(DigitModelKind kind, TextWriter? output = null)
    {
        var model = Get(kind, progress: new TrainingProgressLines(output));
        (output ?? Console.Out).WriteLine(model.Describe());
        return model;
    }

    /// <summary>Smoke mode's recipe: the same code path with a sliver of the work, so a test run takes seconds.</summary>
    public static DigitRecipe SmokeRecipe(DigitModelKind kind, long seed = 0)
    {
        var smoke = DigitRecipe.Course(kind, seed).WithEpochs(2) with { Hidden = 8 };
        return smoke with { Settings = smoke.Settings with { MaxStepsPerEpoch = 2, BatchSize = 32 } };
    }

    /// <summary>
    /// The epochs whose results a notebook shows in <paramref name="mode"/> (the course's, or smoke's): what the grader
    /// expects a complete submission to have displayed, whatever the notebook itself was told.
    /// </summary>
    public static IReadOnlyList<int> EpochsShown(DigitModelKind kind, KitMode mode) =>
        mode == KitMode.Smoke ? SmokeRecipe(kind).Settings.Snapshots : DigitRecipe.Course(kind).Settings.Snapshots;

    /// <summary>
    /// The shipped model of <paramref name="kind"/>: the course's recipe with the width its manifest records, since a
    /// model may ship narrower than the course's when the machine that trained it could not afford that one (the
    /// manifest's command says so), and with the snapshots its manifest lists.
    /// </summary>
    public static TrainedDigitModel Shipped(DigitModelKind kind)
    {
        var recipe = DigitRecipe.Course(kind);
        var folder = ShippedModels.Folder(kind);
        if (File.Exists(Path.Combine(folder, TrainingManifest.FileName)))
        {
            var manifest = TrainingManifest.Load(folder);
            var match = System.Text.RegularExpressions.Regex.Match(manifest.Architecture, @"\((?:D|W)=(\d+)\)$");
            if (match.Success) recipe = recipe with { Hidden = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) };
            // The snapshots the shipped run has: a run shipped before its last epoch ("in progress"), or one trained
            // with an earlier recipe, offers what it has.
            var kept = manifest.Snapshots.Select(Trainer<TorchSharp.torch.nn.Module>.SnapshotEpoch).OfType<int>().Order().ToArray();
            if (kept.Length > 0) recipe = recipe with { Settings = recipe.Settings with { Snapshots = kept } };
        }
        return new TrainedDigitModel(recipe, folder);
    }

    /// <param name="recipe">what to train</param>
    /// <param name="folder">where the run's checkpoints, history and manifest go</param>
    /// <param name="progress">told after every step, if given</param>
    /// <param name="fresh">start over (smoke runs are throwaway); otherwise an interrupted run resumes</param>
    static TrainedDigitModel Train(DigitRecipe recipe, string folder, IProgress<TrainingProgress>? progress, bool fresh)
    {
        using var data = Data.Mnist.Load("train");
        if (fresh && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        DigitTraining.Run(recipe, data, folder, $"TrainedDigitModel.Get({recipe.Kind}) from a notebook", progress);
        return new TrainedDigitModel(recipe, folder);
    }

    /// <summary>The weights file of the snapshot after <paramref name="epoch"/> (what a cached figure's key hashes).</summary>
    public string WeightsPath(int epoch) => Path.Combine(Folder, Trainer<TorchSharp.torch.nn.Module>.SnapshotName(epoch));

    public DigitUNet LoadUNet(int epoch) => ShippedModels.LoadUNet(Recipe, epoch, Folder);
    public DigitNoisePredictor LoadNoisePredictor(int epoch) => Recipe.IsFlow
        ? throw new InvalidOperationException($"{Recipe.Architecture} is a flow-matching model: it predicts velocities, not noise; use LoadVelocityField.")
        : new(LoadUNet(epoch));
    public DigitVelocityField LoadVelocityField(int epoch) => Recipe.IsFlow
        ? new(LoadUNet(epoch))
        : throw new InvalidOperationException($"{Recipe.Architecture} is not a flow-matching model: use LoadNoisePredictor (DDPM) or LoadUNet.");
    public LossHistory History => LossHistory.Load(Path.Combine(Folder, Trainer<TorchSharp.torch.nn.Module>.HistoryFile));
    public TrainingManifest Manifest => TrainingManifest.Load(Folder);

    /// <summary>What the model is and how it was made, in a line: architecture, size, epochs, time, loss, the command.</summary>
    public string Describe()
    {
        var m = Manifest;
        return FormattableString.Invariant(
            $"{m.Architecture}, {m.Parameters:N0} parameters, {m.EpochsDone} epochs{(m.EpochsDone < m.EpochsPlanned ? $" of {m.EpochsPlanned} (the run is unfinished)" : "")} in {m.WallSeconds / 60:F1} min, final epoch loss {m.FinalEpochLoss:F5}. Trained by: {m.Command}");
    }
}

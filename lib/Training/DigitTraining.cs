using Diffusion.Data;
using Diffusion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>
/// Trains a part B model from a <see cref="DigitRecipe"/> into a folder (resuming what is there) and keeps
/// its manifest current. The `train` verb and the notebooks' full mode both come through here.
/// </summary>
public static class DigitTraining
{
    /// <summary>A freshly initialised model for the recipe, seeded so the same seed gives the same weights.</summary>
    public static nn.Module NewModel(DigitRecipe recipe)
    {
        manual_seed(recipe.Settings.Seed);
        return recipe.Kind == DigitModelKind.Classifier
            ? new DigitClassifier(recipe.Hidden)
            : new DigitUNet(recipe.UNetKind, recipe.Hidden);
    }

    public static LossHistory Run(DigitRecipe recipe, LabelledImages data, string folder, string command,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default, string? dataFolder = null)
    {
        var model = NewModel(recipe);
        try
        {
            return recipe.Kind == DigitModelKind.Classifier
                ? Train((DigitClassifier)model, new ClassificationObjective(), recipe, data, folder, command, progress, cancel, dataFolder)
                : Train((DigitUNet)model, Objective(recipe), recipe, data, folder, command, progress, cancel, dataFolder);
        }
        finally { model.Dispose(); }
    }

    public static ITrainingObjective<DigitUNet> Objective(DigitRecipe recipe) => recipe.Kind switch
    {
        DigitModelKind.OneStep => new OneStepDenoisingObjective(recipe.Sigma),
        DigitModelKind.Time => new DdpmObjective(DigitRecipe.Schedule, 0),
        DigitModelKind.Class => new DdpmObjective(DigitRecipe.Schedule, recipe.UnconditionalProbability),
        DigitModelKind.PureNoise => new PureNoiseObjective(),
        DigitModelKind.FlowTime => new FlowMatching.FlowMatchingObjective(0),
        DigitModelKind.FlowClass => new FlowMatching.FlowMatchingObjective(recipe.UnconditionalProbability),
        _ => throw new ArgumentOutOfRangeException(nameof(recipe), recipe.Kind, "not a UNet recipe."),
    };

    static LossHistory Train<TModel>(TModel model, ITrainingObjective<TModel> objective, DigitRecipe recipe, LabelledImages data,
        string folder, string command, IProgress<TrainingProgress>? progress, CancellationToken cancel, string? dataFolder)
        where TModel : nn.Module
    {
        var trainer = new Trainer<TModel>(folder, recipe.Architecture, recipe.Settings);
        var dataHashes = TrainingManifest.HashFolder(dataFolder ?? Mnist.DefaultFolder, "*-ubyte*");
        dataHashes["set"] = $"{data.Name} ({data.Count} images)";
        trainer.EpochFinished += (epoch, history) =>
        {
            var epochLosses = Enumerable.Range(1, history.EpochsDone).Select(history.EpochMean).ToList();
            new TrainingManifest(
                DigitRecipe.FolderName(recipe.Kind), recipe.Architecture, model.parameters().Sum(p => p.numel()),
                command, recipe.Settings.Seed, recipe.Settings.Fingerprint(), objective.Name, dataHashes,
                history.EpochsDone, recipe.Settings.Epochs, history.EpochSeconds.Sum(), epochLosses[^1], epochLosses,
                recipe.Settings.Snapshots.Where(e => e <= epoch).Select(Trainer<TModel>.SnapshotName).ToList(),
                typeof(torch).Assembly.GetName().Version?.ToString() ?? "?", get_num_threads(),
                TrainingManifest.MachineDescription(),
                history.EpochsDone == recipe.Settings.Epochs ? DateTime.UtcNow.ToString("u") : "in progress").Save(folder);
        };
        using var labels = torch.tensor(data.Labels);
        // Wall time sums the epochs' own seconds, so time spent before a resume counts too.
        return trainer.Train(model, objective, data.Images, labels, progress, cancel);
    }
}

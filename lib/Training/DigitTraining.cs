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

    /// <param name="recipe">what to train</param>
    /// <param name="data">the training digits</param>
    /// <param name="folder">the run folder: an interrupted run there resumes from its resume.ckpt</param>
    /// <param name="command">the command recorded in the manifest</param>
    /// <param name="progress">told after every step, if given</param>
    /// <param name="cancel">stops after the current step; the last finished epoch stays on disk</param>
    /// <param name="dataFolder">where the MNIST files came from (hashed into the manifest); default data/mnist</param>
    /// <param name="writeSitting">for a run that spans several sittings (sessions on machines that share only the git
    /// repository): also write sitting.weights (half precision) after every epoch, to commit when a sitting ends</param>
    /// <param name="continueFrom">when the folder has no resume.ckpt: go on from this committed sitting (Adam afresh)</param>
    public static LossHistory Run(DigitRecipe recipe, LabelledImages data, string folder, string command,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default, string? dataFolder = null,
        bool writeSitting = false, SittingStart? continueFrom = null)
    {
        var model = NewModel(recipe);
        bool sittings = writeSitting || continueFrom is not null;
        try
        {
            return recipe.Kind == DigitModelKind.Classifier
                ? Train((DigitClassifier)model, new ClassificationObjective(), recipe, data, folder, command, progress, cancel, dataFolder, sittings, continueFrom)
                : Train((DigitUNet)model, Objective(recipe), recipe, data, folder, command, progress, cancel, dataFolder, sittings, continueFrom);
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
        string folder, string command, IProgress<TrainingProgress>? progress, CancellationToken cancel, string? dataFolder, bool writeSitting, SittingStart? continueFrom)
        where TModel : nn.Module
    {
        var trainer = new Trainer<TModel>(folder, recipe.Architecture, recipe.Settings) { ContinueFrom = continueFrom, WriteSitting = writeSitting };
        var dataHashes = TrainingManifest.HashFolder(dataFolder ?? Mnist.DefaultFolder, "*-ubyte*");
        dataHashes["set"] = $"{data.Name} ({data.Count} images)";
        if (writeSitting) SittingStart.RecordIn(dataHashes, continueFrom);
        string[] kept = writeSitting ? [Trainer<TModel>.SittingFile] : [];
        trainer.EpochFinished += (epoch, history) =>
        {
            var epochLosses = Enumerable.Range(1, history.EpochsDone).Select(history.EpochMean).ToList();
            new TrainingManifest(
                DigitRecipe.FolderName(recipe.Kind), recipe.Architecture, model.parameters().Sum(p => p.numel()),
                command, recipe.Settings.Seed, recipe.Settings.Fingerprint(), objective.Name, dataHashes,
                history.EpochsDone, recipe.Settings.Epochs, history.EpochSeconds.Sum(), epochLosses[^1], epochLosses,
                recipe.Settings.Snapshots.Where(e => e <= epoch).Select(Trainer<TModel>.SnapshotName).Concat(kept).ToList(),
                typeof(torch).Assembly.GetName().Version?.ToString() ?? "?", get_num_threads(),
                TrainingManifest.MachineDescription(),
                history.EpochsDone == recipe.Settings.Epochs ? DateTime.UtcNow.ToString("u") : "in progress").Save(folder);
        };
        using var labels = torch.tensor(data.Labels);
        // Wall time sums the epochs' own seconds, so time spent before a resume counts too.
        return trainer.Train(model, objective, data.Images, labels, progress, cancel);
    }
}

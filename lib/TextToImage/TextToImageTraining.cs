using Diffusion.Data;
using Diffusion.Runtime;
using Diffusion.Text;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.TextToImage;

/// <summary>
/// Trains the text-to-image model with the kit's one training loop (<see cref="Trainer{TModel}"/>): resumable per
/// epoch, loss of every step, half-precision snapshots, manifest.json kept current. The `train text` verb comes here.
/// </summary>
public static class TextToImageTraining
{
    /// <summary>A freshly initialised network for the recipe (seeded).</summary>
    public static TextUNet NewModel(TextToImageRecipe recipe)
    {
        manual_seed(recipe.Settings.Seed);
        return new TextUNet(recipe.BaseChannels, recipe.Embedding);
    }

    /// <summary>The objective for <paramref name="set"/>: each concept's caption embeddings from <paramref name="table"/>.</summary>
    public static TextToImageObjective Objective(TextToImageRecipe recipe, EmojiSet set, PromptEmbeddings table)
    {
        float[] Need(string prompt) => table.Find(prompt) ?? throw new InvalidDataException(
            $"the prompt table has no embedding for \"{prompt}\"; re-create it with: dotnet run --project tools/Diffusion.Kit -- emoji");
        var captions = set.Concepts.Select(c => (IReadOnlyList<float[]>)c.Captions.Select(Need).ToList()).ToList();
        return new TextToImageObjective(TextToImageRecipe.Schedule, captions, Need(""), Need(EmojiConcepts.GenericPrompt),
            recipe.NullProbability, recipe.GenericProbability, recipe.MaxShift, recipe.MaxScale);
    }

    /// <summary>
    /// The pictures of one epoch: each concept's pictures repeated in turn up to <paramref name="perConcept"/>, so every
    /// concept is seen equally often (a concept has 2-4 pictures). Returns the indices into the set.
    /// </summary>
    public static long[] BalancedOrder(EmojiSet set, int perConcept)
    {
        var order = new List<long>();
        for (int c = 0; c < set.Concepts.Count; c++)
        {
            var pictures = set.PicturesOf(c);
            if (pictures.Length == 0) throw new InvalidDataException($"concept {set.Concepts[c].Key} has no pictures.");
            for (int k = 0; k < perConcept; k++) order.Add(pictures[k % pictures.Length]);
        }
        return order.ToArray();
    }

    /// <summary>
    /// Trains into <paramref name="folder"/>, resuming what is there. <paramref name="cancel"/> stops after the current
    /// step (the last finished epoch stays on disk; run again to go on).
    /// </summary>
    public static LossHistory Run(TextToImageRecipe recipe, EmojiSet set, PromptEmbeddings table, string folder, string command,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default, string? dataFolder = null)
    {
        CheckResumable(recipe, folder);
        using var model = NewModel(recipe);
        var objective = Objective(recipe, set, table);
        model.StandardiseText(objective.AllCaptionEmbeddings);   // a resumed run reads the same values back from its checkpoint
        if (recipe.StartFrom is { } start)
            WeightsFile.Load(start.Path, model, recipe.Architecture);   // after standardising: the file's own statistics win
        var trainer = new Trainer<TextUNet>(folder, recipe.Architecture, recipe.Settings);
        var dataHashes = TrainingManifest.HashFolder(dataFolder ?? EmojiSet.DefaultFolder);
        dataHashes["set"] = $"{set} ({set.Count} pictures, {recipe.PicturesPerConcept} per concept per epoch)";
        if (recipe.StartFrom is { } from) dataHashes[StartWeights.ManifestKey] = from.ManifestEntry();
        long parameters = model.ParameterCount();
        trainer.EpochFinished += (epoch, history) =>
        {
            var epochLosses = Enumerable.Range(1, history.EpochsDone).Select(history.EpochMean).ToList();
            new TrainingManifest(
                TextToImageRecipe.FolderName, recipe.Architecture, parameters, command, recipe.Settings.Seed, recipe.Fingerprint(),
                objective.Name, dataHashes, history.EpochsDone, recipe.Settings.Epochs, history.EpochSeconds.Sum(), epochLosses[^1], epochLosses,
                recipe.Settings.Snapshots.Where(e => e <= epoch).Select(Trainer<TextUNet>.SnapshotName).ToList(),
                typeof(torch).Assembly.GetName().Version?.ToString() ?? "?", get_num_threads(),
                TrainingManifest.MachineDescription(),
                history.EpochsDone == recipe.Settings.Epochs ? DateTime.UtcNow.ToString("u") : "in progress").Save(folder);
        };
        using var scope = NewDisposeScope();
        var order = tensor(BalancedOrder(set, recipe.PicturesPerConcept));
        var images = set.Images.index_select(0, order);
        var labels = tensor(set.Labels).index_select(0, order);
        return trainer.Train(model, objective, images, labels, progress, cancel);
    }

    /// <summary>The trainer checks its own settings on resume; this checks the recipe's data settings too.</summary>
    static void CheckResumable(TextToImageRecipe recipe, string folder)
    {
        if (!File.Exists(Path.Combine(folder, Trainer<TextUNet>.ResumeFile)) || !File.Exists(Path.Combine(folder, TrainingManifest.FileName))) return;
        var manifest = TrainingManifest.Load(folder);
        if (manifest.Settings != recipe.Fingerprint())
            throw new InvalidOperationException(
                $"{folder} already holds a run with settings [{manifest.Settings}]; this run is [{recipe.Fingerprint()}]. " +
                "Nothing was changed: choose another output folder, or delete that one to start over.");
    }

    /// <summary>The default folder of a training run started from the command line.</summary>
    public static string DefaultRunFolder => Path.Combine(KitPaths.Out, "train", TextToImageRecipe.FolderName);
}

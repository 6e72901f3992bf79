using Diffusion.Data;
using Diffusion.Runtime;
using Diffusion.Text;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.TextToImage;

/// <summary>
/// Trains the part A model v2 with the kit's one training loop (<see cref="Trainer{TModel}"/>): resumable per epoch from
/// resume.ckpt in the run folder, and across sittings from a committed sitting.weights (<see cref="SittingStart"/>).
/// The `train text-64` verb comes here.
/// </summary>
public static class TextToImage64Training
{
    public static string DefaultDataFolder => Path.Combine(KitPaths.Data, "emoji-64");
    public static string DefaultRunFolder => Path.Combine(KitPaths.Out, "train", TextToImage64Recipe.FolderName);
    public static string ShippedFolder => Path.Combine(KitPaths.Models, TextToImage64Recipe.FolderName);

    public static TextUNet64 NewModel(TextToImage64Recipe recipe)
    {
        manual_seed(recipe.Settings.Seed);
        return new TextUNet64(recipe.Channels, recipe.Embedding, recipe.Head);
    }

    public static HybridObjective Objective(TextToImage64Recipe recipe, EmojiSet set, PromptEmbeddings table)
    {
        float[] Need(string prompt) => table.Find(prompt) ?? throw new InvalidDataException(
            $"the prompt table has no embedding for \"{prompt}\"; re-create it with: dotnet run --project tools/Diffusion.Kit -- emoji-64");
        var captions = set.Concepts.Select(c => (IReadOnlyList<float[]>)c.Captions.Select(Need).ToList()).ToList();
        var data = new TextToImageObjective(TextToImage64Recipe.Schedule, captions, Need(""), Need(EmojiConcepts.GenericPrompt),
            recipe.NullProbability, recipe.GenericProbability, recipe.MaxShift, recipe.MaxScale);
        return new HybridObjective(data, recipe.VlbWeight);
    }

    /// <summary>
    /// The pictures of one epoch: each concept's training pictures (never the held-out style) repeated in turn up to
    /// <paramref name="perConcept"/>, so every concept is seen equally often. Indices into the set.
    /// </summary>
    public static long[] TrainingOrder(EmojiSet set, int perConcept)
    {
        if (perConcept < 1) throw new ArgumentOutOfRangeException(nameof(perConcept), perConcept, "pictures per concept must be at least 1.");
        var order = new List<long>();
        for (int c = 0; c < set.Concepts.Count; c++)
        {
            var pictures = set.TrainingPicturesOf(c);
            if (pictures.Length == 0) throw new InvalidDataException($"concept {set.Concepts[c].Key} has no training pictures.");
            for (int k = 0; k < perConcept; k++) order.Add(pictures[k % pictures.Length]);
        }
        return order.ToArray();
    }

    /// <summary>
    /// Trains into <paramref name="folder"/>: resumes its resume.ckpt when there is one, else continues from
    /// <paramref name="continueFrom"/> (a committed sitting) when given, else starts afresh. Writes sitting.weights after
    /// every epoch. <paramref name="cancel"/> stops after the current step.
    /// </summary>
    public static LossHistory Run(TextToImage64Recipe recipe, EmojiSet set, PromptEmbeddings table, string folder, string command,
        SittingStart? continueFrom = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default, string? dataFolder = null)
    {
        if (set.File.Format != EmojiSet.FormatName64 || set.File.Size != TextUNet64.Size)
            throw new InvalidDataException($"the 64x64 model trains on a {EmojiSet.FormatName64} set of {TextUNet64.Size} px pictures (data/emoji-64); got {set}.");
        CheckResumable(recipe, folder);
        CheckContinuable(recipe, continueFrom, folder);
        using var model = NewModel(recipe);
        var objective = Objective(recipe, set, table);
        model.StandardiseText(objective.Data.AllCaptionEmbeddings);   // a resumed run reads the same values back from its checkpoint
        if (recipe.StartFrom is { } start) LoadStartWeights(model, start.Path);   // after standardising: the file's own statistics win
        var trainer = new Trainer<TextUNet64>(folder, recipe.Architecture, recipe.Settings) { ContinueFrom = continueFrom, WriteSitting = true, AverageDecay = TextToImage64Recipe.AverageDecay };
        var data = TrainingManifest.HashFolder(dataFolder ?? DefaultDataFolder);
        var order = TrainingOrder(set, recipe.PicturesPerConcept);
        data["set"] = $"{set} ({order.Length} training pictures an epoch, {recipe.PicturesPerConcept} per concept; style '{set.File.HeldOutStyle}' never)";
        SittingStart.RecordIn(data, continueFrom);
        if (recipe.StartFrom is { } from) data[StartWeights.ManifestKey] = from.ManifestEntry();
        long parameters = model.ParameterCount();
        trainer.EpochFinished += (epoch, history) =>
        {
            var epochLosses = Enumerable.Range(1, history.EpochsDone).Select(history.EpochMean).ToList();
            new TrainingManifest(
                TextToImage64Recipe.FolderName, recipe.Architecture, parameters, command, recipe.Settings.Seed, recipe.Fingerprint(),
                objective.Name, data, history.EpochsDone, recipe.Settings.Epochs, history.EpochSeconds.Sum(), epochLosses[^1], epochLosses,
                recipe.Settings.Snapshots.Where(e => e <= epoch).Select(Trainer<TextUNet64>.SnapshotName).Append(Trainer<TextUNet64>.SittingFile).ToList(),
                typeof(torch).Assembly.GetName().Version?.ToString() ?? "?", get_num_threads(),
                TrainingManifest.MachineDescription(),
                history.EpochsDone == recipe.Settings.Epochs ? DateTime.UtcNow.ToString("u") : "in progress").Save(folder);
        };
        using var scope = NewDisposeScope();
        var index = tensor(order);
        var images = set.Images.index_select(0, index);
        var labels = tensor(set.Labels).index_select(0, index);
        return trainer.Train(model, objective, images, labels, progress, cancel);
    }

    /// <summary>
    /// Copies what a sitting commits from the run folder to <paramref name="target"/> (default data/models/text-to-image-64/):
    /// sitting.weights (half precision), history.json cut to the sitting's epoch, manifest.json. The full resume.ckpt
    /// (weights and Adam in float32) stays behind. Safe while the run goes on or after it was killed: every file the
    /// trainer writes is replaced atomically, and the history is cut to match the weights. Returns the epoch.
    /// </summary>
    public static int SaveSitting(string runFolder, string? target = null)
    {
        target ??= ShippedFolder;
        var weights = Path.Combine(runFolder, Trainer<TextUNet64>.SittingFile);
        if (!File.Exists(weights))
            throw new FileNotFoundException($"{runFolder} has no {Trainer<TextUNet64>.SittingFile} yet: it is written after the first finished epoch of `train text-64`.", weights);
        Directory.CreateDirectory(target);
        // Read the weights once into memory, so the epoch and the bytes belong together even if the trainer replaces the file meanwhile.
        var bytes = File.ReadAllBytes(weights);
        var copy = Path.Combine(target, Trainer<TextUNet64>.SittingFile);
        AtomicFile.Write(copy, s => s.Write(bytes));
        int epoch = int.Parse(WeightsFile.ReadHeader(copy)["epoch"], System.Globalization.CultureInfo.InvariantCulture);
        var history = LossHistory.Load(Path.Combine(runFolder, Trainer<TextUNet64>.HistoryFile));
        if (history.EpochsDone < epoch)
            throw new InvalidDataException($"{runFolder}: history.json has {history.EpochsDone} epochs, the sitting checkpoint {epoch}.");
        while (history.EpochEnds.Count > epoch)
        {
            history.EpochEnds.RemoveAt(history.EpochEnds.Count - 1);
            history.EpochSeconds.RemoveAt(history.EpochSeconds.Count - 1);
        }
        history.TruncateToFinishedEpochs();
        history.Save(Path.Combine(target, Trainer<TextUNet64>.HistoryFile));
        File.Copy(Path.Combine(runFolder, TrainingManifest.FileName), Path.Combine(target, TrainingManifest.FileName), overwrite: true);
        return epoch;
    }

    /// <summary>
    /// A sitting of another run (other settings, another start) must not be continued under this one: the trainer checks
    /// the settings and architecture in the weights' header, this the whole recipe in the manifest beside them.
    /// </summary>
    static void CheckContinuable(TextToImage64Recipe recipe, SittingStart? sitting, string folder)
    {
        if (sitting is null || File.Exists(Path.Combine(folder, Trainer<TextUNet64>.ResumeFile))) return;
        var beside = Path.GetDirectoryName(Path.GetFullPath(sitting.WeightsPath))!;
        if (!File.Exists(Path.Combine(beside, TrainingManifest.FileName))) return;
        var manifest = TrainingManifest.Load(beside);
        if (manifest.Settings != recipe.Fingerprint())
            throw new InvalidOperationException(
                $"{sitting.WeightsPath} is a sitting of a run with settings [{manifest.Settings}]; this run is [{recipe.Fingerprint()}]. " +
                $"Continue it with the command in its manifest: {manifest.Command} (its --start-from too, if it has one).");
    }

    static void CheckResumable(TextToImage64Recipe recipe, string folder)
    {
        if (!File.Exists(Path.Combine(folder, Trainer<TextUNet64>.ResumeFile)) || !File.Exists(Path.Combine(folder, TrainingManifest.FileName))) return;
        var manifest = TrainingManifest.Load(folder);
        if (manifest.Settings != recipe.Fingerprint())
            throw new InvalidOperationException(
                $"{folder} already holds a run with settings [{manifest.Settings}]; this run is [{recipe.Fingerprint()}]. " +
                "Nothing was changed: choose another output folder, or delete that one to start over.");
    }

    /// <summary>
    /// Loads an earlier run's weights into <paramref name="model"/> to start a new run from them: the same channels and
    /// embedding, either head (the layers are the same; a noise head's weights are where a v head starts).
    /// </summary>
    public static void LoadStartWeights(TextUNet64 model, string path)
    {
        var architecture = WeightsFile.ReadHeader(path).GetValueOrDefault("architecture", "?");
        if (!TextUNet64.TryParseArchitecture(architecture, out var channels, out int embedding, out var head)
            || !channels.SequenceEqual(model.Channels) || embedding != model.EmbeddingSize)
            throw new InvalidDataException(
                $"--start-from {path} holds a {architecture} model; this run trains {model.Architecture}. Start from weights of the same channels and embedding.");
        WeightsFile.Load(path, model, TextUNet64.ArchitectureName(channels, embedding, head));
    }

    /// <summary>The model in the weights file <paramref name="path"/> as a noise predictor with its variance output.</summary>
    public static TextNoisePredictor Load(string path, TextEncoder? encoder = null) => new(LoadNetwork(path), encoder);

    /// <summary>The network in <paramref name="path"/>, whose header must name a <see cref="TextUNet64"/>; in eval mode.</summary>
    public static TextUNet64 LoadNetwork(string path)
    {
        var header = WeightsFile.ReadHeader(path);
        var architecture = header.GetValueOrDefault("architecture", "?");
        if (!TextUNet64.TryParseArchitecture(architecture, out var channels, out int embedding, out var head))
            throw new InvalidDataException(
                $"{path} holds a {architecture} model, not the 64x64 text-to-image model (TextUNet64, 3 x 64 x 64 with learned variance)" +
                (TextUNet.TryParseArchitecture(architecture, out _, out _) ? $": it is the {TextUNet.Size}x{TextUNet.Size} model; load it with TextToImageModel.Load" : "") +
                ". Pick a checkpoint made by `train text-64`.");
        var net = new TextUNet64(channels, embedding, head);
        try { WeightsFile.Load(path, net, net.Architecture); }
        catch { net.Dispose(); throw; }
        net.eval();
        return net;
    }
}

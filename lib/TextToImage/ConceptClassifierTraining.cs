using System.Text.Json;
using Diffusion.Data;
using Diffusion.Runtime;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Diffusion.TextToImage;

/// <summary>
/// Cross-entropy on the concept labels, on pictures moved as the diffusion model's are (shifts, scales) and with
/// Gaussian noise of a random strength up to <see cref="MaxNoise"/>, so the classifier also judges samples that are
/// not clean drawings.
/// </summary>
public sealed class ConceptClassificationObjective(double maxShift = 6, double maxScale = 0.15, double maxNoise = 0.2) : ITrainingObjective<ConceptClassifier>
{
    public double MaxShift => maxShift;
    public double MaxScale => maxScale;
    public double MaxNoise => maxNoise;

    public string Name => FormattableString.Invariant($"concept classification (shift {maxShift} px, scale {maxScale}, noise up to {maxNoise})");

    public Tensor Loss(ConceptClassifier model, Tensor images, Tensor labels, Generator generator)
    {
        long n = images.shape[0];
        var x = TextToImageObjective.ShiftAndScale(images, maxShift, maxScale, generator);
        x = x + rand([n, 1, 1, 1], generator: generator) * maxNoise * randn(x.shape, generator: generator);
        return cross_entropy(model.call(x), labels);
    }
}

/// <summary>How well a classifier names the held-out style's pictures (data/emoji-64's Twemoji), written as evaluation.json.</summary>
public sealed record ConceptClassifierEvaluation(string Style, int Pictures, double Top1, double Top5)
{
    public const string FileName = "evaluation.json";
    public void Save(string folder) => AtomicFile.WriteText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
}

/// <summary>`train concept-classifier`: the classifier on the training styles, scored on the held-out one.</summary>
public static class ConceptClassifierTraining
{
    public const string FolderName = "concept-classifier-64";
    public static string ShippedFolder => Path.Combine(KitPaths.Models, FolderName);
    public static string DefaultRunFolder => Path.Combine(KitPaths.Out, "train", FolderName);

    /// <summary>
    /// 120 epochs of 10 training pictures a concept, batch 64, Adam 2e-3 decayed to a tenth: a first run of 30 ended with
    /// its loss still falling steeply (data/models/text-to-image-64/README.md has its numbers).
    /// </summary>
    public static TrainingSettings DefaultSettings(long seed = 0, int epochs = 120) =>
        new(epochs, 64, 2e-3, Math.Pow(0.1, 1.0 / epochs), seed, [epochs]);

    public const int PicturesPerConcept = 10;
    public const int Width = 32;

    public static ConceptClassifierEvaluation Run(EmojiSet set, string folder, string command, TrainingSettings settings,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default, string? dataFolder = null)
    {
        if (set.File.HeldOutStyle is null || set.File.Size != ConceptClassifier.Size)
            throw new InvalidDataException($"the concept classifier trains on a 64 x 64 set with a held-out style (data/emoji-64), got {set}.");
        manual_seed(settings.Seed);
        using var model = new ConceptClassifier(set.Concepts.Count, Width);
        var objective = new ConceptClassificationObjective();
        var trainer = new Trainer<ConceptClassifier>(folder, model.Architecture, settings);
        var data = TrainingManifest.HashFolder(dataFolder ?? TextToImage64Training.DefaultDataFolder);
        var order = TextToImage64Training.TrainingOrder(set, PicturesPerConcept);
        data["set"] = $"{set} ({order.Length} training pictures an epoch; style '{set.File.HeldOutStyle}' never, it is the test)";
        long parameters = model.parameters().Sum(p => p.numel());
        trainer.EpochFinished += (epoch, history) =>
        {
            var losses = Enumerable.Range(1, history.EpochsDone).Select(history.EpochMean).ToList();
            new TrainingManifest(FolderName, model.Architecture, parameters, command, settings.Seed, settings.Fingerprint(), objective.Name, data,
                history.EpochsDone, settings.Epochs, history.EpochSeconds.Sum(), losses[^1], losses,
                settings.Snapshots.Where(e => e <= epoch).Select(Trainer<ConceptClassifier>.SnapshotName).ToList(),
                typeof(torch).Assembly.GetName().Version?.ToString() ?? "?", get_num_threads(), TrainingManifest.MachineDescription(),
                history.EpochsDone == settings.Epochs ? DateTime.UtcNow.ToString("u") : "in progress").Save(folder);
        };
        using (var scope = NewDisposeScope())
        {
            var index = tensor(order);
            trainer.Train(model, objective, set.Images.index_select(0, index), tensor(set.Labels).index_select(0, index), progress, cancel);
        }
        var evaluation = Evaluate(model, set);
        evaluation.Save(folder);
        return evaluation;
    }

    /// <summary>Top-1 and top-5 accuracy on the set's held-out pictures.</summary>
    public static ConceptClassifierEvaluation Evaluate(ConceptClassifier model, EmojiSet set)
    {
        var held = Enumerable.Range(0, set.Count).Where(set.IsHeldOut).ToArray();
        if (held.Length == 0) throw new InvalidDataException($"{set} has no held-out pictures to evaluate on.");
        int top1 = 0, top5 = 0;
        for (int start = 0; start < held.Length; start += 128)
        {
            using var scope = NewDisposeScope();
            var batch = held.Skip(start).Take(128).ToArray();
            var top = model.TopK(set.Images.index_select(0, tensor(batch.Select(i => (long)i).ToArray())), 5);
            for (int k = 0; k < batch.Length; k++)
            {
                if (top[k][0] == set.Labels[batch[k]]) top1++;
                if (top[k].Contains(set.Labels[batch[k]])) top5++;
            }
        }
        return new ConceptClassifierEvaluation(set.File.HeldOutStyle!, held.Length, top1 / (double)held.Length, top5 / (double)held.Length);
    }

    /// <summary>The classifier in a weights file made by `train concept-classifier`, in eval mode.</summary>
    public static ConceptClassifier Load(string path)
    {
        var architecture = WeightsFile.ReadHeader(path).GetValueOrDefault("architecture", "?");
        var match = System.Text.RegularExpressions.Regex.Match(architecture, @"^ConceptClassifier\(K=(\d+),W=(\d+)\)$");
        if (!match.Success) throw new InvalidDataException($"{path} holds a {architecture} model, not a ConceptClassifier. Pick a checkpoint made by `train concept-classifier`.");
        var model = new ConceptClassifier(int.Parse(match.Groups[1].Value), int.Parse(match.Groups[2].Value));
        try { WeightsFile.Load(path, model, model.Architecture); }
        catch { model.Dispose(); throw; }
        model.eval();
        return model;
    }
}

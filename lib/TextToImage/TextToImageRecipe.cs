using Diffusion.Runtime;
using Diffusion.Schedules;
using Diffusion.Training;

namespace Diffusion.TextToImage;

/// <summary>
/// How the kit's text-to-image model is trained. The defaults fit about 3 CPU-hours on a 2-core machine: 70 epochs of
/// 173 concepts x 48 pictures (each concept's 2-4 pictures repeated, so every concept is seen equally often), batch 64,
/// Adam 4e-4 decayed to a tenth over the run, p_null 0.1. An epoch (130 steps) is the unit of checkpointing: an
/// interrupted run loses at most one.
/// </summary>
public sealed record TextToImageRecipe(
    int BaseChannels,
    int Embedding,
    int PicturesPerConcept,
    TrainingSettings Settings,
    double NullProbability = 0.1,
    double GenericProbability = 0.05,
    double MaxShift = 2,
    double MaxScale = 0.1,
    StartWeights? StartFrom = null)
{
    public const string FolderName = "text-to-image";

    /// <summary>DeepFloyd IF's schedule: squaredcos_cap_v2 with T = 1000, so part A's t values mean the same.</summary>
    public static NoiseSchedule Schedule { get; } = NoiseSchedule.Cosine(1000);

    public static TextToImageRecipe Default(long seed = 0, int epochs = 70) =>
        new(64, 256, 48, new TrainingSettings(epochs, 64, 4e-4, Math.Pow(0.1, 1.0 / epochs), seed, SnapshotEpochs(epochs)));

    /// <summary>Half-precision snapshots every 10 epochs and at the end (so a run stopped early still leaves a model).</summary>
    public static int[] SnapshotEpochs(int epochs) =>
        Enumerable.Range(1, epochs / 10).Select(k => 10 * k).Append(epochs).Distinct().Order().ToArray();

    /// <summary>The same recipe with other epochs: decay and snapshots follow.</summary>
    public TextToImageRecipe WithEpochs(int epochs) => this with
    {
        Settings = Settings with { Epochs = epochs, LearningRateDecay = Math.Pow(0.1, 1.0 / epochs), Snapshots = SnapshotEpochs(epochs) },
    };

    public string Architecture => TextUNet.ArchitectureName(BaseChannels, Embedding);

    /// <summary>Everything that changes the result, compared on resume (the trainer's fingerprint plus the data settings).</summary>
    public string Fingerprint() => FormattableString.Invariant(
        $"{Settings.Fingerprint()};perconcept={PicturesPerConcept};pnull={NullProbability:R};pgeneric={GenericProbability:R};shift={MaxShift:R};scale={MaxScale:R}") +
        (StartFrom is { } start ? ";from=" + start.Hash : "");
}

/// <summary>
/// Weights a run starts from instead of a fresh network: a snapshot of an earlier `train text` run, so a model can be
/// trained further in a second run with its own schedule (the first run's epoch count is fixed by its fingerprint).
/// The hash goes into the fingerprint, so a resumed run is never continued from other weights.
/// </summary>
public sealed record StartWeights(string Path, string Hash)
{
    /// <summary>The key of the manifest's Data entry that records a run's start (<see cref="ManifestEntry"/>).</summary>
    public const string ManifestKey = "start weights";

    public static StartWeights Of(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No weights file at {path} to start from.", path);
        return new StartWeights(System.IO.Path.GetFullPath(path), TrainingManifest.HashFile(path));
    }

    /// <summary>How the manifest records the start: the path relative to the kit, then the hash in brackets.</summary>
    public string ManifestEntry() => $"{System.IO.Path.GetRelativePath(KitPaths.Root, Path)} ({Hash})";

    /// <summary>The full path of the file a <see cref="ManifestEntry"/> names (read back here, beside the writer).</summary>
    public static string PathIn(string manifestEntry)
    {
        int bracket = manifestEntry.LastIndexOf(" (", StringComparison.Ordinal);
        if (bracket <= 0) throw new InvalidDataException($"The manifest's \"{ManifestKey}\" entry should be \"path (sha256:...)\", got \"{manifestEntry}\".");
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(KitPaths.Root, manifestEntry[..bracket]));
    }
}

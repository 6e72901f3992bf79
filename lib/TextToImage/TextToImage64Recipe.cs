using Diffusion.Schedules;
using Diffusion.Training;

namespace Diffusion.TextToImage;

/// <summary>
/// How the part A model v2 (<see cref="TextUNet64"/>, data/emoji-64/) is trained: IF's cosine schedule with T = 1000,
/// the hybrid loss L_simple + lambda L_vlb (lambda = 0.001, Nichol and Dhariwal 2021), prompt dropout 0.1, every
/// concept seen equally often (<see cref="PicturesPerConcept"/> of its training pictures an epoch, the held-out style
/// never), Adam decayed to a tenth over the run. An epoch is short (a few minutes on one core), so a sitting that
/// ends mid-epoch loses little; the run spans several sittings (<see cref="Training.SittingStart"/>).
/// The network's head learns v (<see cref="VPrediction"/>). The shipped model is a second run started from the first
/// run's weights (<see cref="StartFrom"/>: 96 epochs of a noise-predicting head, which denoised well but learned almost
/// nothing of the prompt; data/models/text-to-image-64/stage-1/ and docs/measurements.md), so its default is shorter.
/// </summary>
public sealed record TextToImage64Recipe(
    int[] Channels,
    int Embedding,
    int PicturesPerConcept,
    TrainingSettings Settings,
    double NullProbability = 0.1,
    double GenericProbability = 0.05,
    double MaxShift = 4,
    double MaxScale = 0.1,
    double VlbWeight = 0.001,
    HeadTarget Head = HeadTarget.V,
    StartWeights? StartFrom = null)
{
    public const string FolderName = "text-to-image-64";

    /// <summary>DeepFloyd IF's schedule: squaredcos_cap_v2 with T = 1000.</summary>
    public static NoiseSchedule Schedule { get; } = NoiseSchedule.Cosine(1000);

    public const int DefaultEpochs = 100;

    /// <summary>
    /// The decay of the moving average of the weights the run also writes (average.weights, <see cref="Training.WeightAverage"/>):
    /// a horizon of about 1,000 steps, 8 epochs, so an average started afresh in a sitting has settled after a few
    /// epochs. Not in the fingerprint: it does not change the training.
    /// </summary>
    public const double AverageDecay = 0.999;

    public static TextToImage64Recipe Default(long seed = 0, int epochs = DefaultEpochs) =>
        new([32, 64, 128, 192], 256, 12, new TrainingSettings(epochs, 32, 3e-4, Math.Pow(0.1, 1.0 / epochs), seed, SnapshotEpochs(epochs)));

    /// <summary>Half-precision snapshots every 25 epochs and at the end.</summary>
    public static int[] SnapshotEpochs(int epochs) =>
        Enumerable.Range(1, epochs / 25).Select(k => 25 * k).Append(epochs).Distinct().Order().ToArray();

    public TextToImage64Recipe WithEpochs(int epochs) => this with
    {
        Settings = Settings with { Epochs = epochs, LearningRateDecay = Math.Pow(0.1, 1.0 / epochs), Snapshots = SnapshotEpochs(epochs) },
    };

    public string Architecture => TextUNet64.ArchitectureName(Channels, Embedding, Head);

    /// <summary>Everything that changes the result, compared on resume (a noise head adds nothing: the first run's files say so).</summary>
    public string Fingerprint() => FormattableString.Invariant(
        $"{Settings.Fingerprint()};perconcept={PicturesPerConcept};pnull={NullProbability:R};pgeneric={GenericProbability:R};shift={MaxShift:R};scale={MaxScale:R};vlb={VlbWeight:R}") +
        (Head == HeadTarget.V ? ";head=v" : "") + (StartFrom is { } start ? ";from=" + start.Hash : "");

    /// <summary>"32,64,128,192" as four channel counts; the error names <paramref name="argument"/>.</summary>
    public static int[] ParseChannels(string text, string argument)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 4 || parts.Any(p => !int.TryParse(p, out int c) || c < 8 || c % 8 != 0))
            throw new ArgumentException($"--{argument} must be four multiples of 8 separated by commas (channels at 64, 32, 16 and 8 pixels), e.g. 32,64,128,192; got '{text}'.", argument);
        return parts.Select(int.Parse).ToArray();
    }
}

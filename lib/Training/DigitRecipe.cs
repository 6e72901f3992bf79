using Diffusion.Models;
using Diffusion.Schedules;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>
/// Which part B model a recipe trains: the DDPM version's (OneStep, Time, Class), the kit's classifier, and the
/// flow-matching version's (PureNoise for its 1.2.3, FlowTime and FlowClass for its time- and class-conditioned UNets).
/// </summary>
public enum DigitModelKind { OneStep, Time, Class, Classifier, PureNoise, FlowTime, FlowClass }

/// <summary>
/// A part B model and the settings it is trained with. The defaults are the course's (spec 1.2.1, 2.2, 2.4, and the
/// flow-matching version's 1.2.3 and flow-matching UNets); the shipped models in data/models/ were trained with exactly these by the `train` verb.
/// </summary>
public sealed record DigitRecipe(DigitModelKind Kind, int Hidden, TrainingSettings Settings, double Sigma = 0.5, double UnconditionalProbability = 0.1)
{
    public static string FolderName(DigitModelKind kind) => kind switch
    {
        DigitModelKind.OneStep => "one-step-denoiser",
        DigitModelKind.Time => "time-conditioned",
        DigitModelKind.Class => "class-conditioned",
        DigitModelKind.Classifier => "digit-classifier",
        DigitModelKind.PureNoise => "pure-noise-denoiser",
        DigitModelKind.FlowTime => "fm-time-conditioned",
        DigitModelKind.FlowClass => "fm-class-conditioned",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static DigitModelKind ParseKind(string text, string argumentName) => text switch
    {
        "one-step" or "onestep" or "one-step-denoiser" => DigitModelKind.OneStep,
        "time" or "time-conditioned" => DigitModelKind.Time,
        "class" or "class-conditioned" => DigitModelKind.Class,
        "classifier" or "digit-classifier" => DigitModelKind.Classifier,
        "pure-noise" or "pure-noise-denoiser" => DigitModelKind.PureNoise,
        "fm-time" or "fm-time-conditioned" => DigitModelKind.FlowTime,
        "fm-class" or "fm-class-conditioned" => DigitModelKind.FlowClass,
        _ => throw new ArgumentException($"{argumentName} must be one-step, time, class, classifier, pure-noise, fm-time or fm-class, got '{text}'.", argumentName),
    };

    /// <summary>The course's settings for <paramref name="kind"/>.</summary>
    public static DigitRecipe Course(DigitModelKind kind, long seed = 0) => kind switch
    {
        // 1.2.1: sigma 0.5, D 128, batch 256, 5 epochs, Adam 1e-4; results after epochs 1 and 5.
        DigitModelKind.OneStep => new(kind, 128, new TrainingSettings(5, 256, 1e-4, null, seed, [1, 5])),
        // 2.2 / 2.4: batch 128, 20 epochs, D 64, Adam 1e-3, decay 0.1^(1/epochs) per epoch; samples after 5 and 20.
        DigitModelKind.Time => new(kind, 64, new TrainingSettings(20, 128, 1e-3, Math.Pow(0.1, 1.0 / 20), seed, [5, 20])),
        DigitModelKind.Class => new(kind, 64, new TrainingSettings(20, 128, 1e-3, Math.Pow(0.1, 1.0 / 20), seed, [5, 20])),
        // Not in the course: the kit's measuring stick.
        DigitModelKind.Classifier => new(kind, 32, new TrainingSettings(8, 128, 2e-3, Math.Pow(0.1, 1.0 / 8), seed, [8])),
        // Flow-matching version 1.2.3: 1.2.1's network and settings, fed pure noise; samples after epochs 1 and 5.
        DigitModelKind.PureNoise => new(kind, 128, new TrainingSettings(5, 256, 1e-4, null, seed, [1, 5])),
        // Flow-matching version 2.2 / 2.5: batch 64, D 64, Adam 1e-2, decay 0.1^(1/epochs) per epoch; the page trains
        // 10 epochs of MNIST's 60,000 digits (9,380 steps) and shows samples after epochs 1, 5 and 10. The kit's split
        // has 9,000 digits, so the course's amount of training is FlowEpochs of them, and the snapshots fall where the
        // page's epochs 1, 5 and 10 end (10 epochs of 9,000 left the models short of the page's quality).
        DigitModelKind.FlowTime or DigitModelKind.FlowClass => new(kind, 64,
            new TrainingSettings(FlowEpochs, 64, 1e-2, Math.Pow(0.1, 1.0 / FlowEpochs), seed, [.. FlowSnapshotsAtCourseEpochs])),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    /// <summary>
    /// Epochs of the kit's 9,000 training digits that make as many steps of 64 as the flow-matching page's 10 epochs of
    /// MNIST's 60,000: 67 x 141 = 9,447 against 10 x 938 = 9,380 (66 would fall 74 short).
    /// </summary>
    public const int FlowEpochs = 67;

    /// <summary>The epochs (of the kit's split) where the page's epochs 1, 5 and 10 end in steps: 7, 33 and 67.</summary>
    public static IReadOnlyList<int> FlowSnapshotsAtCourseEpochs { get; } = [7, 33, 67];

    /// <summary>The same recipe with other epochs; the snapshots follow (kept ones that still fit, plus the last).</summary>
    public DigitRecipe WithEpochs(int epochs)
    {
        var snapshots = Settings.Snapshots.Where(e => e <= epochs).Append(epochs).Distinct().Order().ToArray();
        double? decay = Settings.LearningRateDecay is null ? null : Math.Pow(0.1, 1.0 / epochs);
        return this with { Settings = Settings with { Epochs = epochs, Snapshots = snapshots, LearningRateDecay = decay } };
    }

    /// <summary>
    /// Stored in every checkpoint and compared on load. The flow models' names differ from the DDPM ones of the same
    /// network, so a noise predictor is never loaded as a velocity field or back.
    /// </summary>
    public string Architecture => Kind switch
    {
        DigitModelKind.Classifier => $"DigitClassifier(W={Hidden})",
        _ when IsFlow => $"FlowMatching{UNetKind}(D={Hidden})",
        _ => $"{UNetKind}(D={Hidden})",
    };

    /// <summary>True for the flow-matching velocity models (their UNet predicts x_1 - x_0, not noise).</summary>
    public bool IsFlow => Kind is DigitModelKind.FlowTime or DigitModelKind.FlowClass;

    public DigitUNetKind UNetKind => Kind switch
    {
        DigitModelKind.OneStep or DigitModelKind.PureNoise => DigitUNetKind.Unconditional,
        DigitModelKind.Time or DigitModelKind.FlowTime => DigitUNetKind.TimeConditioned,
        DigitModelKind.Class or DigitModelKind.FlowClass => DigitUNetKind.ClassConditioned,
        _ => throw new InvalidOperationException("the classifier is not a UNet."),
    };

    /// <summary>Part B's schedule (spec 2.2): T = 300, betas linspace(1e-4, 0.02).</summary>
    public static NoiseSchedule Schedule { get; } = NoiseSchedule.Linear(300, 1e-4, 0.02);

    /// <summary>The flow-matching version's sampling: Euler steps from t = 0 to 1 (its num_ts).</summary>
    public const int FlowSamplingSteps = 300;

    /// <summary>Classifier-free guidance scale gamma of both versions' class-conditioned sampling (2.5 / 2.6).</summary>
    public const double Guidance = 5;
}

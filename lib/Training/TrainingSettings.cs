namespace Diffusion.Training;

/// <summary>
/// What a training run does. Defaults are the course's (spec 1.2.1, 2.2); every field can be overridden.
/// <see cref="LearningRateDecay"/> is the factor applied once per epoch (ExponentialLR), null for constant.
/// <see cref="Snapshots"/> lists epochs whose weights are kept (half precision) besides the resume checkpoint.
/// </summary>
public sealed record TrainingSettings(
    int Epochs,
    int BatchSize,
    double LearningRate,
    double? LearningRateDecay,
    long Seed,
    int[] Snapshots,
    int? MaxStepsPerEpoch = null)
{
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "epochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch size must be at least 1.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "learning rate must be a positive finite number.");
        if (LearningRateDecay is { } g && (!(g > 0) || g > 1))
            throw new ArgumentOutOfRangeException(nameof(LearningRateDecay), g, "learning-rate decay must lie in (0, 1].");
        if (MaxStepsPerEpoch is < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxStepsPerEpoch), MaxStepsPerEpoch, "max steps per epoch must be at least 1.");
        foreach (var e in Snapshots)
            if (e < 1 || e > Epochs)
                throw new ArgumentOutOfRangeException(nameof(Snapshots), e, $"snapshot epochs must lie in 1..{Epochs}.");
    }

    /// <summary>The learning rate during epoch <paramref name="epoch"/> (0-based): lr * gamma^epoch.</summary>
    public double LearningRateAt(int epoch) => LearningRate * Math.Pow(LearningRateDecay ?? 1.0, epoch);

    /// <summary>A stable text form, compared on resume so a run is never continued with other settings.</summary>
    public string Fingerprint() =>
        FormattableString.Invariant(
            $"epochs={Epochs};batch={BatchSize};lr={LearningRate:R};decay={LearningRateDecay?.ToString("R") ?? "none"};seed={Seed};maxsteps={MaxStepsPerEpoch?.ToString() ?? "all"}");
}

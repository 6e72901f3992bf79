using Diffusion.Sampling;
using Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.TextToImage;

/// <summary>
/// Sampling from pure noise with the text-to-image model as part A does it (1.5, 1.6): strided timesteps, CFG with
/// the "" prompt as the unconditional estimate. A thin composition of the part A pieces.
/// </summary>
public static class TextToImageSampling
{
    /// <summary>
    /// The strided list with <paramref name="steps"/> values from near T down to 0: stride ceil(T / steps)
    /// (34 steps: 990, 960, ..., 0, the course's list; 20 steps: 950, 900, ..., 0).
    /// </summary>
    public static int[] StridedSteps(NoiseSchedule schedule, int steps)
    {
        if (steps < 1 || steps > schedule.Steps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"steps must be from 1 to {schedule.Steps} (T).");
        return Timesteps.Strided(schedule, (schedule.Steps + steps - 1) / steps);
    }

    /// <summary>
    /// <paramref name="count"/> images (N x 3 x 32 x 32 in [-1, 1]) for <paramref name="prompt"/> with guidance
    /// <paramref name="gamma"/> (1.6, batched), from seed <paramref name="seed"/>. An empty prompt is refused:
    /// use <see cref="SampleUnconditional"/>.
    /// </summary>
    public static SamplingResult Sample(TextNoisePredictor model, string prompt, int count, double gamma = 7, int steps = 34, long seed = 0, int keepEvery = 0)
    {
        Text.TextEncoder.CheckPrompt(prompt);
        var estimator = model.Guided(Conditioning.Prompt(prompt), gamma);   // one batched pass a step (PredictPair)
        using var generator = new Generator((ulong)seed);
        return Sampler.Sample(estimator, count, generator, StridedSteps(model.Schedule, steps), new SamplerOptions { KeepEvery = keepEvery });
    }

    /// <summary>Samples of the "" prompt: what the model draws with no prompt at all.</summary>
    public static SamplingResult SampleUnconditional(TextNoisePredictor model, int count, int steps = 34, long seed = 0)
    {
        using var generator = new Generator((ulong)seed);
        return Sampler.Sample(model.Unconditional(), count, generator, StridedSteps(model.Schedule, steps));
    }
}

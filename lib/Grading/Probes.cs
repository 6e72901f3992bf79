using Diffusion.Sampling;
using static TorchSharp.torch;

namespace Diffusion.Grading;

/// <summary>
/// Noise estimators with no symmetry, for hidden tests of combiners (anagrams, hybrids, guidance): a per-pixel
/// predictor such as <see cref="GaussianDataPredictor"/> commutes with flips, so a student who forgets to flip back
/// would still pass against it. These multiply x_t by a fixed random pattern and add another, so every view matters.
/// </summary>
public static class Probes
{
    /// <summary>eps(x_t, t) = x_t * a + b (1 + t / T), with patterns a, b of the model's image size drawn from <paramref name="seed"/>.</summary>
    public static INoiseEstimator Patterned(INoisePredictor model, long seed, double? varianceOutput = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Tensor scale, offset;
        using (var generator = new Generator((ulong)seed))
        {
            scale = rand(new long[] { model.Channels, model.Height, model.Width }, generator: generator) + 0.5;
            offset = randn(new long[] { model.Channels, model.Height, model.Width }, generator: generator);
        }
        scale.DetachFromDisposeScope();
        offset.DetachFromDisposeScope();
        int steps = model.Schedule.Steps;
        return new EstimatorFrom(model, (xt, t) =>
        {
            var noise = xt * scale.to(xt.dtype) + offset.to(xt.dtype) * (1.0 + (double)t / steps);
            var variance = varianceOutput is { } v ? full_like(xt, v) : null;
            return new NoisePrediction(noise, variance);
        });
    }

    /// <summary>A batch of standard normal images of the model's size, drawn from <paramref name="seed"/>.</summary>
    public static Tensor Images(INoisePredictor model, int count, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var generator = new Generator((ulong)seed);
        return randn(new long[] { count, model.Channels, model.Height, model.Width }, generator: generator);
    }
}

using Diffusion.Sampling;
using Diffusion.Schedules;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// Part B sampling on the digit models, as the course runs it: all T steps from pure noise to the clean image
/// with fixed variance beta (Algorithm B.2), and for the class model classifier-free guidance (B.4).
/// A thin composition of the part A pieces; the notebooks show the same line.
/// </summary>
public static class DigitSampling
{
    /// <summary>
    /// Samples one digit per entry of <paramref name="classes"/> with guidance <paramref name="gamma"/> (B.4);
    /// classes null samples <paramref name="count"/> digits unconditionally (B.2, the time-conditioned model).
    /// <paramref name="keepEvery"/> keeps intermediate images for GIFs.
    /// </summary>
    public static SamplingResult Sample(DigitNoisePredictor model, long seed, int[]? classes = null, double gamma = 5, int count = 0, int keepEvery = 0)
    {
        if (!double.IsFinite(gamma)) throw new ArgumentException($"guidance must be a finite number, got {gamma}.", nameof(gamma));
        INoiseEstimator estimator;
        if (classes is null)
        {
            if (count < 1) throw new ArgumentException($"count must be at least 1 when no classes are given, got {count}.", nameof(count));
            estimator = model.Unconditional();
        }
        else
        {
            if (classes.Length == 0) throw new ArgumentException("classes must name at least one digit.", nameof(classes));
            foreach (var c in classes)
                if (c is < 0 or > 9) throw new ArgumentOutOfRangeException(nameof(classes), c, "class must be a digit from 0 to 9.");
            estimator = model.Guided(Conditioning.Classes(classes), gamma);
            count = classes.Length;
        }
        using var generator = new Generator((ulong)seed);
        return Sampler.Sample(estimator, count, generator, Timesteps.Full(model.Schedule),
            SamplerOptions.PartB with { KeepEvery = keepEvery });
    }

    /// <summary>Each digit 0-9 repeated <paramref name="perDigit"/> times: 0,0,0,0,1,1,1,1,... (the course's 4 of each).</summary>
    public static int[] EachDigit(int perDigit) =>
        Enumerable.Range(0, 10).SelectMany(d => Enumerable.Repeat(d, perDigit)).ToArray();
}

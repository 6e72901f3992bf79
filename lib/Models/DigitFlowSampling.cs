using Diffusion.FlowMatching;
using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// The flow-matching version's sampling on the digit models: Euler from noise over the course's 300 steps
/// (<see cref="EulerSampler"/>), with classifier-free guidance for the class model. The flow twin of <see cref="DigitSampling"/>.
/// </summary>
public static class DigitFlowSampling
{
    /// <summary>
    /// One digit per entry of <paramref name="classes"/> with guidance <paramref name="gamma"/>; classes null samples
    /// <paramref name="count"/> digits from the time-conditioned (unconditional) field.
    /// </summary>
    public static SamplingResult Sample(DigitVelocityField model, long seed, int[]? classes = null, double gamma = DigitRecipe.Guidance,
        int count = 0, int steps = DigitRecipe.FlowSamplingSteps, int keepEvery = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!double.IsFinite(gamma)) throw new ArgumentException($"guidance must be a finite number, got {gamma}.", nameof(gamma));
        EulerSampler.CheckSteps(steps);
        IVelocityEstimator estimator;
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
        return EulerSampler.Sample(estimator, count, generator, steps, keepEvery);
    }
}

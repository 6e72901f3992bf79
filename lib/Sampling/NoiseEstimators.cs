using Diffusion.Schedules;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// The noise estimate a sampler steps with: eps(x_t, t), with the conditioning already chosen. Plain
/// conditioning, classifier-free guidance, visual anagrams and hybrid images are all estimators, and the
/// combiners take estimators, so they nest (an anagram of two guided estimates) and work with every sampler.
/// </summary>
public interface INoiseEstimator
{
    /// <summary>The model underneath: its schedule and image size are the sampler's.</summary>
    INoisePredictor Model { get; }

    /// <summary>The noise (and variance output, if any) for x_t (N x C x H x W) at schedule index t; the caller disposes it.</summary>
    NoisePrediction Estimate(Tensor xt, int t);
}

/// <summary>Builds estimators: <c>model.Conditioned(c)</c>, <c>model.Guided(c, gamma)</c>, anagrams and hybrids.</summary>
public static class NoiseEstimators
{
    /// <summary>eps(x_t, t, c): the model with one conditioning.</summary>
    public static INoiseEstimator Conditioned(this INoisePredictor model, Conditioning conditioning) =>
        new ConditionedEstimator(model, conditioning);

    /// <summary>The model without conditioning (the null one).</summary>
    public static INoiseEstimator Unconditional(this INoisePredictor model) => new ConditionedEstimator(model, Conditioning.Null);

    /// <summary>Classifier-free guidance (1.6): eps = eps_u + gamma (eps_c - eps_u), variance from the conditional pass.</summary>
    public static INoiseEstimator Guided(this INoisePredictor model, Conditioning conditioning, double gamma, Conditioning? unconditional = null) =>
        new ClassifierFreeGuidance(model, conditioning, gamma, unconditional);

    /// <summary>Visual anagram (1.8) of two estimates: eps1 and the upside-down view of eps2 (the course's illusion).</summary>
    public static INoiseEstimator Anagram(INoiseEstimator upright, INoiseEstimator upsideDown) =>
        new VisualAnagram([(upright, Views.Identity), (upsideDown, Views.FlipUpsideDown)]);

    /// <summary>Hybrid image (1.9): lowpass(eps1) + highpass(eps2).</summary>
    public static INoiseEstimator Hybrid(INoiseEstimator lowFrequencies, INoiseEstimator highFrequencies,
        int kernelSize = GaussianBlur.HybridKernelSize, double sigma = GaussianBlur.HybridSigma) =>
        new HybridImage(lowFrequencies, highFrequencies, kernelSize, sigma);

    internal static void CheckAccepted(INoisePredictor model, Conditioning conditioning, string paramName)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(conditioning, paramName);
        if (model.Reject(conditioning) is { } why) throw new ArgumentException(why, paramName);
    }

    internal static void CheckSameModelShape(INoisePredictor first, INoisePredictor other, string paramName)
    {
        if (other.Channels != first.Channels || other.Height != first.Height || other.Width != first.Width)
            throw new ArgumentException(
                $"combined estimates must share one image size, got {first.Channels}x{first.Height}x{first.Width} and {other.Channels}x{other.Height}x{other.Width}.", paramName);
        if (other.Schedule.Steps != first.Schedule.Steps || other.Schedule.Name != first.Schedule.Name)
            throw new ArgumentException($"combined estimates must share one schedule, got {first.Schedule.Name} and {other.Schedule.Name}.", paramName);
    }
}

/// <summary>eps(x_t, t, c) for one fixed conditioning.</summary>
public sealed class ConditionedEstimator : INoiseEstimator
{
    public ConditionedEstimator(INoisePredictor model, Conditioning conditioning)
    {
        NoiseEstimators.CheckAccepted(model, conditioning, nameof(conditioning));
        Model = model;
        Conditioning = conditioning;
    }

    public INoisePredictor Model { get; }
    public Conditioning Conditioning { get; }

    public NoisePrediction Estimate(Tensor xt, int t) => Model.Predict(xt, t, Conditioning);
}

/// <summary>
/// Classifier-free guidance (1.6; <see href="https://arxiv.org/abs/2207.12598">Ho and Salimans 2022</see>, eq. 6 with
/// gamma = 1 + w): eps = eps_u + gamma (eps_c - eps_u), eps_u from the null conditioning
/// ("" prompt / zeroed class); guidance applies to the noise only, the variance output comes from the conditional pass.
/// </summary>
public sealed class ClassifierFreeGuidance : INoiseEstimator
{
    public ClassifierFreeGuidance(INoisePredictor model, Conditioning conditioning, double gamma, Conditioning? unconditional = null)
    {
        if (!double.IsFinite(gamma))
            throw new ArgumentException($"gamma (the guidance scale) must be a finite number, got {gamma}.", nameof(gamma));
        unconditional ??= Conditioning.Null;
        NoiseEstimators.CheckAccepted(model, conditioning, nameof(conditioning));
        NoiseEstimators.CheckAccepted(model, unconditional, nameof(unconditional));
        Model = model; Conditioning = conditioning; Unconditional = unconditional; Gamma = gamma;
    }

    public INoisePredictor Model { get; }
    public Conditioning Conditioning { get; }
    public Conditioning Unconditional { get; }
    public double Gamma { get; }

    public NoisePrediction Estimate(Tensor xt, int t)
    {
        using var scope = NewDisposeScope();
        var (conditional, unconditional) = Model.PredictPair(xt, t, Conditioning, Unconditional);
        var eps = unconditional.Noise + Gamma * (conditional.Noise - unconditional.Noise);     // 1.6
        return new NoisePrediction(eps, conditional.Variance).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Visual anagram (1.8; <see href="https://arxiv.org/abs/2311.17919">Geng, Park and Owens 2024, Visual Anagrams</see>),
/// any number of views: eps = mean_k view_k^-1(eps_k(view_k(x_t), t)).
/// The course's pair is (eps1, identity) and (eps2, upside down). A variance output, when the estimates
/// have one, is combined the same way (it stays in [-1, 1]).
/// </summary>
public sealed class VisualAnagram : INoiseEstimator
{
    readonly (INoiseEstimator Estimator, IView View)[] _parts;

    public VisualAnagram(IReadOnlyList<(INoiseEstimator Estimator, IView View)> parts)
    {
        if (parts is null || parts.Count == 0)
            throw new ArgumentException("a visual anagram needs at least one (estimate, view) pair, got none.", nameof(parts));
        foreach (var (estimator, view) in parts)
        {
            ArgumentNullException.ThrowIfNull(estimator, nameof(parts));
            ArgumentNullException.ThrowIfNull(view, nameof(parts));
            NoiseEstimators.CheckSameModelShape(parts[0].Estimator.Model, estimator.Model, nameof(parts));
        }
        _parts = parts.ToArray();
    }

    public INoisePredictor Model => _parts[0].Estimator.Model;
    public IReadOnlyList<(INoiseEstimator Estimator, IView View)> Parts => _parts;

    public NoisePrediction Estimate(Tensor xt, int t)
    {
        using var scope = NewDisposeScope();
        Tensor? noise = null, variance = null;
        bool allHaveVariance = true;
        foreach (var (estimator, view) in _parts)
        {
            var p = estimator.Estimate(view.Apply(xt), t);
            var e = view.Inverse(p.Noise);
            noise = noise is null ? e : noise + e;
            if (p.Variance is null) allHaveVariance = false;
            else if (allHaveVariance) { var v = view.InverseVariance(p.Variance); variance = variance is null ? v : variance + v; }
        }
        noise = noise! / _parts.Length;
        variance = allHaveVariance ? variance! / _parts.Length : null;
        return new NoisePrediction(noise, variance).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// Hybrid image (1.9): eps = lowpass(eps1) + highpass(eps2), highpass(x) = x - lowpass(x), Gaussian kernel 33,
/// sigma 2 by default. A variance output, when both have one, is the average of the two (it stays in [-1, 1]).
/// </summary>
public sealed class HybridImage : INoiseEstimator
{
    public HybridImage(INoiseEstimator lowFrequencies, INoiseEstimator highFrequencies,
        int kernelSize = GaussianBlur.HybridKernelSize, double sigma = GaussianBlur.HybridSigma)
    {
        ArgumentNullException.ThrowIfNull(lowFrequencies);
        ArgumentNullException.ThrowIfNull(highFrequencies);
        NoiseEstimators.CheckSameModelShape(lowFrequencies.Model, highFrequencies.Model, nameof(highFrequencies));
        GaussianBlur.Kernel1D(kernelSize, sigma);   // checks kernelSize and sigma now, not at the first step
        Low = lowFrequencies; High = highFrequencies; KernelSize = kernelSize; Sigma = sigma;
    }

    public INoiseEstimator Low { get; }
    public INoiseEstimator High { get; }
    public int KernelSize { get; }
    public double Sigma { get; }
    public INoisePredictor Model => Low.Model;

    public NoisePrediction Estimate(Tensor xt, int t)
    {
        using var scope = NewDisposeScope();
        var low = Low.Estimate(xt, t);
        var high = High.Estimate(xt, t);
        var eps = GaussianBlur.Lowpass(low.Noise, KernelSize, Sigma) + GaussianBlur.Highpass(high.Noise, KernelSize, Sigma);
        var variance = low.Variance is not null && high.Variance is not null ? (low.Variance + high.Variance) / 2 : null;
        return new NoisePrediction(eps, variance).MoveToOuterDisposeScope();
    }
}

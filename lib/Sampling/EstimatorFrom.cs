using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// A noise estimator made of a function, so a combination a student writes in a cell (guidance, an anagram, a hybrid)
/// plugs into the library's samplers: <c>new EstimatorFrom(model, (xt, t) => MyGuidedNoise(xt, t))</c>.
/// </summary>
public sealed class EstimatorFrom(INoisePredictor model, Func<Tensor, int, NoisePrediction> estimate) : INoiseEstimator
{
    readonly Func<Tensor, int, NoisePrediction> _estimate = estimate ?? throw new ArgumentNullException(nameof(estimate));

    public INoisePredictor Model { get; } = model ?? throw new ArgumentNullException(nameof(model));

    public NoisePrediction Estimate(Tensor xt, int t) => _estimate(xt, t);
}

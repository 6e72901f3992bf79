using Diffusion.Schedules;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// A trained network seen from the samplers: eps_theta(x_t, t, conditioning). It knows the schedule it was
/// trained with and the image size it expects, but nothing about sampling (that is the samplers' job).
/// Adapters put the kit's models behind it: the part B digit UNets (unconditional or classes) and the
/// text-to-image model (prompts); any other network (DeepFloyd IF, say) needs only an adapter of its own.
/// </summary>
public interface INoisePredictor
{
    /// <summary>The schedule the model was trained with; t below is an index into it (0 .. T-1).</summary>
    NoiseSchedule Schedule { get; }

    /// <summary>Expected image channels, height and width (the batch size is free).</summary>
    int Channels { get; }
    int Height { get; }
    int Width { get; }

    /// <summary>The conditioning kinds this model accepts (for example Null | Class for a class-conditioned UNet).</summary>
    ConditioningKinds Accepts { get; }

    /// <summary>
    /// Null when <paramref name="conditioning"/> can be used with this model, else why not, in the user's words.
    /// The default only checks the kind; override to check more (an unknown prompt, a class out of range, an embedding size).
    /// </summary>
    string? Reject(Conditioning conditioning) =>
        (Accepts & conditioning.Kind) != 0
            ? null
            : $"this model accepts {Accepts} conditionings, got {conditioning}.";

    /// <summary>
    /// The predicted noise for x_t (N x C x H x W) at schedule index t (one for the batch), and the model's
    /// variance output v in [-1, 1] (learned range, as DeepFloyd IF's extra channels) or null when it has none.
    /// The caller owns (disposes) the returned tensors.
    /// </summary>
    NoisePrediction Predict(Tensor xt, int t, Conditioning conditioning);

    /// <summary>
    /// Predictions for the same x_t under two conditionings (classifier-free guidance needs the conditional and the
    /// unconditional one every step). Models whose samples are independent within a batch override this with one
    /// forward pass of 2N, which is cheaper on a CPU than two of N; the numbers are the same.
    /// </summary>
    (NoisePrediction First, NoisePrediction Second) PredictPair(Tensor xt, int t, Conditioning first, Conditioning second) =>
        (Predict(xt, t, first), Predict(xt, t, second));
}

/// <summary>A predicted noise and, for models that learn it, the variance output v in [-1, 1] (same shape).</summary>
public sealed class NoisePrediction(Tensor noise, Tensor? variance = null) : IDisposable
{
    public Tensor Noise { get; } = noise;
    public Tensor? Variance { get; } = variance;

    /// <summary>Moves both tensors out of the current dispose scope (keep a prediction made inside a step).</summary>
    public NoisePrediction MoveToOuterDisposeScope()
    {
        Noise.MoveToOuterDisposeScope();
        Variance?.MoveToOuterDisposeScope();
        return this;
    }

    public void Dispose()
    {
        Noise.Dispose();
        Variance?.Dispose();
    }
}

using Diffusion.Sampling;
using static TorchSharp.torch;

namespace Diffusion.FlowMatching;

/// <summary>
/// A trained flow model seen from the samplers: u_theta(x_t, t, conditioning) ~ E[x_1 - x_0 | x_t], t in [0, 1]
/// (0 is noise, 1 is data; <see cref="FlowPath"/>). The flow counterpart of <see cref="INoisePredictor"/>: it knows
/// the image size it expects and the conditionings it takes, nothing about sampling.
/// </summary>
public interface IVelocityField
{
    int Channels { get; }
    int Height { get; }
    int Width { get; }

    /// <summary>The conditioning kinds this field accepts (Null | Class for the class-conditioned UNet).</summary>
    ConditioningKinds Accepts { get; }

    /// <summary>Null when <paramref name="conditioning"/> can be used with this field, else why not.</summary>
    string? Reject(Conditioning conditioning) =>
        (Accepts & conditioning.Kind) != 0 ? null : $"this model accepts {Accepts} conditionings, got {conditioning}.";

    /// <summary>The velocity at x_t (N x C x H x W) and time t in [0, 1] (one for the batch). The caller owns the result.</summary>
    Tensor Predict(Tensor xt, double t, Conditioning conditioning);

    /// <summary>Velocities for the same x_t under two conditionings (guidance); networks override with one pass of 2N.</summary>
    (Tensor First, Tensor Second) PredictPair(Tensor xt, double t, Conditioning first, Conditioning second) =>
        (Predict(xt, t, first), Predict(xt, t, second));
}

using static TorchSharp.torch;

namespace Diffusion.TextToImage;

/// <summary>What the part A model v2's network head outputs in its first three channels.</summary>
public enum HeadTarget
{
    /// <summary>The noise eps (DDPM, IF): the first sitting's run.</summary>
    Noise,
    /// <summary>
    /// v = sqrt(abar) eps - sqrt(1 - abar) x0 (<see cref="VPrediction"/>); the model still gives students the noise,
    /// converted from v at every step.
    /// </summary>
    V,
}

/// <summary>
/// The v-parameterisation of <see href="https://arxiv.org/abs/2202.00512">Salimans and Ho 2022</see> (section 4): with
/// x_t = sqrt(abar) x0 + sqrt(1 - abar) eps, v = sqrt(abar) eps - sqrt(1 - abar) x0, so that
/// x0 = sqrt(abar) x_t - sqrt(1 - abar) v and eps = sqrt(1 - abar) x_t + sqrt(abar) v.
/// Why the 64 x 64 model uses it: the noise loss weighs an error in x0 by abar / (1 - abar), nearly nothing at the
/// high t where a 64 x 64 picture's layout (and so the prompt) is decided, and an x0 read off a noise estimate there
/// is amplified by 1 / sqrt(abar) (64x at t = 990). The v loss weighs the x0 error by about 1 at high t and the noise
/// error by about 1 at low t (docs/measurements.md: what the noise-predicting run learned of the prompt).
/// </summary>
public static class VPrediction
{
    /// <summary>The training target v from x0 and eps; <paramref name="alphaBar"/> broadcasts (N x 1 x 1 x 1).</summary>
    public static Tensor Target(Tensor x0, Tensor eps, Tensor alphaBar) => alphaBar.sqrt() * eps - (1 - alphaBar).sqrt() * x0;

    /// <summary>The noise a v estimate stands for at x_t.</summary>
    public static Tensor ToNoise(Tensor v, Tensor xt, Tensor alphaBar) => (1 - alphaBar).sqrt() * xt + alphaBar.sqrt() * v;

    /// <summary>The clean picture a v estimate stands for at x_t.</summary>
    public static Tensor ToX0(Tensor v, Tensor xt, Tensor alphaBar) => alphaBar.sqrt() * xt - (1 - alphaBar).sqrt() * v;
}

using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// A split of an image into two parts that add up to it, x = part(x) + (x - part(x)), for factorised illusions:
/// hybrid images (1.9) split by frequency; <see href="https://arxiv.org/abs/2404.11615">Factorized Diffusion (Geng, Park
/// and Owens 2024)</see> splits by colour
/// or by a motion blur too. <see cref="Part"/> must be linear (so noise estimates split like images).
/// </summary>
public interface IFactorisation
{
    string Name { get; }
    /// <summary>The first component (the low frequencies, the grey image, the blurred image); the second is x minus it.</summary>
    Tensor Part(Tensor image);
}

/// <summary>The factorisations the kit ships.</summary>
public static class Factorisations
{
    /// <summary>The course's hybrid: Gaussian lowpass (kernel 33, sigma 2) and the highpass rest.</summary>
    public static IFactorisation Lowpass(int kernelSize = GaussianBlur.HybridKernelSize, double sigma = GaussianBlur.HybridSigma)
    {
        GaussianBlur.Kernel1D(kernelSize, sigma);   // checks the arguments now, not at the first step
        return new LowpassFactorisation(kernelSize, sigma);
    }

    /// <summary>Grey-scale (the mean of the channels, in every channel) and the colour that is left.</summary>
    public static IFactorisation GreyScale { get; } = new GreyFactorisation();

    /// <summary>A horizontal motion blur (a box of <paramref name="length"/> pixels) and the detail it removes.</summary>
    public static IFactorisation MotionBlur(int length = 9)
    {
        if (length < 1 || length % 2 == 0) throw new ArgumentException($"the motion blur's length must be an odd number of pixels, got {length}.", nameof(length));
        return new MotionBlurFactorisation(length);
    }

    sealed class LowpassFactorisation(int kernelSize, double sigma) : IFactorisation
    {
        public string Name => FormattableString.Invariant($"Gaussian lowpass (kernel {kernelSize}, sigma {sigma})");
        public Tensor Part(Tensor image) => GaussianBlur.Lowpass(image, kernelSize, sigma);
    }

    sealed class GreyFactorisation : IFactorisation
    {
        public string Name => "grey-scale";
        public Tensor Part(Tensor image) => image.mean([-3], keepdim: true).expand_as(image).contiguous();
    }

    sealed class MotionBlurFactorisation(int length) : IFactorisation
    {
        public string Name => $"horizontal motion blur ({length} px)";
        public Tensor Part(Tensor image)
        {
            using var scope = NewDisposeScope();
            var batch = image.ndim == 3 ? image.unsqueeze(0) : image;
            long channels = batch.shape[1];
            var kernel = full(new long[] { channels, 1, 1, length }, 1.0 / length, dtype: batch.dtype, device: batch.device);
            var padded = nn.functional.pad(batch, [length / 2, length / 2, 0, 0], PaddingModes.Replicate);
            var blurred = nn.functional.conv2d(padded, kernel, groups: channels);
            return (image.ndim == 3 ? blurred.squeeze(0) : blurred).MoveToOuterDisposeScope();
        }
    }
}

/// <summary>
/// A factorised illusion (Factorized Diffusion): eps = part(eps1) + (eps2 - part(eps2)) for a factorisation; with
/// <see cref="Factorisations.Lowpass"/> it is the course's hybrid image (1.9). Composes with every sampler as the
/// hybrid does. A variance output, when both have one, is the average of the two (it stays in [-1, 1]).
/// </summary>
public sealed class FactorisedImage : INoiseEstimator
{
    public FactorisedImage(INoiseEstimator first, INoiseEstimator second, IFactorisation factorisation)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(factorisation);
        NoiseEstimators.CheckSameModelShape(first.Model, second.Model, nameof(second));
        First = first; Second = second; Factorisation = factorisation;
    }

    public INoiseEstimator First { get; }
    public INoiseEstimator Second { get; }
    public IFactorisation Factorisation { get; }
    public INoisePredictor Model => First.Model;

    public NoisePrediction Estimate(Tensor xt, int t)
    {
        using var scope = NewDisposeScope();
        var a = First.Estimate(xt, t);
        var b = Second.Estimate(xt, t);
        var eps = Factorisation.Part(a.Noise) + (b.Noise - Factorisation.Part(b.Noise));
        var variance = a.Variance is not null && b.Variance is not null ? (a.Variance + b.Variance) / 2 : null;
        return new NoisePrediction(eps, variance).MoveToOuterDisposeScope();
    }
}

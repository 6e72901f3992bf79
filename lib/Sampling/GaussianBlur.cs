using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// Gaussian blur as a separable convolution, per channel (spec 1.2; the low-pass of hybrid images, 1.9).
/// Borders are replicated, so a constant image stays constant. Works on C x H x W or N x C x H x W.
/// </summary>
public static class GaussianBlur
{
    /// <summary>Hybrid images' default (1.9): kernel 33, sigma 2.</summary>
    public const int HybridKernelSize = 33;
    public const double HybridSigma = 2.0;

    /// <summary>The normalised 1-D kernel exp(-x^2 / (2 sigma^2)), x = -(k-1)/2 .. (k-1)/2.</summary>
    public static double[] Kernel1D(int kernelSize, double sigma)
    {
        if (kernelSize < 1 || kernelSize % 2 == 0)
            throw new ArgumentException($"kernelSize must be a positive odd number, got {kernelSize}.", nameof(kernelSize));
        if (!(sigma > 0) || double.IsInfinity(sigma))
            throw new ArgumentException($"sigma must be a positive finite number, got {sigma}.", nameof(sigma));
        int half = kernelSize / 2;
        var k = new double[kernelSize];
        for (int i = 0; i < kernelSize; i++) k[i] = Math.Exp(-(i - half) * (double)(i - half) / (2 * sigma * sigma));
        double sum = k.Sum();
        for (int i = 0; i < kernelSize; i++) k[i] /= sum;
        return k;
    }

    /// <summary>Blurs every channel with a kernelSize x kernelSize Gaussian of the given sigma (the low-pass).</summary>
    public static Tensor Blur(Tensor image, int kernelSize, double sigma)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.dim() != 3 && image.dim() != 4)
            throw new ArgumentException($"image must be CxHxW or NxCxHxW, got {Shapes.Format(image.shape)}.", nameof(image));
        var k1 = Kernel1D(kernelSize, sigma);
        using var scope = NewDisposeScope();
        var x = image.dim() == 3 ? image.unsqueeze(0) : image;
        long channels = x.shape[1];
        int half = kernelSize / 2;
        var k = tensor(k1.Select(v => (float)v).ToArray(), dtype: ScalarType.Float32, device: x.device).to(x.dtype);
        var horizontal = k.view(1, 1, 1, kernelSize).expand(channels, 1, 1, kernelSize).contiguous();
        var vertical = k.view(1, 1, kernelSize, 1).expand(channels, 1, kernelSize, 1).contiguous();
        var padded = nn.functional.pad(x, [half, half, half, half], PaddingModes.Replicate);
        var y = nn.functional.conv2d(padded, horizontal, groups: channels);
        y = nn.functional.conv2d(y, vertical, groups: channels);
        if (image.dim() == 3) y = y.squeeze(0);
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>The low frequencies: <see cref="Blur"/>.</summary>
    public static Tensor Lowpass(Tensor image, int kernelSize = HybridKernelSize, double sigma = HybridSigma) =>
        Blur(image, kernelSize, sigma);

    /// <summary>The high frequencies: x - lowpass(x).</summary>
    public static Tensor Highpass(Tensor image, int kernelSize = HybridKernelSize, double sigma = HybridSigma)
    {
        using var scope = NewDisposeScope();
        return (image - Blur(image, kernelSize, sigma)).MoveToOuterDisposeScope();
    }
}

using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Diffusion.Models.Inference;

/// <summary>A convolution module's operation run with a weight and bias given by the caller (folded or split ones).</summary>
public static class Convolutions
{
    /// <summary>
    /// conv's operation on x with <paramref name="weight"/> and <paramref name="bias"/> in place of its own. A transposed
    /// convolution of a 1x1 input (the UNet's Unflatten) runs as the matrix product it is, which is several times
    /// faster than libtorch's transposed-convolution kernel for it (docs/measurements.md).
    /// </summary>
    public static Tensor Apply(Convolution conv, Tensor x, Tensor weight, Tensor? bias)
    {
        if (!conv.transposed)
            return functional.conv2d(x, weight, bias, conv.stride, conv.padding, conv.dilation, conv.groups);
        if (IsOnePixelExpansion(conv, x))
        {
            long n = x.shape[0], inChannels = weight.shape[0], outChannels = weight.shape[1], kh = weight.shape[2], kw = weight.shape[3];
            var product = matmul(x.reshape(n, inChannels), weight.reshape(inChannels, outChannels * kh * kw)).view(n, outChannels, kh, kw);
            return bias is null ? product : product.add_(bias.view(1, -1, 1, 1));
        }
        return functional.conv_transpose2d(x, weight, bias, conv.stride, conv.padding, conv.output_padding, conv.dilation, conv.groups);
    }

    // Each input pixel spreads into its own kh x kw patch of the output: no overlap, no padding, so a matrix product.
    static bool IsOnePixelExpansion(Convolution conv, Tensor x) =>
        x.ndim == 4 && x.shape[2] == 1 && x.shape[3] == 1 && conv.groups == 1
        && (conv.padding ?? []).All(p => p == 0) && (conv.output_padding ?? []).All(p => p == 0) && (conv.dilation ?? []).All(d => d == 1);
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Diffusion.Models.Inference;

/// <summary>
/// A UNet layer that takes cat([a, skip], 1), run without building the concatenation. A convolution is linear in its
/// input channels, so conv_W(cat(a, s)) = conv_Wa(a) + conv_Ws(s) with W split along its input channels (the bias
/// goes with the first). Guidance decodes every image under k conditionings: a then holds k·N rows while the
/// encoder's skip s is the same N rows for each, so the skip's share is computed once and broadcast, and the
/// concatenation is never made (docs/measurements.md).
/// </summary>
public static class SkipConcat
{
    /// <summary>
    /// Runs <paramref name="sequence"/>, whose first layer (at any depth) is a convolution or transposed convolution,
    /// on cat([a, skip repeated k times], 1) where k = rows of a / rows of skip. Norms fold as in <see cref="FoldedBlocks.Call"/>.
    /// </summary>
    public static Tensor Call(Sequential sequence, Tensor a, Tensor skip) =>
        FoldedBlocks.Call(sequence, a, (conv, _, weight, bias) => Convolve(conv, weight, bias, a, skip));

    /// <summary>conv(cat([a, skip repeated k times], 1)) with the layer's own weight and bias.</summary>
    public static Tensor Convolve(Convolution conv, Tensor a, Tensor skip) => Convolve(conv, conv.weight!, conv.bias, a, skip);

    /// <summary>conv(cat([a, skip repeated k times], 1)) as conv_Wa(a) + conv_Ws(skip), the second broadcast over the k copies.</summary>
    public static Tensor Convolve(Convolution conv, Tensor weight, Tensor? bias, Tensor a, Tensor skip)
    {
        long n = skip.shape[0], inA = a.shape[1], inSkip = skip.shape[1];
        if (n == 0 || a.shape[0] % n != 0)
            throw new ArgumentException($"a must hold a whole number of copies of the skip's {n} images, got {a.shape[0]} rows.", nameof(a));
        if (inA + inSkip != conv.in_channels)
            throw new ArgumentException($"a and skip must have {conv.in_channels} channels together, got {inA} + {inSkip}.", nameof(skip));
        if (conv.groups != 1 || conv.padding_mode != PaddingModes.Zeros)
            throw new ArgumentException("only ungrouped, zero-padded convolutions split along their input channels.", nameof(conv));
        // Conv2d weights are out x in x kh x kw; transposed ones are in x out x kh x kw.
        int inDim = conv.transposed ? 0 : 1;
        var fromA = Convolutions.Apply(conv, a, weight.narrow(inDim, 0, inA), bias);
        var fromSkip = Convolutions.Apply(conv, skip, weight.narrow(inDim, inA, inSkip), null);
        long k = a.shape[0] / n;
        var shape = fromA.shape;
        return fromA.view([k, n, .. shape[1..]]).add_(fromSkip.unsqueeze(0)).view(shape);
    }
}

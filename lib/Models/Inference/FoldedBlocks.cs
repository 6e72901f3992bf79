using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Models.Inference;

/// <summary>A block of <see cref="Blocks"/> evaluated layer by layer with its BatchNorms folded into its convolutions.</summary>
public static class FoldedBlocks
{
    /// <summary>
    /// Computes a convolution layer of a sequence from the input, weight and bias it is given (the layer's own, or
    /// folded with the BatchNorm after it).
    /// </summary>
    public delegate Tensor ConvolutionRunner(Convolution conv, Tensor x, Tensor weight, Tensor? bias);

    /// <summary>
    /// Runs <paramref name="sequence"/> layer by layer (nested sequences flattened). A convolution directly followed by an
    /// evaluation-mode BatchNorm runs as one convolution with the norm folded in (<see cref="BatchNormFolding"/>), and
    /// GELU runs as <see cref="ChannelsLastGelu"/>; in training mode every other layer is simply called.
    /// <paramref name="firstConvolution"/>, when given, computes the first layer, which must then be a convolution;
    /// every later one runs through <see cref="Convolutions.Apply"/>.
    /// </summary>
    public static Tensor Call(Sequential sequence, Tensor x, ConvolutionRunner? firstConvolution = null)
    {
        var layers = Leaves(sequence).ToList();
        if (layers.Count == 0) throw new ArgumentException("the sequence has no layers.", nameof(sequence));
        if (firstConvolution is not null && layers[0] is not Convolution)
            throw new ArgumentException($"the first layer must be a convolution, got {layers[0].GetType().Name}.", nameof(sequence));
        for (int i = 0; i < layers.Count; i++)
        {
            var runner = i == 0 && firstConvolution is not null ? firstConvolution : Convolutions.Apply;
            if (layers[i] is Convolution conv && i + 1 < layers.Count && layers[i + 1] is BatchNorm2d { training: false } norm)
            {
                var (weight, bias) = BatchNormFolding.Fold(conv, norm);
                x = runner(conv, x, weight, bias);
                i++;   // the norm is inside the convolution now
            }
            else if (layers[i] is Convolution plain && (i == 0 && firstConvolution is not null || !plain.training))
                x = runner(plain, x, plain.weight!, plain.bias);
            else if (layers[i] is GELU)
                x = ChannelsLastGelu.Apply(x);
            else
                x = ((nn.Module<Tensor, Tensor>)layers[i]).call(x);
        }
        return x;
    }

    static IEnumerable<nn.Module> Leaves(Sequential sequence) =>
        sequence.children().SelectMany(layer => layer is Sequential inner ? Leaves(inner) : [layer]);
}

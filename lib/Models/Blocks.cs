using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Diffusion.Models;

/// <summary>
/// The course's UNet operations (spec, part B table). Each is a small Sequential so that a printed
/// model reads like the table: Conv, DownConv, UpConv, Flatten, Unflatten, and the blocks built from them.
/// </summary>
public static class Blocks
{
    /// <summary>Conv2d(3, 1, 1) + BN + GELU: changes channels only.</summary>
    public static Sequential Conv(int inChannels, int outChannels) => Sequential(
        ("conv", Conv2d(inChannels, outChannels, kernel_size: 3, stride: 1, padding: 1)),
        ("bn", BatchNorm2d(outChannels)),
        ("gelu", new Gelu()));

    /// <summary>Conv2d(3, 2, 1) + BN + GELU: halves H and W.</summary>
    public static Sequential DownConv(int inChannels, int outChannels) => Sequential(
        ("conv", Conv2d(inChannels, outChannels, kernel_size: 3, stride: 2, padding: 1)),
        ("bn", BatchNorm2d(outChannels)),
        ("gelu", new Gelu()));

    /// <summary>ConvTranspose2d(4, 2, 1) + BN + GELU: doubles H and W.</summary>
    public static Sequential UpConv(int inChannels, int outChannels) => Sequential(
        ("convt", ConvTranspose2d(inChannels, outChannels, kernel_size: 4, stride: 2, padding: 1)),
        ("bn", BatchNorm2d(outChannels)),
        ("gelu", new Gelu()));

    /// <summary>AvgPool2d(7) + GELU: 7x7 to 1x1.</summary>
    public static Sequential Flatten() => Sequential(
        ("pool", AvgPool2d(kernel_size: 7)),
        ("gelu", new Gelu()));

    /// <summary>ConvTranspose2d(7, 7, 0) + BN + GELU: 1x1 to 7x7.</summary>
    public static Sequential Unflatten(int channels) => Sequential(
        ("convt", ConvTranspose2d(channels, channels, kernel_size: 7, stride: 7, padding: 0)),
        ("bn", BatchNorm2d(channels)),
        ("gelu", new Gelu()));

    /// <summary>Conv, Conv.</summary>
    public static Sequential ConvBlock(int inChannels, int outChannels) => Sequential(
        ("conv1", Conv(inChannels, outChannels)),
        ("conv2", Conv(outChannels, outChannels)));

    /// <summary>DownConv, ConvBlock.</summary>
    public static Sequential DownBlock(int inChannels, int outChannels) => Sequential(
        ("down", DownConv(inChannels, outChannels)),
        ("block", ConvBlock(outChannels, outChannels)));

    /// <summary>UpConv, ConvBlock.</summary>
    public static Sequential UpBlock(int inChannels, int outChannels) => Sequential(
        ("up", UpConv(inChannels, outChannels)),
        ("block", ConvBlock(outChannels, outChannels)));

    /// <summary>
    /// Computes a convolution layer of a sequence from the input, weight and bias it is given (the layer's own, or
    /// folded with the BatchNorm after it).
    /// </summary>
    public delegate Tensor ConvolutionRunner(Convolution conv, Tensor x, Tensor weight, Tensor? bias);

    /// <summary>
    /// Runs <paramref name="sequence"/> layer by layer (nested sequences flattened). A convolution directly followed by an
    /// evaluation-mode BatchNorm runs as one convolution with the norm folded in (<see cref="BatchNormFolding"/>);
    /// in training mode every layer is simply called. <paramref name="firstConvolution"/>, when given, computes the
    /// first layer, which must then be a convolution; every later one runs through <see cref="Convolutions.Apply"/>.
    /// </summary>
    public static Tensor CallFolded(Sequential sequence, Tensor x, ConvolutionRunner? firstConvolution = null)
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
            else
                x = ((nn.Module<Tensor, Tensor>)layers[i]).call(x);
        }
        return x;
    }

    static IEnumerable<nn.Module> Leaves(Sequential sequence) =>
        sequence.children().SelectMany(layer => layer is Sequential inner ? Leaves(inner) : [layer]);

    /// <summary>Linear, GELU, Linear: embeds a conditioning vector (t / T or a one-hot class).</summary>
    public static Sequential FCBlock(int inFeatures, int outFeatures) => Sequential(
        ("fc1", Linear(inFeatures, outFeatures)),
        ("gelu", new Gelu()),
        ("fc2", Linear(outFeatures, outFeatures)));
}

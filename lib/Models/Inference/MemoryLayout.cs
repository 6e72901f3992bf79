using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Models.Inference;

/// <summary>
/// Channels-last (NHWC) storage for convolutional networks: libtorch's CPU convolutions (oneDNN) run faster on NHWC
/// data than on NCHW (docs/measurements.md). TorchSharp 0.107 has no memory-format argument, but libtorch picks the
/// layout from the strides, so a tensor permuted to N,H,W,C, made contiguous and permuted back is channels-last while
/// keeping its N,C,H,W shape. A conv whose input or weight is channels-last returns channels-last output, and the
/// layout then flows through the network. <see cref="FastDigitUNet"/> stores the first layer's output channels-last
/// (<see cref="CallChannelsLast"/>) and the layout flows on. Weights and training stay NCHW: channels-last weights
/// gained nothing more, and TorchSharp 0.107's optimizer save refuses Adam state that is not contiguous.
/// `bench` also uses this to measure what one convolution can reach on the machine.
/// </summary>
public static class MemoryLayout
{
    /// <summary>The same 4-D values stored channels-last (shape unchanged); other tensors are returned as they are.</summary>
    public static Tensor ChannelsLast(Tensor t) =>
        t.ndim == 4 ? t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : t;

    /// <summary>
    /// Runs <paramref name="sequence"/> (norms folded, <see cref="FoldedBlocks.Call"/>) with the output of its first
    /// layer, a convolution, stored channels-last; libtorch then keeps that layout through every later layer. The first
    /// layer is where it must happen: its input has one channel, for which the two layouts cannot be told apart, and
    /// libtorch falls back to NCHW.
    /// </summary>
    public static Tensor CallChannelsLast(TorchSharp.Modules.Sequential sequence, Tensor x) =>
        FoldedBlocks.Call(sequence, x, (conv, input, weight, bias) => ChannelsLast(Convolutions.Apply(conv, input, weight, bias)));

    /// <summary>True when a 4-D tensor's channels are its innermost dimension in memory.</summary>
    public static bool IsChannelsLast(Tensor t) => t.ndim == 4 && t.stride(1) == 1 && t.shape[1] > 1;

    /// <summary>Stores every 4-D parameter of <paramref name="module"/> (conv weights) channels-last, in place.</summary>
    public static void UseChannelsLast(nn.Module module)
    {
        using var _ = no_grad();
        foreach (var (_, p) in module.named_parameters())
            if (p.ndim == 4 && !IsChannelsLast(p))
                using (var scope = NewDisposeScope())
                    p.set_(ChannelsLast(p.detach().clone()));   // p keeps the new storage after the scope frees the handles
    }
}

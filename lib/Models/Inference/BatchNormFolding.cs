using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Models.Inference;

/// <summary>
/// A convolution followed by an evaluation-mode BatchNorm is one convolution. With s = γ / √(σ² + ε) per output
/// channel, BN(conv_W(x) + b) = conv_{W·s}(x) + (b − μ)·s + β, and oneDNN adds a bias inside the convolution, so the
/// norm's full pass over the activations disappears (docs/measurements.md). The fold is recomputed
/// from the current weights and statistics on every call: it costs a few small operations per layer, and a model
/// trained further can never sample with stale folded weights.
/// </summary>
public static class BatchNormFolding
{
    /// <summary>The weight and bias of the one convolution that computes norm(conv(x)).</summary>
    public static (Tensor Weight, Tensor Bias) Fold(Convolution conv, BatchNorm2d norm)
    {
        if (norm.training)
            throw new ArgumentException("a BatchNorm in training mode normalises by its batch and cannot be folded; call eval() first.", nameof(norm));
        long outChannels = conv.out_channels;
        if (norm.running_mean is null || norm.running_var is null || norm.running_mean.numel() != outChannels)
            throw new ArgumentException($"the norm must track running statistics of the convolution's {outChannels} output channels.", nameof(norm));
        var scale = norm.running_var.add(norm.eps).rsqrt_();
        if (norm.weight is not null) scale = scale.mul_(norm.weight);
        // Conv2d weights are out x in x kh x kw; transposed ones are in x out x kh x kw.
        var perOutput = conv.transposed ? scale.view(1, -1, 1, 1) : scale.view(-1, 1, 1, 1);
        var weight = conv.weight!.mul(perOutput);
        var bias = conv.bias is null ? norm.running_mean.neg() : conv.bias.sub(norm.running_mean);
        bias = bias.mul_(scale);
        if (norm.bias is not null) bias = bias.add_(norm.bias);
        return (weight, bias);
    }
}

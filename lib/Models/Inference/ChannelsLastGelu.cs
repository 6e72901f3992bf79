using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Diffusion.Models.Inference;

/// <summary>
/// GELU (exact, erf) that keeps channels-last activations on libtorch's fast path: libtorch hands GELU to oneDNN only
/// for contiguous tensors, and a channels-last N,C,H,W tensor is not contiguous, but its N,H,W,C view is.
/// <see cref="FoldedBlocks"/> runs every GELU of a block through it.
/// </summary>
public static class ChannelsLastGelu
{
    public static Tensor Apply(Tensor x) =>
        MemoryLayout.IsChannelsLast(x) && !x.is_contiguous()
            ? functional.gelu(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
            : functional.gelu(x);
}

using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Diffusion.Models;

/// <summary>
/// GELU (exact, erf) that keeps channels-last activations on libtorch's fast path. libtorch gives GELU to oneDNN only
/// for contiguous tensors; a channels-last N,C,H,W tensor is not contiguous and went to a kernel about twice as slow
/// here (1.8 vs 0.8 ms for 80 x 64 x 28 x 28). Its N,H,W,C view is contiguous, so the GELU runs on that view.
/// </summary>
public sealed class Gelu() : Module<Tensor, Tensor>(nameof(Gelu))
{
    public override Tensor forward(Tensor x) =>
        MemoryLayout.IsChannelsLast(x) && !x.is_contiguous()
            ? functional.gelu(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)
            : functional.gelu(x);
}

using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Diffusion.TextToImage;

/// <summary>
/// The residual block of the text-to-image networks (ADM's, <see href="https://arxiv.org/abs/2105.05233">Dhariwal and Nichol 2021</see>): the
/// time + text embedding enters as FiLM, h = GroupNorm(h) (1 + scale) + shift ("scale-shift norm"). GroupNorm, not
/// BatchNorm, so a sample's output never depends on the rest of its batch (guidance batches both passes together).
/// </summary>
/// <summary>GroupNorm, SiLU, conv; FiLM from the embedding; GroupNorm, SiLU, conv; plus the (1x1-projected) input.</summary>
internal sealed class FilmResBlock : Module<Tensor, Tensor, Tensor>
{
    readonly GroupNorm norm1, norm2;
    readonly Conv2d conv1, conv2;
    readonly Linear film;
    readonly Module<Tensor, Tensor> skip;

    public FilmResBlock(int inChannels, int outChannels, int embedding) : base("ResBlock")
    {
        norm1 = GroupNorm(8, inChannels);
        conv1 = Conv2d(inChannels, outChannels, 3, padding: 1);
        film = Linear(embedding, 2 * outChannels);
        norm2 = GroupNorm(8, outChannels);
        conv2 = Conv2d(outChannels, outChannels, 3, padding: 1);
        skip = inChannels == outChannels ? Identity() : Conv2d(inChannels, outChannels, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor emb)
    {
        using var scope = NewDisposeScope();
        var h = conv1.call(functional.silu(norm1.call(x)));
        var ss = film.call(emb).unsqueeze(-1).unsqueeze(-1).chunk(2, 1);
        h = norm2.call(h) * (1 + ss[0]) + ss[1];
        h = conv2.call(functional.silu(h));
        return (skip.call(x) + h).MoveToOuterDisposeScope();
    }
}

using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Diffusion.TextToImage;

/// <summary>
/// The 64 x 64 emoji concept classifier, the kit's measuring stick for the part A model v2 (not part of the course):
/// trained by `train concept-classifier` on the five training art styles of data/emoji-64/ and scored on the
/// held-out style, so its verdict on a sample does not lean on the pixel nearest-neighbour metric. Four stages of
/// 3x3 convolution, GroupNorm and GELU (stride 2 between them: 64, 32, 16, 8), global average pooling, a linear
/// layer to one logit a concept. GroupNorm, so a verdict never depends on the rest of the batch.
/// </summary>
public sealed class ConceptClassifier : Module<Tensor, Tensor>
{
    public const int Size = 64;
    readonly Sequential features;
    readonly Linear head;

    public ConceptClassifier(int concepts, int width = 32) : base("ConceptClassifier")
    {
        if (concepts < 2) throw new ArgumentOutOfRangeException(nameof(concepts), concepts, "a classifier needs at least 2 concepts.");
        if (width < 8 || width % 8 != 0) throw new ArgumentOutOfRangeException(nameof(width), width, "width must be a multiple of 8 (GroupNorm uses 8 groups).");
        Concepts = concepts;
        Width = width;
        static Sequential Stage(int inChannels, int outChannels, int stride) => Sequential(
            ("conv", Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1)), ("norm", GroupNorm(8, outChannels)), ("act", GELU()));
        int w = width;
        features = Sequential(
            ("s64", Stage(3, w, 1)),
            ("s32a", Stage(w, w, 2)), ("s32b", Stage(w, 2 * w, 1)),
            ("s16a", Stage(2 * w, 2 * w, 2)), ("s16b", Stage(2 * w, 4 * w, 1)),
            ("s8a", Stage(4 * w, 4 * w, 2)), ("s8b", Stage(4 * w, 4 * w, 1)),
            ("pool", AdaptiveAvgPool2d(1)), ("flat", Flatten()));
        head = Linear(4 * w, concepts);
        RegisterComponents();
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
            if (module is GroupNorm norm) { norm.weight!.fill_(1); norm.bias!.zero_(); }   // TorchSharp 0.107 leaves some uninitialised
    }

    public int Concepts { get; }
    public int Width { get; }
    public string Architecture => $"ConceptClassifier(K={Concepts},W={Width})";

    /// <summary>x: N x 3 x 64 x 64 in [-1, 1]; returns N x K logits.</summary>
    public override Tensor forward(Tensor x)
    {
        if (x.ndim != 4 || x.shape[1] != 3 || x.shape[2] != Size || x.shape[3] != Size)
            throw new ArgumentException($"x must be N x 3 x {Size} x {Size} (RGB in [-1, 1]), got {string.Join("x", x.shape)}.", nameof(x));
        return head.call(features.call(x));
    }

    /// <summary>The <paramref name="k"/> most likely concepts of each image, best first (eval mode, no gradients).</summary>
    public long[][] TopK(Tensor images, int k = 1)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        eval();
        var top = forward(images.to(parameters().First().device)).topk(k, 1).indexes.cpu();
        long n = top.shape[0];
        var flat = top.data<long>().ToArray();
        return Enumerable.Range(0, (int)n).Select(i => flat.Skip(i * k).Take(k).ToArray()).ToArray();
    }
}

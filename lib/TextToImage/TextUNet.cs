using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Diffusion.TextToImage;

/// <summary>
/// The kit's text-to-image network: a small UNet for 3 x 32 x 32 RGB in [-1, 1] that predicts the noise
/// eps(x_t, t, e), conditioned on a 384-d MiniLM sentence embedding e. Its design follows DDPM/ADM
/// (Ho et al. 2020; Dhariwal and Nichol 2021) cut down to a CPU budget:
/// <list type="bullet">
/// <item>levels 32x32 (C), 16x16 (2C), 8x8 (2C) with one residual block each way, self-attention at 8x8 only;</item>
/// <item>t (schedule index 0..T-1) as a sinusoidal embedding through an MLP; e through its own MLP (384 -> E -> E);
///   their sum drives FiLM in every residual block: h = GroupNorm(h) (1 + scale) + shift.</item>
/// </list>
/// The text enters standardised: (e - centre) / scale, with the centre and scale of the training captions'
/// embeddings kept as buffers in the checkpoint (<see cref="StandardiseText"/>): MiniLM vectors have unit length and
/// share much of their direction, so unstandardised the text path starts far weaker than the time path and the
/// network learns the emoji style long before it learns which name goes with which picture (docs/measurements.md).
/// Two paths give the prompt a say in *where* things go, which FiLM (one scale and shift per channel) cannot:
/// a learned 16-channel 8x8 template from the text features, projected to 2C channels and added at the bottleneck
/// (a coarse layout per prompt: where the rocket's body and flame are), and a learned position map added after the
/// stem (convolutions alone only know position from the zero padding). Without them, samples had each prompt's
/// colours as unstructured texture and far fewer hit their concept (docs/measurements.md).
/// Why FiLM from a pooled sentence vector: MiniLM gives one vector per prompt, so cross-attention over one token
/// would only add a vector anyway; FiLM lets the prompt modulate every block (ADM's "scale-shift norm", Imagen's
/// pooled-embedding path). Why a text embedding instead of a class table: the first emoji attempt learned the
/// style but bound no name to its picture with one-hot labels; MiniLM vectors of "a rocket", "a rocket ship" and
/// "an oil painting of a rocket" share structure, so every caption of a concept trains the same direction and
/// unseen phrasings land near it. The text MLP learns which part of the vector names the object and which the
/// phrasing ("an oil painting of" moves MiniLM vectors more than the object does).
/// GroupNorm, not BatchNorm: a sample's output must not depend on the rest of its batch (guidance batches the
/// conditional and unconditional passes together).
/// </summary>
public sealed partial class TextUNet : Module<Tensor, Tensor, Tensor, Tensor>
{
    public const int Size = 32;
    public const int ImageChannels = 3;
    public const int TextDimension = 384;
    /// <summary>Channels of the prompt's 8x8 layout template (before its 1x1 projection to 2C).</summary>
    public const int TemplateChannels = 16;

    public int Base { get; }
    public int EmbeddingSize { get; }

    readonly Module<Tensor, Tensor> time_mlp, text_mlp;
    readonly Conv2d stem;
    readonly FilmResBlock down32, down16, mid1, mid2, up16, up32;
    readonly Conv2d pool32, pool16, unpool8, unpool16;
    readonly SelfAttention attention;
    readonly GroupNorm out_norm;
    readonly Conv2d out_conv;
    readonly Linear text_template;
    readonly Conv2d template_proj;
    readonly Parameter position;
    // Buffers (saved with the weights, not trained): the standardisation of the text embedding.
    readonly Tensor text_centre, text_scale;

    /// <param name="baseChannels">C: channels at 32x32 (2C below)</param>
    /// <param name="embedding">E: size of the time + text embedding that drives FiLM</param>
    public TextUNet(int baseChannels = 64, int embedding = 256) : base("TextUNet")
    {
        if (baseChannels < 8 || baseChannels % 8 != 0)
            throw new ArgumentOutOfRangeException(nameof(baseChannels), baseChannels, "base channels must be a multiple of 8 (GroupNorm uses 8 groups).");
        if (embedding < 8) throw new ArgumentOutOfRangeException(nameof(embedding), embedding, "the embedding size must be at least 8.");
        Base = baseChannels;
        EmbeddingSize = embedding;
        int c = baseChannels, c2 = 2 * baseChannels, e = embedding;
        time_mlp = Sequential(("fc1", Linear(c, e)), ("act", SiLU()), ("fc2", Linear(e, e)));
        text_mlp = Sequential(("fc1", Linear(TextDimension, e)), ("act", SiLU()), ("fc2", Linear(e, e)));
        stem = Conv2d(ImageChannels, c, 3, padding: 1);
        down32 = new FilmResBlock(c, c, e);
        pool32 = Conv2d(c, c, 3, stride: 2, padding: 1);
        down16 = new FilmResBlock(c, c2, e);
        pool16 = Conv2d(c2, c2, 3, stride: 2, padding: 1);
        mid1 = new FilmResBlock(c2, c2, e);
        attention = new SelfAttention(c2);
        mid2 = new FilmResBlock(c2, c2, e);
        unpool8 = Conv2d(c2, c2, 3, padding: 1);
        up16 = new FilmResBlock(2 * c2, c2, e);
        unpool16 = Conv2d(c2, c, 3, padding: 1);
        up32 = new FilmResBlock(2 * c, c, e);
        out_norm = GroupNorm(8, c);
        out_conv = Conv2d(c, ImageChannels, 3, padding: 1);
        text_template = Linear(e, TemplateChannels * 8 * 8);
        template_proj = Conv2d(TemplateChannels, c2, 1);
        position = new Parameter(randn(1, c, Size, Size) * 0.02);
        // Until StandardiseText sees the captions: no centring, and unit-length vectors scaled to unit-size entries.
        text_centre = zeros(TextDimension);
        text_scale = full(1, 1 / Math.Sqrt(TextDimension));
        RegisterComponents();
        // TorchSharp 0.107 leaves some GroupNorm biases uninitialised (NaN seen): set every affine to the identity.
        using var _ = no_grad();
        foreach (var (_, module) in named_modules())
            if (module is GroupNorm norm)
            {
                norm.weight!.fill_(1);
                norm.bias!.zero_();
            }
    }

    /// <summary>Checkpoint name of this architecture (weights files refuse any other).</summary>
    public string Architecture => ArchitectureName(Base, EmbeddingSize);

    public static string ArchitectureName(int baseChannels, int embedding) => $"TextUNet(C={baseChannels},E={embedding},standardised,layout)";

    /// <summary>The sizes in a name made by <see cref="ArchitectureName"/>; false for any other architecture.</summary>
    public static bool TryParseArchitecture(string name, out int baseChannels, out int embedding)
    {
        var match = ArchitecturePattern().Match(name);
        baseChannels = match.Success ? int.Parse(match.Groups[1].Value) : 0;
        embedding = match.Success ? int.Parse(match.Groups[2].Value) : 0;
        return match.Success;
    }

    // Mirrors ArchitectureName; the round trip is tested (TextToImageTests).
    [GeneratedRegex(@"^TextUNet\(C=(\d+),E=(\d+),standardised,layout\)$")]
    private static partial Regex ArchitecturePattern();

    /// <summary>
    /// Sets the text standardisation from the embeddings the model will be trained on: centre = their mean,
    /// scale = the root mean square of their entries' deviations (one number, so the geometry between prompts is kept).
    /// </summary>
    public void StandardiseText(Tensor embeddings)
    {
        if (embeddings.ndim != 2 || embeddings.shape[1] != TextDimension || embeddings.shape[0] < 2)
            throw new ArgumentException($"embeddings must be N x {TextDimension} with N >= 2, got {Shape(embeddings)}.", nameof(embeddings));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var e = embeddings.to(ScalarType.Float32).to(text_centre.device);
        var mean = e.mean([0]);
        var rms = (e - mean).square().mean().sqrt();
        if (!(rms.item<float>() > 1e-6f)) throw new ArgumentException("the embeddings are all the same; nothing to standardise by.", nameof(embeddings));
        text_centre.copy_(mean);
        text_scale.copy_(rms.reshape(1));
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>
    /// x: N x 3 x 32 x 32 (x_t in [-1, 1] plus noise); t: N schedule indices (int64, or float) in 0..T-1;
    /// text: N x 384 prompt embeddings (the "" embedding for the unconditional estimate). Returns the noise, N x 3 x 32 x 32.
    /// </summary>
    public override Tensor forward(Tensor x, Tensor t, Tensor text)
    {
        CheckInput(x, t, text);
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var words = text_mlp.call((text.to(x.dtype) - text_centre) / text_scale);
        var emb = functional.silu(time_mlp.call(Sinusoidal(t.to(ScalarType.Float32), Base)) + words);
        var layout = template_proj.call(text_template.call(words).view(n, TemplateChannels, 8, 8));
        var h32 = down32.call(stem.call(x) + position, emb);                   // C  x 32
        var h16 = down16.call(pool32.call(h32), emb);                           // 2C x 16
        var h8 = mid2.call(attention.call(mid1.call(pool16.call(h16) + layout, emb)), emb); // 2C x 8
        var u16 = unpool8.call(functional.interpolate(h8, scale_factor: [2, 2], mode: InterpolationMode.Nearest));
        u16 = up16.call(cat([u16, h16], 1), emb);                               // 2C x 16
        var u32 = unpool16.call(functional.interpolate(u16, scale_factor: [2, 2], mode: InterpolationMode.Nearest));
        u32 = up32.call(cat([u32, h32], 1), emb);                               // C x 32
        return out_conv.call(functional.silu(out_norm.call(u32))).MoveToOuterDisposeScope();
    }

    /// <summary>Transformer-style sinusoidal features of t: [sin(t w_k), cos(t w_k)], w_k = 10000^(-k / (d/2)).</summary>
    public static Tensor Sinusoidal(Tensor t, int dim)
    {
        int half = dim / 2;
        using var scope = NewDisposeScope();
        var freqs = exp(arange(half, dtype: ScalarType.Float32, device: t.device) * (-Math.Log(10000.0) / half));
        var args = t.reshape(-1, 1) * freqs.unsqueeze(0);
        return cat([sin(args), cos(args)], 1).MoveToOuterDisposeScope();
    }

    static void CheckInput(Tensor x, Tensor t, Tensor text)
    {
        if (x.ndim != 4 || x.shape[1] != ImageChannels || x.shape[2] != Size || x.shape[3] != Size)
            throw new ArgumentException($"x must be N x {ImageChannels} x {Size} x {Size} (RGB in [-1, 1]), got {Shape(x)}.", nameof(x));
        long n = x.shape[0];
        if (t.numel() != n) throw new ArgumentException($"t must hold one schedule index per image ({n}), got {Shape(t)}.", nameof(t));
        if (text.ndim != 2 || text.shape[0] != n || text.shape[1] != TextDimension)
            throw new ArgumentException($"text must be {n} x {TextDimension} prompt embeddings (all-MiniLM-L6-v2), got {Shape(text)}.", nameof(text));
    }

    static string Shape(Tensor t) => string.Join("x", t.shape);

    /// <summary>Single-head self-attention over the 8x8 positions, with a residual connection.</summary>
    sealed class SelfAttention : Module<Tensor, Tensor>
    {
        readonly GroupNorm norm;
        readonly Conv2d qkv, proj;
        readonly int _channels;

        public SelfAttention(int channels) : base("SelfAttention")
        {
            _channels = channels;
            norm = GroupNorm(8, channels);
            qkv = Conv2d(channels, 3 * channels, 1);
            proj = Conv2d(channels, channels, 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            long n = x.shape[0], h = x.shape[2], w = x.shape[3];
            var parts = qkv.call(norm.call(x)).reshape(n, 3, _channels, h * w).unbind(1);
            var q = parts[0].transpose(1, 2);                                   // N x HW x C
            var k = parts[1];                                                   // N x C x HW
            var v = parts[2].transpose(1, 2);                                   // N x HW x C
            var weights = functional.softmax(q.bmm(k) / Math.Sqrt(_channels), -1);
            var o = weights.bmm(v).transpose(1, 2).reshape(n, _channels, h, w);
            return (x + proj.call(o)).MoveToOuterDisposeScope();
        }
    }
}

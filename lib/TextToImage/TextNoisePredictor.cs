using Diffusion.Sampling;
using Diffusion.Schedules;
using Diffusion.Text;
using static TorchSharp.torch;

namespace Diffusion.TextToImage;

/// <summary>
/// Puts a trained <see cref="TextUNet"/> (3 x 32 x 32, noise only: samplers use the fixed beta_tilde variance) or
/// <see cref="TextUNet64"/> (3 x 64 x 64, noise and the learned-range variance v, as IF stage I's 6 output channels,
/// so add_variance uses the model's own v) behind <see cref="INoisePredictor"/>, so every part A sampler (CFG, SDEdit,
/// inpainting, anagrams, hybrids) runs on it as on DeepFloyd IF stage I: RGB in [-1, 1], IF's cosine schedule, T = 1000.
/// Accepts <see cref="Conditioning.Null"/> (the "" embedding, learned through prompt dropout) and prompts: a prompt
/// carrying its embedding (1 x 384 or N x 384) is used as is; one without is embedded by the <see cref="TextEncoder"/>
/// (the precomputed table, else live). Where the encoder cannot load, unknown prompts are rejected with the list of
/// prompts that have embeddings.
/// </summary>
public sealed class TextNoisePredictor : INoisePredictor, IDisposable
{
    readonly Dictionary<string, Tensor> _cache = new(StringComparer.Ordinal);
    readonly bool _ownsEncoder;
    Tensor? _null;

    readonly TorchSharp.torch.nn.Module<Tensor, Tensor, Tensor, Tensor> _network;
    readonly int _size;

    /// <summary>The 32 x 32 network, or null when this predictor runs the 64 x 64 one (<see cref="Network64"/>).</summary>
    public TextUNet? Network { get; }
    /// <summary>The 64 x 64 network with the learned variance, or null.</summary>
    public TextUNet64? Network64 { get; }
    /// <summary>Whether predictions carry the model's variance output v.</summary>
    public bool HasVariance => Network64 is not null;
    public TextEncoder Encoder { get; }
    public NoiseSchedule Schedule { get; }
    public int Channels => TextUNet.ImageChannels;
    public int Height => _size;
    public int Width => _size;
    public ConditioningKinds Accepts => ConditioningKinds.Null | ConditioningKinds.Prompt;

    /// <param name="network">the 32 x 32 network (noise only)</param>
    /// <param name="encoder">the prompt encoder (default: a new one over data/emoji/prompts.emb, disposed with this)</param>
    /// <param name="schedule">default IF's cosine schedule, T = 1000</param>
    public TextNoisePredictor(TextUNet network, TextEncoder? encoder = null, NoiseSchedule? schedule = null)
        : this(network, TextUNet.Size, encoder, schedule)
    {
        Network = network;
    }

    /// <param name="network">the 64 x 64 network (noise and variance)</param>
    /// <param name="encoder">the prompt encoder (default: a new one over data/emoji-64/prompts.emb, disposed with this)</param>
    /// <param name="schedule">default IF's cosine schedule, T = 1000</param>
    public TextNoisePredictor(TextUNet64 network, TextEncoder? encoder = null, NoiseSchedule? schedule = null)
        : this(network, TextUNet64.Size, encoder ?? new TextEncoder(DefaultTable64()), schedule, ownsEncoder: encoder is null)
    {
        Network64 = network;
    }

    TextNoisePredictor(TorchSharp.torch.nn.Module<Tensor, Tensor, Tensor, Tensor> network, int size, TextEncoder? encoder, NoiseSchedule? schedule, bool? ownsEncoder = null)
    {
        _network = network;
        _size = size;
        _ownsEncoder = ownsEncoder ?? encoder is null;
        Encoder = encoder ?? new TextEncoder();
        Schedule = schedule ?? TextToImageRecipe.Schedule;
    }

    public string? Reject(Conditioning conditioning)
    {
        if ((Accepts & conditioning.Kind) == 0)
            return $"the text-to-image model takes prompts (or the null prompt \"\"), not {conditioning}.";
        if (conditioning.Kind != ConditioningKinds.Prompt) return null;
        if (conditioning.Embedding is { } e)
            return e.shape[1] == TextUNet.TextDimension ? null
                : $"a prompt embedding for this model must have {TextUNet.TextDimension} values ({TextEncoder.ModelName}), got {e.shape[1]}.";
        try { Embedding(conditioning.Text!); return null; }
        catch (ArgumentException ex) { return ex.Message; }
    }

    /// <summary>The 1 x 384 embedding of <paramref name="prompt"/> (cached).</summary>
    public Tensor Embedding(string prompt)
    {
        var key = PromptEmbeddings.Key(prompt ?? throw new ArgumentNullException(nameof(prompt)));
        if (_cache.TryGetValue(key, out var hit)) return hit;
        var v = tensor(Encoder.Embed(prompt)).unsqueeze(0).clone();   // tensor(float[]) shares the array: copy
        v.DetachFromDisposeScope();
        return _cache[key] = v;
    }

    /// <summary>The 1 x 384 embedding of "" (the unconditional estimate).</summary>
    public Tensor NullEmbedding
    {
        get
        {
            if (_null is null)
            {
                _null = tensor(Encoder.NullEmbedding).unsqueeze(0).clone();
                _null.DetachFromDisposeScope();
            }
            return _null;
        }
    }

    /// <summary>The N x 384 embeddings a conditioning stands for, in the caller's dispose scope.</summary>
    public Tensor EmbeddingsFor(Conditioning conditioning, int n)
    {
        if (Reject(conditioning) is { } why) throw new ArgumentException(why, nameof(conditioning));
        if (conditioning.Kind == ConditioningKinds.Null) return NullEmbedding.expand(n, -1);
        if (conditioning.Embedding is not null) return conditioning.EmbeddingFor(n).to(ScalarType.Float32);
        return Embedding(conditioning.Text!).expand(n, -1);
    }

    public NoisePrediction Predict(Tensor xt, int t, Conditioning conditioning)
    {
        Schedule.CheckIndex(t, nameof(t));
        Shapes.CheckBatch(this, xt, nameof(xt));
        int n = (int)xt.shape[0];
        using var scope = NewDisposeScope();
        var text = EmbeddingsFor(conditioning, n);
        return Split(Forward(xt, t, text), 0, n);
    }

    /// <summary>Rows start..start+n of a network output as a prediction: the noise, and for the 64 x 64 model its v.</summary>
    NoisePrediction Split(Tensor output, int start, int n)
    {
        var rows = output.narrow(0, start, n);
        if (!HasVariance) return new NoisePrediction(rows.contiguous().MoveToOuterDisposeScope());
        return new NoisePrediction(rows.narrow(1, 0, 3).contiguous().MoveToOuterDisposeScope(), rows.narrow(1, 3, 3).contiguous().MoveToOuterDisposeScope());
    }

    static PromptEmbeddings? DefaultTable64()
    {
        var path = Path.Combine(TextToImage64Training.DefaultDataFolder, TextEncoder.TableFile);
        return File.Exists(path) ? PromptEmbeddings.Load(path) : null;
    }

    /// <summary>Both conditionings in one forward pass of 2N (GroupNorm keeps samples independent): cheaper guidance.</summary>
    public (NoisePrediction First, NoisePrediction Second) PredictPair(Tensor xt, int t, Conditioning first, Conditioning second)
    {
        Schedule.CheckIndex(t, nameof(t));
        Shapes.CheckBatch(this, xt, nameof(xt));
        int n = (int)xt.shape[0];
        using var scope = NewDisposeScope();
        var both = Forward(cat([xt, xt], 0), t, cat([EmbeddingsFor(first, n), EmbeddingsFor(second, n)], 0));
        return (Split(both, 0, n), Split(both, n, n));
    }

    /// <summary>
    /// The network in eval mode without gradients: x_t (N x 3 x S x S), one t for all, N x 384 embeddings. The 32 x 32
    /// network gives N x 3 (the noise), the 64 x 64 one N x 6 (noise, then the variance output); a v head's output is
    /// converted to the noise here (<see cref="VPrediction.ToNoise"/>).
    /// </summary>
    public Tensor Forward(Tensor xt, int t, Tensor text)
    {
        using var _ = no_grad();
        _network.eval();
        using var time = full(xt.shape[0], (long)t, dtype: ScalarType.Int64);
        if (Network64?.Head != HeadTarget.V) return _network.call(xt, time, text);
        using var scope = NewDisposeScope();
        var output = _network.call(xt, time, text);
        var alphaBar = tensor(Schedule.AlphaBar(t), dtype: xt.dtype, device: xt.device);
        var noise = VPrediction.ToNoise(output.narrow(1, 0, 3), xt, alphaBar);
        return cat([noise, output.narrow(1, 3, 3)], 1).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _network.Dispose();
        foreach (var v in _cache.Values) v.Dispose();
        _null?.Dispose();
        if (_ownsEncoder) Encoder.Dispose();
    }
}

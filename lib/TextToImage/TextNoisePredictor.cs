using Diffusion.Sampling;
using Diffusion.Schedules;
using Diffusion.Text;
using static TorchSharp.torch;

namespace Diffusion.TextToImage;

/// <summary>
/// Puts a trained <see cref="TextUNet"/> behind <see cref="INoisePredictor"/>, so every part A sampler (CFG, SDEdit,
/// inpainting, anagrams, hybrids) runs on it as on DeepFloyd IF stage I: 3 x 32 x 32 in [-1, 1], IF's cosine
/// schedule with T = 1000, noise prediction, no variance output (samplers use the fixed beta_tilde variance).
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

    public TextUNet Network { get; }
    public TextEncoder Encoder { get; }
    public NoiseSchedule Schedule { get; }
    public int Channels => TextUNet.ImageChannels;
    public int Height => TextUNet.Size;
    public int Width => TextUNet.Size;
    public ConditioningKinds Accepts => ConditioningKinds.Null | ConditioningKinds.Prompt;

    /// <param name="encoder">the prompt encoder (default: a new one over data/emoji/prompts.emb, disposed with this)</param>
    public TextNoisePredictor(TextUNet network, TextEncoder? encoder = null, NoiseSchedule? schedule = null)
    {
        Network = network;
        _ownsEncoder = encoder is null;
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
        if (t < 0 || t >= Schedule.Steps)
            throw new ArgumentOutOfRangeException(nameof(t), t, $"t must be a schedule index from 0 to {Schedule.Steps - 1}.");
        Shapes.CheckBatch(this, xt, nameof(xt));
        int n = (int)xt.shape[0];
        using var scope = NewDisposeScope();
        var text = EmbeddingsFor(conditioning, n);
        return new NoisePrediction(Forward(xt, t, text).MoveToOuterDisposeScope());
    }

    /// <summary>Both conditionings in one forward pass of 2N (GroupNorm keeps samples independent): cheaper guidance.</summary>
    public (NoisePrediction First, NoisePrediction Second) PredictPair(Tensor xt, int t, Conditioning first, Conditioning second)
    {
        if (t < 0 || t >= Schedule.Steps)
            throw new ArgumentOutOfRangeException(nameof(t), t, $"t must be a schedule index from 0 to {Schedule.Steps - 1}.");
        Shapes.CheckBatch(this, xt, nameof(xt));
        int n = (int)xt.shape[0];
        using var scope = NewDisposeScope();
        var both = Forward(cat([xt, xt], 0), t, cat([EmbeddingsFor(first, n), EmbeddingsFor(second, n)], 0));
        return (new NoisePrediction(both.narrow(0, 0, n).MoveToOuterDisposeScope()),
                new NoisePrediction(both.narrow(0, n, n).MoveToOuterDisposeScope()));
    }

    /// <summary>The network in eval mode without gradients: x_t (N x 3 x 32 x 32), one t for all, N x 384 embeddings.</summary>
    public Tensor Forward(Tensor xt, int t, Tensor text)
    {
        using var _ = no_grad();
        Network.eval();
        using var time = full(xt.shape[0], (long)t, dtype: ScalarType.Int64);
        return Network.call(xt, time, text);
    }

    public void Dispose()
    {
        Network.Dispose();
        foreach (var v in _cache.Values) v.Dispose();
        _null?.Dispose();
        if (_ownsEncoder) Encoder.Dispose();
    }
}

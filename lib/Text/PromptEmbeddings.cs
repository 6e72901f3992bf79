using System.Text;
using Diffusion.Training;

namespace Diffusion.Text;

/// <summary>
/// A table of precomputed prompt embeddings (the course ships its prompts' T5 embeddings the same way), so the
/// text-to-image model runs where the encoder cannot load. Keys are prompts as <see cref="Key"/> normalises them
/// (trimmed, lower case, single spaces: the MiniLM tokenizer is uncased, so that loses nothing).
/// File: "DIFFKIT-PROMPTS-1", encoder name, dimension, count, then each prompt and its vector in half precision.
/// </summary>
public sealed class PromptEmbeddings
{
    const string Magic = "DIFFKIT-PROMPTS-1";
    readonly Dictionary<string, float[]> _vectors = new(StringComparer.Ordinal);
    readonly List<string> _order = [];

    public string Encoder { get; }
    public int Dimension { get; }
    public int Count => _order.Count;
    /// <summary>The prompts in the table, in the order they were added.</summary>
    public IReadOnlyList<string> Prompts => _order;

    public PromptEmbeddings(string encoder, int dimension)
    {
        if (dimension < 1) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "an embedding needs at least one dimension.");
        Encoder = encoder;
        Dimension = dimension;
    }

    /// <summary>The form prompts are looked up by: trimmed, lower case, runs of white space as one space.</summary>
    public static string Key(string prompt) =>
        string.Join(' ', prompt.Trim().ToLowerInvariant().Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    public void Add(string prompt, float[] vector)
    {
        if (vector.Length != Dimension)
            throw new ArgumentException($"an embedding for this table must have {Dimension} values, got {vector.Length} for \"{prompt}\".", nameof(vector));
        var key = Key(prompt);
        if (!_vectors.ContainsKey(key)) _order.Add(key);
        _vectors[key] = (float[])vector.Clone();
    }

    public bool Contains(string prompt) => _vectors.ContainsKey(Key(prompt));

    public float[]? Find(string prompt) => _vectors.TryGetValue(Key(prompt), out var v) ? v : null;

    public void Save(string path) => AtomicFile.Write(path, stream =>
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(Encoder);
        w.Write(Dimension);
        w.Write(_order.Count);
        foreach (var key in _order)
        {
            w.Write(key);
            foreach (var v in _vectors[key]) w.Write((Half)v);
        }
    });

    public static PromptEmbeddings Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"No prompt embeddings at {path}. Make them with: dotnet run --project tools/Diffusion.Kit -- emoji", path);
        try
        {
            using var r = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (r.ReadString() != Magic) throw new InvalidDataException($"{path} is not a prompt embedding table (bad magic).");
            var table = new PromptEmbeddings(r.ReadString(), r.ReadInt32());
            int count = r.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                var key = r.ReadString();
                var v = new float[table.Dimension];
                for (int k = 0; k < v.Length; k++) v[k] = (float)r.ReadHalf();
                table._vectors[key] = v;
                table._order.Add(key);
            }
            return table;
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path} ends early: the prompt embedding table is truncated. Re-create it with the emoji verb.");
        }
    }
}

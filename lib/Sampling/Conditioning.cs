using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>What a conditioning carries; a model lists the kinds it accepts in <see cref="INoisePredictor.Accepts"/>.</summary>
[Flags]
public enum ConditioningKinds
{
    None = 0,
    /// <summary>The null / unconditional one: the "" prompt of a text model, the zeroed class of a class model.</summary>
    Null = 1,
    /// <summary>A text prompt and (usually) its embedding.</summary>
    Prompt = 2,
    /// <summary>Class labels (the MNIST digit models: 0-9).</summary>
    Class = 4,
}

/// <summary>
/// What a noise predictor is conditioned on: nothing (<see cref="Null"/>), a prompt (text plus its embedding,
/// 1 x E for the whole batch or N x E), or class labels (one for the whole batch or one per sample).
/// The conditioning does not own the embedding tensor: whoever made it disposes it.
/// </summary>
public sealed class Conditioning
{
    public ConditioningKinds Kind { get; }
    /// <summary>The prompt's text ("" for <see cref="Null"/>); null for class labels.</summary>
    public string? Text { get; }
    /// <summary>The prompt's embedding (1 x E or N x E), or null when the model looks the text up itself.</summary>
    public Tensor? Embedding { get; }
    /// <summary>Class labels: one for the whole batch or one per sample.</summary>
    public IReadOnlyList<int>? Labels { get; }

    Conditioning(ConditioningKinds kind, string? text, Tensor? embedding, IReadOnlyList<int>? labels)
    {
        Kind = kind; Text = text; Embedding = embedding; Labels = labels;
    }

    /// <summary>The unconditional estimate: "" prompt for text models, zeroed class for class models.</summary>
    public static Conditioning Null { get; } = new(ConditioningKinds.Null, "", null, null);

    /// <summary>A prompt with its embedding (1 x E for the whole batch, or N x E); without one the model must know the text.</summary>
    public static Conditioning Prompt(string text, Tensor? embedding = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (embedding is not null && embedding.dim() != 2)
            throw new ArgumentException($"a prompt embedding must be 1 x E or N x E, got {Shapes.Format(embedding.shape)}.", nameof(embedding));
        return new(ConditioningKinds.Prompt, text, embedding, null);
    }

    /// <summary>One class label for every sample of the batch.</summary>
    public static Conditioning Class(int label) => Classes(label);

    /// <summary>Class labels: one for the whole batch or one per sample.</summary>
    public static Conditioning Classes(params int[] labels)
    {
        if (labels is null || labels.Length == 0)
            throw new ArgumentException("class labels must hold one label for the batch or one per sample, got none.", nameof(labels));
        return new(ConditioningKinds.Class, null, null, (int[])labels.Clone());
    }

    /// <summary>The labels for a batch of <paramref name="batch"/> samples (one label repeated, or one per sample).</summary>
    public int[] LabelsFor(int batch)
    {
        if (Labels is null) throw new InvalidOperationException($"a {Kind} conditioning has no class labels.");
        if (Labels.Count == 1) return Enumerable.Repeat(Labels[0], batch).ToArray();
        if (Labels.Count != batch)
            throw new ArgumentException($"class labels must be one for the batch or one per sample ({batch}), got {Labels.Count}.", "conditioning");
        return Labels.ToArray();
    }

    /// <summary>The embedding as N x E for a batch of <paramref name="batch"/> samples (a 1 x E embedding is expanded).</summary>
    public Tensor EmbeddingFor(int batch)
    {
        if (Embedding is null) throw new InvalidOperationException($"the {Kind} conditioning \"{Text}\" carries no embedding.");
        long n = Embedding.shape[0];
        if (n == batch) return Embedding.alias();
        if (n == 1) return Embedding.expand(batch, Embedding.shape[1]);
        throw new ArgumentException($"a prompt embedding must be 1 x E or {batch} x E for this batch, got {Shapes.Format(Embedding.shape)}.", "conditioning");
    }

    public override string ToString() => Kind switch
    {
        ConditioningKinds.Null => "null (unconditional)",
        ConditioningKinds.Prompt => $"prompt \"{Text}\"",
        ConditioningKinds.Class => $"class {string.Join(",", Labels!)}",
        _ => Kind.ToString(),
    };
}

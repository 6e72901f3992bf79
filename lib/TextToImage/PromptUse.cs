using Diffusion.Data;
using Diffusion.Schedules;
using static TorchSharp.torch;

namespace Diffusion.TextToImage;

/// <summary>At one t: the mean squared error of the model's x0 estimate given the right caption, another concept's, and "".</summary>
public sealed record PromptUseRow(int T, double Right, double Wrong, double Empty)
{
    /// <summary>How much of the wrong caption's error the right one removes (0: the prompt is not used).</summary>
    public double Gain => Wrong > 0 ? 1 - Right / Wrong : 0;
}

/// <summary>
/// How much a text-to-image model uses its prompt, without sampling: training pictures noised to x_t, denoised in one
/// step with the right caption, another concept's caption and "", the error of each x0 estimate (clipped to [-1, 1], as
/// a sampler would) against the picture. A model that ignores the prompt scores the three alike at every t; one that
/// knows its concepts gains most at high t, where the picture is nearly all noise and the prompt is all it has. It
/// takes seconds, so it can watch a run between sittings long before samples show concepts (docs/measurements.md).
/// </summary>
public static class PromptUse
{
    public static readonly int[] DefaultTimes = [500, 700, 850, 950, 990];

    /// <summary>
    /// <paramref name="noise"/>(x_t, t, text embeddings) is the model's noise estimate; <paramref name="embedding"/> gives a
    /// caption's 1 x D embedding, <paramref name="nullEmbedding"/> is the 1 x D one of "". One training picture each of
    /// <paramref name="concepts"/> concepts (drawn with <paramref name="seed"/>), its first caption as the right one, the
    /// next drawn concept's first caption as the wrong one.
    /// </summary>
    public static IReadOnlyList<PromptUseRow> Measure(Func<Tensor, int, Tensor, Tensor> noise, NoiseSchedule schedule, EmojiSet set,
        Func<string, Tensor> embedding, Tensor nullEmbedding, int concepts = 48, IReadOnlyList<int>? times = null, long seed = 1)
    {
        if (concepts < 2 || concepts > set.Concepts.Count)
            throw new ArgumentOutOfRangeException(nameof(concepts), concepts, $"need 2 to {set.Concepts.Count} concepts (a wrong caption is another concept's).");
        times ??= DefaultTimes;
        foreach (var t in times) schedule.CheckIndex(t, nameof(times));
        var random = new Random((int)seed);
        var chosen = Enumerable.Range(0, set.Concepts.Count).Where(c => set.TrainingPicturesOf(c).Length > 0)
            .OrderBy(_ => random.Next()).Take(concepts).ToArray();
        if (chosen.Length < 2) throw new ArgumentException("the set has fewer than two concepts with training pictures.", nameof(set));
        var pictures = chosen.Select(c => { var p = set.TrainingPicturesOf(c); return (long)p[random.Next(p.Length)]; }).ToArray();
        int n = chosen.Length;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x0 = set.Images.index_select(0, tensor(pictures));
        var right = cat(chosen.Select(c => embedding(set.Concepts[c].Captions[0])).ToArray(), 0);
        var wrong = cat(chosen.Select((_, i) => embedding(set.Concepts[chosen[(i + 1) % n]].Captions[0])).ToArray(), 0);
        var empty = nullEmbedding.expand(n, -1);
        var generator = new Generator((ulong)seed);
        var rows = new List<PromptUseRow>();
        foreach (int t in times)
        {
            using var step = NewDisposeScope();
            double alphaBar = schedule.AlphaBar(t);
            var eps = randn(x0.shape, generator: generator);
            var xt = Math.Sqrt(alphaBar) * x0 + Math.Sqrt(1 - alphaBar) * eps;                     // A.2
            double Error(Tensor text)
            {
                var x0Hat = (xt - Math.Sqrt(1 - alphaBar) * noise(xt, t, text)) / Math.Sqrt(alphaBar);   // 1.3's one-step estimate
                return (x0Hat.clamp(-1, 1) - x0).square().mean().item<float>();
            }
            rows.Add(new PromptUseRow(t, Error(right), Error(wrong), Error(empty)));
        }
        return rows;
    }

    /// <summary>The same for a text-to-image model of the kit (either size): its noise output and its prompt encoder.</summary>
    public static IReadOnlyList<PromptUseRow> Measure(TextNoisePredictor model, EmojiSet set, int concepts = 48, IReadOnlyList<int>? times = null, long seed = 1) =>
        Measure((xt, t, text) => model.Forward(xt, t, text).narrow(1, 0, 3), model.Schedule, set, model.Embedding, model.NullEmbedding, concepts, times, seed);
}

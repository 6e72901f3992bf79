using Diffusion.Data;
using Diffusion.Imaging;
using static TorchSharp.torch;

namespace Diffusion.TextToImage;

/// <summary>One concept's result: its prompt, and for each sample the nearest training picture's concept and the rank of the prompted one.</summary>
public sealed record ConceptAdherence(int Concept, string Key, string Prompt, int[] NearestConcepts, int[] Ranks)
{
    public int Hits => Ranks.Count(r => r == 1);
    public int Top5 => Ranks.Count(r => r <= 5);
}

/// <summary>The whole evaluation: hit rates over every sample of every concept evaluated.</summary>
public sealed record AdherenceReport(IReadOnlyList<ConceptAdherence> Concepts, int SamplesPerConcept, double Guidance, int Steps, long Seed, double Seconds)
{
    public int Samples => Concepts.Sum(c => c.Ranks.Length);
    public double HitRate => Samples == 0 ? 0 : Concepts.Sum(c => c.Hits) / (double)Samples;
    public double Top5Rate => Samples == 0 ? 0 : Concepts.Sum(c => c.Top5) / (double)Samples;
    /// <summary>Chance level of the hit rate: one concept in all.</summary>
    public double Chance(int concepts) => 1.0 / concepts;
}

/// <summary>
/// Prompt adherence of the text-to-image model, measured against its own training pictures: for every concept,
/// sample with its main name as the prompt ("a rocket"; guidance 7, 34 strided steps by default), find each sample's
/// nearest training picture by L2 distance in pixel space (32 x 32 x 3, values in [-1, 1], the unaugmented set) and
/// count a hit when that picture's concept is the prompted one. Top-5: the prompted concept is among the five concepts
/// whose closest picture is nearest. Pixel L2 is crude (a rocket drawn 3 px to the left can be nearer a different
/// emoji), so it underestimates what a person would call right, never overestimates by much.
/// </summary>
public static class PromptAdherence
{
    /// <summary>Evaluates <paramref name="concepts"/> (default all). <paramref name="onConcept"/> sees each result as it comes.</summary>
    public static (AdherenceReport Report, Tensor Samples) Evaluate(TextNoisePredictor model, EmojiSet set, int samplesPerConcept = 4,
        double guidance = 7, int steps = 34, long seed = 0, IReadOnlyList<int>? concepts = null, Action<ConceptAdherence>? onConcept = null,
        CancellationToken cancel = default)
    {
        if (samplesPerConcept < 1) throw new ArgumentOutOfRangeException(nameof(samplesPerConcept), samplesPerConcept, "at least one sample per concept.");
        var which = concepts ?? Enumerable.Range(0, set.Concepts.Count).ToList();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var results = new List<ConceptAdherence>();
        var all = new List<Tensor>();
        using var flatSet = set.Images.reshape(set.Count, -1);
        using var labels = tensor(set.Labels);
        foreach (int c in which)
        {
            cancel.ThrowIfCancellationRequested();
            var concept = set.Concepts[c];
            using var result = TextToImageSampling.Sample(model, concept.Names[0], samplesPerConcept, guidance, steps, seed + c);
            var samples = result.Image.clamp(-1, 1);
            var (nearest, ranks) = Rank(samples, flatSet, set.Labels, set.Concepts.Count, c);
            var r = new ConceptAdherence(c, concept.Key, concept.Names[0], nearest, ranks);
            results.Add(r);
            onConcept?.Invoke(r);
            all.Add(samples);
        }
        var stacked = cat(all, 0);
        foreach (var t in all) t.Dispose();
        return (new AdherenceReport(results, samplesPerConcept, guidance, steps, seed, clock.Elapsed.TotalSeconds), stacked);
    }

    /// <summary>
    /// For each sample (N x 3 x 32 x 32): the concept of its nearest training picture, and the rank (1 = nearest) of
    /// concept <paramref name="target"/> when concepts are ordered by their closest picture.
    /// </summary>
    public static (int[] Nearest, int[] Ranks) Rank(Tensor samples, Tensor flatSet, long[] labels, int conceptCount, int target)
    {
        using var scope = NewDisposeScope();
        long n = samples.shape[0];
        var d = cdist(samples.reshape(n, -1).to(ScalarType.Float32), flatSet);     // N x pictures
        var dist = d.data<float>().ToArray();
        int pictures = (int)flatSet.shape[0];
        var nearest = new int[n];
        var ranks = new int[n];
        for (int i = 0; i < n; i++)
        {
            var best = Enumerable.Repeat(float.PositiveInfinity, conceptCount).ToArray();
            for (int p = 0; p < pictures; p++)
                best[labels[p]] = Math.Min(best[labels[p]], dist[i * pictures + p]);
            nearest[i] = Array.IndexOf(best, best.Min());
            ranks[i] = 1 + best.Count(v => v < best[target]);
        }
        return (nearest, ranks);
    }

    /// <summary>
    /// The contact sheet: for each concept a training picture (captioned with its key) and the samples (captioned
    /// "hit" or the nearest picture's concept), <paramref name="blocks"/> concepts a row, enlarged 2x.
    /// </summary>
    public static Picture ContactSheet(AdherenceReport report, EmojiSet set, Tensor samples, int blocks = 3)
    {
        var tiles = new List<Tensor>();
        var captions = new List<string>();
        int k = report.SamplesPerConcept, i = 0;
        try
        {
            foreach (var c in report.Concepts)
            {
                tiles.Add(set.Images[set.PicturesOf(c.Concept)[0]]);
                captions.Add(c.Key);
                for (int s = 0; s < k; s++, i++)
                {
                    tiles.Add(samples[i]);
                    captions.Add(c.NearestConcepts[s] == c.Concept ? "hit" : "~" + set.Concepts[c.NearestConcepts[s]].Key);
                }
            }
            string title = FormattableString.Invariant(
                $"prompt adherence: hit {report.HitRate:P0}, top-5 {report.Top5Rate:P0} ({report.Samples} samples, guidance {report.Guidance}, {report.Steps} steps)");
            return ImageGrid.Make(tiles, ValueRange.MinusOneOne, columns: blocks * (k + 1), captions: captions, title: title, scale: 2);
        }
        finally { foreach (var t in tiles) t.Dispose(); }
    }
}

using Diffusion.Schedules;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Diffusion.TextToImage;

/// <summary>
/// The text-to-image training loss (DDPM noise prediction, B.1 with IF's cosine T = 1000 schedule):
/// <list type="number">
/// <item>augment: each picture shifted by up to <see cref="MaxShift"/> pixels and scaled by 1 +- <see cref="MaxScale"/>
///   (bilinear, white fill; never flipped, so an upside-down rocket stays something the model has not seen);</item>
/// <item>caption: a random caption of the picture's concept, replaced by the generic prompt "a high quality photo"
///   with probability <see cref="GenericProbability"/> and by "" (prompt dropout, the unconditional estimate) with
///   probability <see cref="NullProbability"/>;</item>
/// <item>t ~ U{0..T-1}, eps ~ N(0, I), x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps (A.2);
///   loss = ||eps_theta(x_t, t, e(caption)) - eps||^2.</item>
/// </list>
/// Labels are concept indices; the constructor's captionEmbeddings hold every concept's caption embeddings.
/// </summary>
public sealed class TextToImageObjective : ITrainingObjective<TextUNet>
{
    readonly Tensor _alphaBars, _captions, _starts, _counts, _null, _generic;

    public NoiseSchedule Schedule { get; }
    public double NullProbability { get; }
    public double GenericProbability { get; }
    public double MaxShift { get; }
    public double MaxScale { get; }
    public int Concepts { get; }

    /// <summary>Every caption's embedding, concept after concept (what the model's text standardisation is fitted to).</summary>
    public Tensor AllCaptionEmbeddings => _captions;

    /// <param name="schedule">the noise schedule t is drawn from</param>
    /// <param name="captionEmbeddings">for each concept, the embeddings of its captions (each 384 values)</param>
    /// <param name="nullEmbedding">the embedding of "" (prompt dropout)</param>
    /// <param name="genericEmbedding">the embedding of "a high quality photo"</param>
    /// <param name="nullProbability">how often the caption is replaced by "" (<see cref="NullProbability"/>)</param>
    /// <param name="genericProbability">how often by "a high quality photo" (<see cref="GenericProbability"/>)</param>
    /// <param name="maxShift">the largest training-time shift, in pixels (<see cref="MaxShift"/>)</param>
    /// <param name="maxScale">the largest training-time scale change, 1 +- maxScale (<see cref="MaxScale"/>)</param>
    public TextToImageObjective(NoiseSchedule schedule, IReadOnlyList<IReadOnlyList<float[]>> captionEmbeddings,
        float[] nullEmbedding, float[] genericEmbedding,
        double nullProbability = 0.1, double genericProbability = 0.05, double maxShift = 2, double maxScale = 0.1)
    {
        if (!(nullProbability >= 0 && genericProbability >= 0 && nullProbability + genericProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(nullProbability), "prompt dropout and generic-prompt probabilities must be >= 0 and add up to at most 1.");
        if (!(maxShift >= 0) || !(maxScale >= 0 && maxScale < 0.5))
            throw new ArgumentOutOfRangeException(nameof(maxShift), "augmentation: shift must be >= 0 pixels and scale in [0, 0.5).");
        if (captionEmbeddings.Count == 0 || captionEmbeddings.Any(c => c.Count == 0))
            throw new ArgumentException("every concept needs at least one caption embedding.", nameof(captionEmbeddings));
        Schedule = schedule;
        NullProbability = nullProbability;
        GenericProbability = genericProbability;
        MaxShift = maxShift;
        MaxScale = maxScale;
        Concepts = captionEmbeddings.Count;
        _alphaBars = tensor(Enumerable.Range(0, schedule.Steps).Select(i => (float)schedule.AlphaBar(i)).ToArray());
        var flat = captionEmbeddings.SelectMany(c => c).ToList();
        _captions = stack(flat.Select(v => tensor(v)).ToArray());
        var counts = captionEmbeddings.Select(c => (long)c.Count).ToArray();
        var starts = new long[counts.Length];
        for (int i = 1; i < counts.Length; i++) starts[i] = starts[i - 1] + counts[i - 1];
        _starts = tensor(starts);
        _counts = tensor(counts);
        _null = tensor(nullEmbedding).unsqueeze(0).clone();   // tensor(float[]) shares the array: copy before viewing
        _generic = tensor(genericEmbedding).unsqueeze(0).clone();
        foreach (var t in new[] { _alphaBars, _captions, _starts, _counts, _null, _generic }) t.DetachFromDisposeScope();
    }

    public string Name => FormattableString.Invariant(
        $"DDPM noise prediction, text-conditioned (T {Schedule.Steps} {Schedule.Name}, p_null {NullProbability}, p_generic {GenericProbability}, shift {MaxShift} px, scale {MaxScale})");

    public Tensor Loss(TextUNet model, Tensor images, Tensor labels, Generator generator)
    {
        long n = images.shape[0];
        var x0 = Augment(images, generator);
        var text = Captions(labels, generator);
        var t = randint(0, Schedule.Steps, [n], dtype: ScalarType.Int64, generator: generator);
        var abar = _alphaBars.index_select(0, t).view(n, 1, 1, 1);
        var eps = randn(x0.shape, generator: generator);
        var xt = abar.sqrt() * x0 + (1 - abar).sqrt() * eps;                         // A.2
        return mse_loss(model.call(xt, t, text), eps);
    }

    /// <summary>A random caption embedding of each label's concept, with the generic and the null prompt mixed in.</summary>
    public Tensor Captions(Tensor labels, Generator generator)
    {
        long n = labels.shape[0];
        if (labels.max().item<long>() >= Concepts || labels.min().item<long>() < 0)
            throw new ArgumentException($"labels must be concept indices 0..{Concepts - 1}.", nameof(labels));
        var counts = _counts.index_select(0, labels);
        var within = minimum((rand([n], generator: generator) * counts).floor().to(ScalarType.Int64), counts - 1);
        var pick = _starts.index_select(0, labels) + within;
        var text = _captions.index_select(0, pick);
        var u = rand([n, 1], generator: generator);
        text = where(u < NullProbability, _null.expand(n, -1), text);
        text = where(u >= NullProbability & u < NullProbability + GenericProbability, _generic.expand(n, -1), text);
        return text;
    }

    /// <summary>Random shift (pixels) and scale about the centre, bilinear, filled with white (1 in [-1, 1]).</summary>
    public Tensor Augment(Tensor images, Generator generator) => ShiftAndScale(images, MaxShift, MaxScale, generator);

    /// <summary>Each picture shifted by up to <paramref name="maxShift"/> pixels and scaled by 1 +- <paramref name="maxScale"/>, white fill.</summary>
    public static Tensor ShiftAndScale(Tensor images, double maxShift, double maxScale, Generator generator)
    {
        long n = images.shape[0];
        double size = images.shape[3];
        var scale = 1 + (rand([n], generator: generator) * 2 - 1) * maxScale;
        var shift = (rand([n, 2], generator: generator) * 2 - 1) * (maxShift * 2 / size);   // pixels -> [-1, 1] units
        // The grid maps output coordinates to input ones: input = output / scale - shift.
        var inv = 1 / scale;
        var zero = zeros(n);
        var theta = stack([inv, zero, -shift[.., 0], zero, inv, -shift[.., 1]], 1).view(n, 2, 3);
        var grid = affine_grid(theta, [n, images.shape[1], images.shape[2], images.shape[3]], align_corners: false);
        return grid_sample(images - 1, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false) + 1;
    }
}

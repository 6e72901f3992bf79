using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// Editing a real image with a diffusion model (1.7): SDEdit, inpainting, text-conditional image-to-image.
/// Each takes any estimator (plain, guided, anagram, hybrid), so guidance composes with every edit.
/// </summary>
public static class Editing
{
    /// <summary>
    /// SDEdit (1.7; <see href="https://arxiv.org/abs/2108.01073">Meng et al. 2022</see>): noise <paramref name="image"/>
    /// (C x H x W or N x C x H x W) to t = timesteps[iStart] with A.2,
    /// then denoise it iteratively from iStart. Small iStart: much noise, a new image; large iStart: close to the original.
    /// </summary>
    public static SamplingResult SdEdit(INoiseEstimator estimator, Tensor image, int iStart, Generator generator,
        IReadOnlyList<int>? timesteps = null, SamplerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(generator);
        var model = estimator.Model;
        var ts = Sampler.ResolveTimesteps(model.Schedule, timesteps);
        Sampler.CheckStart(ts, iStart);
        using var scope = NewDisposeScope();
        var x0 = Shapes.AsBatch(model, image, nameof(image));
        var xt = Ddpm.Forward(model.Schedule, x0, ts[iStart], generator);                          // A.2
        var result = Sampler.IterativeDenoise(estimator, xt, iStart, generator, ts, options);
        return Keep(result);
    }

    /// <summary>SDEdit at every i_start of <paramref name="iStarts"/> (1.7: 1, 3, 5, 7, 10, 20), one result each, in order.</summary>
    public static IReadOnlyList<SamplingResult> SdEdit(INoiseEstimator estimator, Tensor image, IEnumerable<int> iStarts, Generator generator,
        IReadOnlyList<int>? timesteps = null, SamplerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(iStarts);
        var starts = iStarts.ToArray();
        if (starts.Length == 0) throw new ArgumentException("iStarts must hold at least one i_start, got none.", nameof(iStarts));
        var ts = Sampler.ResolveTimesteps(estimator.Model.Schedule, timesteps);
        foreach (var s in starts) Sampler.CheckStart(ts, s, nameof(iStarts));
        return starts.Select(s => SdEdit(estimator, image, s, generator, ts, options)).ToList();
    }

    /// <summary>
    /// Text-conditional image-to-image (1.7.3): SDEdit guided towards <paramref name="prompt"/> with CFG scale
    /// <paramref name="gamma"/> (the course uses 7).
    /// </summary>
    public static IReadOnlyList<SamplingResult> ImageToImage(INoisePredictor model, Tensor image, Conditioning prompt, double gamma,
        IEnumerable<int> iStarts, Generator generator, IReadOnlyList<int>? timesteps = null, SamplerOptions? options = null) =>
        SdEdit(model.Guided(prompt, gamma), image, iStarts, generator, timesteps, options);

    /// <summary>
    /// Inpainting (1.7.2; <see href="https://arxiv.org/abs/2201.09865">Lugmayr et al. 2022, RePaint</see>, without its
    /// resampling): start from the image noised to timesteps[iStart] (i_start 0: practically pure noise),
    /// after every step set x_t' = m x_t' + (1 - m) forward(x_orig, t') (A.5) with fresh noise, where
    /// <paramref name="mask"/> m is 1 where new content goes and 0 where the original stays; at the end the
    /// pixels outside the mask are the original's exactly. The mask is H x W, 1 x H x W, C x H x W or N x C x H x W
    /// (anything that broadcasts to the image), with values in [0, 1].
    /// </summary>
    public static SamplingResult Inpaint(INoiseEstimator estimator, Tensor image, Tensor mask, Generator generator,
        int iStart = 0, IReadOnlyList<int>? timesteps = null, SamplerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(generator);
        var model = estimator.Model;
        var schedule = model.Schedule;
        var ts = Sampler.ResolveTimesteps(schedule, timesteps);
        Sampler.CheckStart(ts, iStart);
        using var scope = NewDisposeScope();
        var x0 = Shapes.AsBatch(model, image, nameof(image));
        var m = CheckMask(mask, image, x0).to(x0.dtype).to(x0.device);

        Tensor Constrain(Tensor x, int t) => t < 0                                                   // A.5
            ? m * x + (1 - m) * x0
            : m * x + (1 - m) * Ddpm.Forward(schedule, x0, t, generator);

        var xt = Ddpm.Forward(schedule, x0, ts[iStart], generator);
        var result = Sampler.Run(estimator, xt, iStart, generator, ts, options, Constrain);
        var final = m * result.Image + (1 - m) * x0;      // the end: unmasked pixels are the original
        var kept = new SamplingResult(final, result.Snapshots);
        result.Image.Dispose();
        return Keep(kept);
    }

    static Tensor CheckMask(Tensor mask, Tensor image, Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(mask);
        long h = batch.shape[2], w = batch.shape[3];
        var ms = mask.shape;
        bool fits = ms.Length >= 2 && ms.Length <= 4 && ms[^2] == h && ms[^1] == w;
        if (fits)
        {
            // every leading dimension must be 1 or match the batch (right-aligned against N x C x H x W)
            for (int k = 3; k <= ms.Length; k++)
            {
                long size = ms[^k], want = batch.shape[^k];
                if (size != 1 && size != want) fits = false;
            }
        }
        if (!fits)
        {
            string like = image.dim() == 3 ? $"1x{h}x{w}" : $"Nx1x{h}x{w}";
            throw new ArgumentException(
                $"mask must be {like} like the image (or broadcast to its {Shapes.Format(image.shape)}), got {Shapes.Format(ms)}.", nameof(mask));
        }
        using (var below = (mask < 0).any())
        using (var above = (mask > 1).any())
            if (below.item<bool>() || above.item<bool>())
                throw new ArgumentException("mask values must lie in [0, 1] (1 where new content goes, 0 where the original stays).", nameof(mask));
        return mask.dim() == 2 ? mask.view(1, 1, h, w) : mask;
    }

    static SamplingResult Keep(SamplingResult r)
    {
        r.Image.MoveToOuterDisposeScope();
        foreach (var s in r.Snapshots) s.Image.MoveToOuterDisposeScope();
        return r;
    }
}

using static TorchSharp.torch;

namespace Diffusion.TextToImage;

/// <summary>
/// How different the samples of one prompt are from each other (issue 18's diversity bar): the mean pairwise pixel
/// distance of the samples, compared with the same measure over the concept's training pictures, and whether the
/// samples are all one picture moved by at most a pixel (a model that memorised one drawing).
/// Distances are root-mean-square differences per pixel and channel, in the images' own value range.
/// </summary>
public static class SampleDiversity
{
    /// <summary>Two images closer than this (RMS, in [-1, 1] units: 2% of the range) after the best one-pixel shift are "the same picture".</summary>
    public const double SameShiftedPicture = 0.04;

    /// <summary>Mean RMS distance over every pair of <paramref name="images"/> (N x C x H x W, N at least 2).</summary>
    public static double MeanPairwiseDistance(Tensor images)
    {
        CheckBatch(images);
        using var scope = NewDisposeScope();
        long n = images.shape[0];
        var flat = images.reshape(n, -1).to(ScalarType.Float64);
        var d = cdist(flat, flat) / Math.Sqrt(flat.shape[1]);
        return d.sum().item<double>() / (n * (n - 1));
    }

    /// <summary>
    /// The RMS distance between <paramref name="a"/> and <paramref name="b"/> (C x H x W) after the best shift of b by at
    /// most one pixel in each direction, over the interior both cover.
    /// </summary>
    public static double ShiftedDistance(Tensor a, Tensor b)
    {
        if (a.ndim != 3 || !a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"a and b must be two C x H x W images of one size, got [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].", nameof(b));
        using var scope = NewDisposeScope();
        long h = a.shape[1], w = a.shape[2];
        var interior = a.to(ScalarType.Float64).narrow(1, 1, h - 2).narrow(2, 1, w - 2);
        double best = double.PositiveInfinity;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
            {
                var moved = b.to(ScalarType.Float64).narrow(1, 1 + dy, h - 2).narrow(2, 1 + dx, w - 2);
                best = Math.Min(best, (interior - moved).pow(2).mean().sqrt().item<double>());
            }
        return best;
    }

    /// <summary>True when every pair of <paramref name="images"/> is the same picture up to a one-pixel shift.</summary>
    public static bool AllOnePicture(Tensor images)
    {
        CheckBatch(images);
        long n = images.shape[0];
        for (long i = 0; i < n; i++)
            for (long j = i + 1; j < n; j++)
                if (ShiftedDistance(images[i], images[j]) >= SameShiftedPicture) return false;
        return true;
    }

    static void CheckBatch(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.ndim != 4 || images.shape[0] < 2)
            throw new ArgumentException($"images must be N x C x H x W with at least 2 images, got [{string.Join(", ", images.shape)}].", nameof(images));
    }
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Diffusion.Kit.Grading.Similarity;

/// <summary>
/// A 64-bit difference hash (dHash): the picture shrunk to 9x8 grey pixels, one bit per pair of neighbours saying
/// whether brightness rises to the right. Re-encoding, rescaling and small noise leave it nearly unchanged, so two
/// figures whose hashes differ in a few bits (<see cref="Distance"/>) are near-identical pictures.
/// </summary>
public static class PerceptualHash
{
    public static ulong Of(Image<Rgba32> image)
    {
        using var small = image.Clone(c => c.Resize(9, 8).Grayscale());
        ulong hash = 0;
        int bit = 0;
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 8; x++, bit++)
                if (small[x + 1, y].R > small[x, y].R) hash |= 1UL << bit;
        return hash;
    }

    public static int Distance(ulong a, ulong b) => System.Numerics.BitOperations.PopCount(a ^ b);
}

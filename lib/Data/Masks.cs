using Diffusion.Imaging;

namespace Diffusion.Data;

/// <summary>
/// Inpainting masks (course section 1.7.2): 8-bit grayscale PNGs, white (1) = the region to regenerate,
/// black (0) = keep. Each has the size of the image it belongs to, so the same resize and crop apply to both.
/// </summary>
public static class Masks
{
    /// <summary>A white rectangle given as fractions of the width and height, on black.</summary>
    public static Picture Rectangle(int width, int height, double left, double top, double right, double bottom)
    {
        var s = new Sketch(width, height, Sketch.Rgb(0x000000));
        s.Rectangle(left * width, top * height, right * width, bottom * height, Sketch.Rgb(0xFFFFFF));
        return s.ToPicture(grayscale: true);
    }

    /// <summary>A centred white square covering <paramref name="fraction"/> of each side.</summary>
    public static Picture CenterSquare(int size, double fraction = 0.5) =>
        Rectangle(size, size, (1 - fraction) / 2, (1 - fraction) / 2, (1 + fraction) / 2, (1 + fraction) / 2);
}

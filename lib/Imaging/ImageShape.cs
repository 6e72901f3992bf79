using static TorchSharp.torch;

namespace Diffusion.Imaging;

/// <summary>Checks that tensors look like images and says what was expected when they do not.</summary>
public static class ImageShape
{
    /// <summary>
    /// (C, H, W) of a C x H x W or 1 x C x H x W tensor with C = 1 (grayscale) or 3 (RGB);
    /// otherwise an ArgumentException naming <paramref name="argument"/> and the shape found.
    /// </summary>
    public static (int Channels, int Height, int Width) Single(Tensor image, string argument = "image")
    {
        var s = image.shape;
        if (s.Length == 4 && s[0] == 1) s = s[1..];
        if (s.Length != 3 || s[0] is not (1 or 3) || s[1] < 1 || s[2] < 1)
            throw new ArgumentException($"{argument} must be 1xHxW (grayscale) or 3xHxW (RGB), got {Text(image)}.", argument);
        return ((int)s[0], (int)s[1], (int)s[2]);
    }

    /// <summary>(N, C, H, W) of an N x C x H x W batch with C = 1 or 3.</summary>
    public static (int Count, int Channels, int Height, int Width) Batch(Tensor images, string argument = "images")
    {
        var s = images.shape;
        if (s.Length != 4 || s[1] is not (1 or 3) || s[2] < 1 || s[3] < 1)
            throw new ArgumentException($"{argument} must be NxCxHxW with C = 1 or 3, got {Text(images)}.", argument);
        return ((int)s[0], (int)s[1], (int)s[2], (int)s[3]);
    }

    public static string Text(Tensor t) => t.dim() == 0 ? "a scalar" : string.Join("x", t.shape);
}

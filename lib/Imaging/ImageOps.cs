using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Imaging;

/// <summary>Resizing and cropping of image tensors, C x H x W or N x C x H x W, on any device.</summary>
public static class ImageOps
{
    /// <summary>Bilinear resize to <paramref name="height"/> x <paramref name="width"/>, antialiased when shrinking.</summary>
    public static Tensor Resize(Tensor image, int height, int width)
    {
        CheckSize(height, width);
        bool single = image.dim() == 3;
        if (!single) ImageShape.Batch(image, nameof(image)); else ImageShape.Single(image, nameof(image));
        using var scope = torch.NewDisposeScope();
        var batch = single ? image.unsqueeze(0) : image;
        bool shrinking = height < batch.shape[2] || width < batch.shape[3];
        var resized = nn.functional.interpolate(batch, size: new long[] { height, width },
            mode: InterpolationMode.Bilinear, align_corners: false, antialias: shrinking);
        return (single ? resized.squeeze(0) : resized).MoveToOuterDisposeScope();
    }

    /// <summary>The centred <paramref name="height"/> x <paramref name="width"/> window (a view).</summary>
    public static Tensor CenterCrop(Tensor image, int height, int width)
    {
        CheckSize(height, width);
        if (image.dim() == 3) ImageShape.Single(image, nameof(image)); else ImageShape.Batch(image, nameof(image));
        long h = image.shape[^2], w = image.shape[^1];
        if (height > h || width > w)
            throw new ArgumentException($"crop {height}x{width} is larger than the image {h}x{w}.", nameof(image));
        return image.narrow(-2, (h - height) / 2, height).narrow(-1, (w - width) / 2, width);
    }

    /// <summary>Resizes the shorter side to <paramref name="size"/> and crops the centre square.</summary>
    public static Tensor ResizeSquare(Tensor image, int size)
    {
        long h = image.shape[^2], w = image.shape[^1];
        double k = (double)size / Math.Min(h, w);
        int nh = Math.Max(size, (int)Math.Round(h * k)), nw = Math.Max(size, (int)Math.Round(w * k));
        using var scope = torch.NewDisposeScope();
        return CenterCrop(Resize(image, nh, nw), size, size).contiguous().MoveToOuterDisposeScope();
    }

    static void CheckSize(int height, int width)
    {
        if (height < 1 || width < 1) throw new ArgumentOutOfRangeException(nameof(height), $"size must be positive, got {height}x{width}.");
    }
}

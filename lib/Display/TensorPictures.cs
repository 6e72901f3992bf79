using Diffusion.Imaging;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Display;

/// <summary>
/// How a bare tensor is shown as a picture in a notebook: H x W, 1|3 x H x W and N x 1|3 x H x W tensors are images
/// (a batch becomes a grid of at most <see cref="MaxImages"/>). The value range is guessed for display only:
/// any negative value means [-1, 1], otherwise [0, 1] (uint8 tensors are 0-255). Small images are enlarged to about 96 pixels.
/// Code that knows the range should call <see cref="ImageTensor.ToPicture"/> or <see cref="ImageGrid"/> instead.
/// </summary>
public static class TensorPictures
{
    public const int MaxImages = 64;
    const int TargetSide = 96;

    /// <summary>A picture of <paramref name="tensor"/>, or null when it is not shaped like an image or a batch of images.</summary>
    public static Picture? TryMake(Tensor tensor)
    {
        if (tensor.IsInvalid || tensor.numel() == 0 || tensor.is_complex()) return null;
        using var scope = torch.NewDisposeScope();
        var t = tensor.detach();
        var s = t.shape;
        if (s.Length == 2 && s[0] >= 2 && s[1] >= 2) t = t.unsqueeze(0);
        else if (!((s.Length == 3 && s[0] is 1 or 3) || (s.Length == 4 && s[1] is 1 or 3))) return null;

        t = t.dtype == ScalarType.Byte ? t.to(ScalarType.Float32).div(255) : t.to(ScalarType.Float32);
        var range = t.min().item<float>() < 0 ? ValueRange.MinusOneOne : ValueRange.ZeroOne;
        int side = (int)Math.Max(t.shape[^1], t.shape[^2]);
        int scale = Math.Max(1, TargetSide / side);
        if (t.dim() == 3)
        {
            var p = ImageTensor.ToPicture(t, range);
            if (scale == 1) return p;
            using (p) return p.Enlarge(scale);
        }
        long n = t.shape[0];
        var shown = t.narrow(0, 0, Math.Min(n, MaxImages));
        string? title = n > MaxImages ? $"first {MaxImages} of {n}" : null;
        int columns = (int)Math.Min(shown.shape[0], Math.Max(1, 8 * TargetSide / (side * scale)));
        return ImageGrid.Make(shown, range, columns, title: title, scale: scale);
    }
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Imaging;

/// <summary>
/// Image files and pictures to and from float32 tensors C x H x W (C = 1 grayscale, 3 RGB), in the value
/// range the caller names. Saving clamps to the range, so slightly out-of-range model outputs are fine.
/// </summary>
public static class ImageTensor
{
    /// <summary>
    /// Loads an image file (PNG, JPEG, GIF, BMP...) as a CPU float32 tensor 3 x H x W, or 1 x H x W when
    /// <paramref name="grayscale"/>. With <paramref name="size"/>, the shorter side is resized to it and the
    /// centre cropped to size x size (how the course prepares its test image).
    /// </summary>
    public static Tensor Load(string path, ValueRange range = ValueRange.ZeroOne, bool grayscale = false, int? size = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"image file not found: {path}", path);
        if (size is < 1) throw new ArgumentOutOfRangeException(nameof(size), $"size must be at least 1, got {size}.");
        Image<Rgb24> image;
        try { image = SixLabors.ImageSharp.Image.Load<Rgb24>(path); }
        catch (Exception e) when (e is UnknownImageFormatException or InvalidImageContentException)
        {
            throw new InvalidDataException($"{path}: not a readable image ({e.Message}).", e);
        }
        using (image)
        {
            if (size is int s) image.Mutate(c => c.Resize(new ResizeOptions { Size = new SixLabors.ImageSharp.Size(s, s), Mode = ResizeMode.Crop }));
            return FromImage(image, range, grayscale);
        }
    }

    /// <summary>The pixels of <paramref name="image"/> as a tensor (see <see cref="Load"/>); gray = ITU-R BT.601 luma.</summary>
    public static Tensor FromImage(Image<Rgb24> image, ValueRange range = ValueRange.ZeroOne, bool grayscale = false)
    {
        int h = image.Height, w = image.Width;
        var bytes = new byte[h * w * 3];
        image.CopyPixelDataTo(bytes);
        using var scope = torch.NewDisposeScope();
        var hwc = torch.tensor(bytes, new long[] { h, w, 3 }, dtype: ScalarType.Byte);
        var chw = hwc.permute(2, 0, 1).to(ScalarType.Float32).div(255f);
        if (grayscale)
        {
            using var weights = torch.tensor(new float[] { 0.299f, 0.587f, 0.114f }).view(3, 1, 1);
            chw = chw.mul(weights).sum(0, keepdim: true);
        }
        return range.FromZeroOne(chw).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Values in [0, 1] as a picture's bytes: NaN as 0, clamped, rounded to 0-255 (uint8, same shape).</summary>
    public static Tensor ToBytes(Tensor zeroOne) => zeroOne.nan_to_num(0).clamp(0, 1).mul(255).round().to(ScalarType.Byte);

    /// <summary>
    /// A picture of a C x H x W (or 1 x C x H x W) tensor whose values are in <paramref name="range"/>;
    /// values outside are clamped, NaN shows as black. Any device; a uint8 tensor is read as 0-255 bytes.
    /// </summary>
    public static Picture ToPicture(Tensor image, ValueRange range = ValueRange.ZeroOne)
    {
        var (c, h, w) = ImageShape.Single(image, nameof(image));
        var rgb = new byte[h * w * 3];
        using (torch.NewDisposeScope())
        {
            var x = image.detach().cpu().reshape(c, h, w);
            x = image.dtype == ScalarType.Byte ? x.to(ScalarType.Float32).div(255) : range.ToZeroOne(x.to(ScalarType.Float32));
            x = ToBytes(x);
            if (c == 1) x = x.expand(3, h, w);
            x.permute(1, 2, 0).contiguous().data<byte>().CopyTo(rgb, 0);
        }
        return new Picture(SixLabors.ImageSharp.Image.LoadPixelData<Rgb24>(rgb, w, h), grayscale: c == 1);
    }

    /// <summary>Saves a C x H x W tensor as PNG (grayscale PNG for one channel).</summary>
    public static void Save(Tensor image, string path, ValueRange range = ValueRange.ZeroOne)
    {
        using var picture = ToPicture(image, range);
        picture.Save(path);
    }
}

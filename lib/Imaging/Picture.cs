using Diffusion.Display;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Diffusion.Imaging;

/// <summary>
/// A still picture (8-bit RGB, or grayscale when every pixel is gray) that encodes as PNG: what image tensors
/// and grids become for saving and for notebook display.
/// </summary>
public sealed class Picture : IPicture, IDisposable
{
    public Image<Rgb24> Image { get; }
    /// <summary>True when made from a 1-channel tensor: saved as 8-bit grayscale PNG.</summary>
    public bool Grayscale { get; }

    public Picture(Image<Rgb24> image, bool grayscale = false)
    {
        Image = image;
        Grayscale = grayscale;
    }

    public int Width => Image.Width;
    public int Height => Image.Height;
    public string MimeType => "image/png";

    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        Image.SaveAsPng(buffer, new PngEncoder
        {
            ColorType = Grayscale ? PngColorType.Grayscale : PngColorType.Rgb,
            BitDepth = PngBitDepth.Bit8,
        });
        return buffer.ToArray();
    }

    /// <summary>Writes the PNG, creating the folder.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, Encode());
    }

    /// <summary>A copy enlarged by an integer factor with nearest-neighbour (crisp pixels, e.g. for 28x28 digits).</summary>
    public Picture Enlarge(int factor)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), $"factor must be at least 1, got {factor}.");
        var big = Image.Clone(c => c.Resize(Width * factor, Height * factor, KnownResamplers.NearestNeighbor));
        return new Picture(big, Grayscale);
    }

    public void Dispose() => Image.Dispose();

    public override string ToString() => $"Picture {Width}x{Height}{(Grayscale ? " grayscale" : "")}";
}

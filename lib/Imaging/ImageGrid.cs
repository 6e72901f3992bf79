using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Imaging;

/// <summary>
/// Lays images out in rows on a white background, each with an optional caption under it, and an optional
/// title on top. Cells are as large as the largest image; smaller images are centred in their cell.
/// Size: width = columns (cellW + padding) + padding; height = title + rows (cellH + caption + padding) + padding,
/// where caption = 9 captionScale + 2 when any caption is given and title = 9 captionScale + 2 padding
/// (9 = <see cref="BitmapFont.LineHeight"/>).
/// </summary>
public static class ImageGrid
{
    static readonly Rgb24 Background = new(255, 255, 255), Ink = new(0, 0, 0);

    /// <summary>A grid of an N x C x H x W batch; <paramref name="scale"/> enlarges every image (nearest-neighbour).</summary>
    public static Picture Make(Tensor images, ValueRange range = ValueRange.ZeroOne, int? columns = null,
        IReadOnlyList<string>? captions = null, string? title = null, int scale = 1, int padding = 2, int captionScale = 1)
    {
        var (n, _, _, _) = ImageShape.Batch(images, nameof(images));
        var tiles = new List<Tensor>(n);
        for (int i = 0; i < n; i++) tiles.Add(images[i]);
        try { return Make(tiles, range, columns, captions, title, scale, padding, captionScale); }
        finally { foreach (var t in tiles) t.Dispose(); }
    }

    /// <summary>A grid of C x H x W images (they may differ in size and channels).</summary>
    public static Picture Make(IReadOnlyList<Tensor> images, ValueRange range = ValueRange.ZeroOne, int? columns = null,
        IReadOnlyList<string>? captions = null, string? title = null, int scale = 1, int padding = 2, int captionScale = 1)
    {
        var pictures = new List<Picture>(images.Count);
        try
        {
            for (int i = 0; i < images.Count; i++)
            {
                ImageShape.Single(images[i], $"images[{i}]");
                var p = ImageTensor.ToPicture(images[i], range);
                if (scale == 1) pictures.Add(p);
                else { pictures.Add(p.Enlarge(scale)); p.Dispose(); }
            }
            return Compose(pictures, columns, captions, title, padding, captionScale);
        }
        finally { foreach (var p in pictures) p.Dispose(); }
    }

    /// <summary>A grid of pictures (not disposed here).</summary>
    public static Picture Compose(IReadOnlyList<Picture> pictures, int? columns = null, IReadOnlyList<string>? captions = null,
        string? title = null, int padding = 2, int captionScale = 1)
    {
        if (pictures.Count == 0) throw new ArgumentException("a grid needs at least one image.", nameof(pictures));
        if (captions is not null && captions.Count != pictures.Count)
            throw new ArgumentException($"captions must have one entry per image: {captions.Count} captions for {pictures.Count} images.", nameof(captions));
        if (columns is < 1) throw new ArgumentOutOfRangeException(nameof(columns), $"columns must be at least 1, got {columns}.");
        if (padding < 0) throw new ArgumentOutOfRangeException(nameof(padding), $"padding must be 0 or more, got {padding}.");
        if (captionScale < 1) throw new ArgumentOutOfRangeException(nameof(captionScale), $"captionScale must be at least 1, got {captionScale}.");

        int cols = Math.Min(columns ?? (int)Math.Ceiling(Math.Sqrt(pictures.Count)), pictures.Count);
        int rows = (pictures.Count + cols - 1) / cols;
        int cellW = pictures.Max(p => p.Width), cellH = pictures.Max(p => p.Height);
        int textH = BitmapFont.LineHeight * captionScale;
        int captionH = captions is null ? 0 : textH + 2;
        int titleH = title is null ? 0 : textH + 2 * padding;
        int width = cols * (cellW + padding) + padding;
        int height = titleH + rows * (cellH + captionH + padding) + padding;

        var canvas = new Image<Rgb24>(width, height, Background);
        if (title is not null)
        {
            var text = BitmapFont.Fit(title, width - 2 * padding, captionScale);
            BitmapFont.Draw(canvas, text, (width - BitmapFont.Measure(text, captionScale).Width) / 2, padding, Ink, captionScale);
        }
        for (int i = 0; i < pictures.Count; i++)
        {
            int left = padding + i % cols * (cellW + padding);
            int top = titleH + padding + i / cols * (cellH + captionH + padding);
            var p = pictures[i];
            var at = new Point(left + (cellW - p.Width) / 2, top + (cellH - p.Height) / 2);
            canvas.Mutate(c => c.DrawImage(p.Image, at, 1f));
            if (captions is not null)
            {
                var text = BitmapFont.Fit(captions[i], cellW + padding, captionScale);
                int x = left + (cellW - BitmapFont.Measure(text, captionScale).Width) / 2;
                BitmapFont.Draw(canvas, text, x, top + cellH + 2, Ink, captionScale);
            }
        }
        return new Picture(canvas, grayscale: pictures.All(p => p.Grayscale));
    }
}

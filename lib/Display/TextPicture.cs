using Diffusion.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Diffusion.Display;

/// <summary>Text drawn with <see cref="BitmapFont"/> on white: how non-image values look where only a picture fits.</summary>
public static class TextPicture
{
    public static Picture Render(string text, int scale = 1, int maxLines = 24, int maxColumns = 100)
    {
        var lines = text.Replace("\r", "").Split('\n').Take(maxLines)
            .Select(l => l.Length > maxColumns ? l[..(maxColumns - 2)] + ".." : l).ToList();
        int margin = 4 * scale;
        int width = Math.Max(1, lines.Max(l => BitmapFont.Measure(l, scale).Width)) + 2 * margin;
        int height = lines.Count * BitmapFont.CellHeight * scale + 2 * margin;
        var image = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        for (int i = 0; i < lines.Count; i++)
            BitmapFont.Draw(image, lines[i], margin, margin + i * BitmapFont.CellHeight * scale, new Rgb24(0, 0, 0), scale);
        return new Picture(image, grayscale: true);
    }
}

using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Diffusion.Imaging;

/// <summary>
/// A tiny painter for flat-colour drawings and masks: filled shapes and thick round-ended strokes, pixel by
/// pixel (ImageSharp.Drawing is not available). Exact and deterministic, not anti-aliased.
/// </summary>
public sealed class Sketch(int width, int height, Rgb24 background)
{
    public Image<Rgb24> Image { get; } = new(width, height, background);

    public static Rgb24 Rgb(uint hex) => new((byte)(hex >> 16), (byte)(hex >> 8), (byte)hex);

    /// <summary>Paints every pixel whose centre satisfies <paramref name="inside"/> within the given box.</summary>
    public Sketch Fill(Rgb24 color, Func<double, double, bool> inside, int left = 0, int top = 0, int right = int.MaxValue, int bottom = int.MaxValue)
    {
        for (int y = Math.Max(0, top); y < Math.Min(Image.Height, bottom); y++)
            for (int x = Math.Max(0, left); x < Math.Min(Image.Width, right); x++)
                if (inside(x + 0.5, y + 0.5)) Image[x, y] = color;
        return this;
    }

    public Sketch Rectangle(double x0, double y0, double x1, double y1, Rgb24 color) =>
        Fill(color, (x, y) => x >= x0 && x < x1 && y >= y0 && y < y1, (int)x0, (int)y0, (int)Math.Ceiling(x1), (int)Math.Ceiling(y1));

    public Sketch Ellipse(double cx, double cy, double rx, double ry, Rgb24 color) =>
        Fill(color, (x, y) => Sq((x - cx) / rx) + Sq((y - cy) / ry) <= 1,
            (int)(cx - rx), (int)(cy - ry), (int)Math.Ceiling(cx + rx) + 1, (int)Math.Ceiling(cy + ry) + 1);

    public Sketch Circle(double cx, double cy, double r, Rgb24 color) => Ellipse(cx, cy, r, r, color);

    /// <summary>A filled polygon (even-odd rule), points as x0, y0, x1, y1, ...</summary>
    public Sketch Polygon(Rgb24 color, params double[] xy)
    {
        if (xy.Length < 6 || xy.Length % 2 != 0) throw new ArgumentException("a polygon needs at least 3 (x, y) pairs.", nameof(xy));
        return Fill(color, (x, y) =>
        {
            bool inside = false;
            for (int i = 0, j = xy.Length - 2; i < xy.Length; j = i, i += 2)
            {
                double xi = xy[i], yi = xy[i + 1], xj = xy[j], yj = xy[j + 1];
                if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
            }
            return inside;
        });
    }

    /// <summary>A stroke of the given <paramref name="thickness"/> through the points, with round ends and joints.</summary>
    public Sketch Line(Rgb24 color, double thickness, params double[] xy)
    {
        double r = thickness / 2;
        for (int i = 0; i + 3 < xy.Length; i += 2)
        {
            double ax = xy[i], ay = xy[i + 1], bx = xy[i + 2], by = xy[i + 3];
            Fill(color, (x, y) => SegmentDistance(x, y, ax, ay, bx, by) <= r,
                (int)(Math.Min(ax, bx) - r), (int)(Math.Min(ay, by) - r), (int)(Math.Max(ax, bx) + r) + 2, (int)(Math.Max(ay, by) + r) + 2);
        }
        return this;
    }

    /// <summary>The outline of a closed polygon.</summary>
    public Sketch Outline(Rgb24 color, double thickness, params double[] xy) => Line(color, thickness, [.. xy, xy[0], xy[1]]);

    public Picture ToPicture(bool grayscale = false) => new(Image, grayscale);

    static double Sq(double v) => v * v;

    static double SegmentDistance(double px, double py, double ax, double ay, double bx, double by)
    {
        double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        double t = len2 == 0 ? 0 : Math.Clamp(((px - ax) * dx + (py - ay) * dy) / len2, 0, 1);
        return Math.Sqrt(Sq(px - ax - t * dx) + Sq(py - ay - t * dy));
    }
}

using Diffusion.Imaging;
using SixLabors.ImageSharp.PixelFormats;

namespace Diffusion.Kit.DataBuilding;

/// <summary>
/// The kit's two "hand-drawn" test images (course section 1.7.1), drawn in code like a child would with thick
/// markers: flat colours on white, 256 x 256. Made by the `data` verb; the kit's own work, CC0.
/// </summary>
public static class Drawings
{
    public const int Size = 256;
    static readonly Rgb24 White = Sketch.Rgb(0xFFFFFF), Black = Sketch.Rgb(0x202020);

    /// <summary>A house with a red roof, a door and a window, a tree on the left, a sun with rays, green ground.</summary>
    public static Picture House()
    {
        var s = new Sketch(Size, Size, White);
        s.Rectangle(0, 212, 256, 256, Sketch.Rgb(0x4CAF50)).Line(Black, 4, 0, 212, 256, 212);
        // sun: a disc and eight rays
        for (int i = 0; i < 8; i++)
        {
            double a = i * Math.PI / 4;
            s.Line(Sketch.Rgb(0xFFC107), 6, 212 + 30 * Math.Cos(a), 44 + 30 * Math.Sin(a), 212 + 44 * Math.Cos(a), 44 + 44 * Math.Sin(a));
        }
        s.Circle(212, 44, 22, Sketch.Rgb(0xFFEB3B));
        // tree: trunk and a round crown
        s.Rectangle(38, 140, 58, 214, Sketch.Rgb(0x795548)).Outline(Black, 4, 38, 140, 58, 140, 58, 214, 38, 214);
        s.Circle(48, 118, 34, Sketch.Rgb(0x2E7D32));
        // house: walls, roof, door, window
        s.Rectangle(96, 130, 206, 212, Sketch.Rgb(0xFFE0B2)).Outline(Black, 5, 96, 130, 206, 130, 206, 212, 96, 212);
        s.Polygon(Sketch.Rgb(0xE53935), 84, 132, 151, 74, 218, 132).Outline(Black, 5, 84, 132, 151, 74, 218, 132);
        s.Rectangle(140, 164, 164, 212, Sketch.Rgb(0x1E88E5)).Outline(Black, 4, 140, 164, 164, 164, 164, 212, 140, 212);
        s.Rectangle(108, 146, 130, 168, Sketch.Rgb(0x81D4FA)).Outline(Black, 4, 108, 146, 130, 146, 130, 168, 108, 168);
        s.Line(Black, 3, 119, 146, 119, 168).Line(Black, 3, 108, 157, 130, 157);
        s.Rectangle(176, 146, 196, 166, Sketch.Rgb(0x81D4FA)).Outline(Black, 4, 176, 146, 196, 146, 196, 166, 176, 166);
        return s.ToPicture();
    }

    /// <summary>A flower: pink petals round a yellow centre on a green stem with two leaves, in a brown pot.</summary>
    public static Picture Flower()
    {
        var s = new Sketch(Size, Size, White);
        var green = Sketch.Rgb(0x43A047);
        s.Line(green, 10, 128, 110, 124, 150, 130, 196);
        s.Ellipse(100, 160, 24, 11, green).Ellipse(156, 146, 24, 11, green);
        s.Polygon(Sketch.Rgb(0x8D6E63), 92, 192, 164, 192, 154, 246, 102, 246).Outline(Black, 4, 92, 192, 164, 192, 154, 246, 102, 246);
        for (int i = 0; i < 6; i++)
        {
            double a = i * Math.PI / 3 + Math.PI / 6;
            s.Circle(128 + 34 * Math.Cos(a), 78 + 34 * Math.Sin(a), 24, Sketch.Rgb(0xF06292));
        }
        s.Circle(128, 78, 22, Sketch.Rgb(0xFDD835));
        // a smile in the centre, because children draw them
        s.Circle(120, 72, 3, Black).Circle(136, 72, 3, Black).Line(Black, 3, 119, 84, 124, 88, 132, 88, 137, 84);
        return s.ToPicture();
    }
}

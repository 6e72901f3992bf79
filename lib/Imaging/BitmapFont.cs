using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Diffusion.Imaging;

/// <summary>
/// A 5x7 pixel font for printable ASCII, drawn by the kit itself (ImageSharp.Drawing is not available here).
/// Each glyph is 7 rows of 5 bits (bit 4 = leftmost column), written as 14 hex digits. A line is 9 rows high:
/// g, p, q and y are drawn 2 rows lower so their tails hang below the baseline. Characters outside ASCII 32-126
/// are drawn as '?'.
/// </summary>
public static class BitmapFont
{
    public const int GlyphWidth = 5, GlyphHeight = 7, CellWidth = 6;
    /// <summary>Rows of one line of text: 7 for capitals and digits plus 2 for descenders.</summary>
    public const int LineHeight = 9;
    /// <summary>Line spacing for several lines.</summary>
    public const int CellHeight = 10;
    const string Descenders = "gpqy";

    static readonly byte[] Rows = Convert.FromHexString(string.Concat(
        "00000000000000040404040400040A0A00000000000A0A1F0A1F0A0A040F140E051E04181902040813030C12140815120D04040000000000", //  !"#$%&'
        "02040808080402080402020204080004150E1504000004041F040400000000000C04080000001F00000000000000000C0C00010204081000", // ()*+,-./
        "0E11131519110E040C040404040E0E11010204081F1F02040201110E02060A121F02021F101E0101110E0608101E11110E1F010204080808", // 01234567
        "0E11110E11110E0E11110F01020C000C0C000C0C00000C0C000C04080204081008040200001F001F0000080402010204080E110102040004", // 89:;<=>?
        "0E11010D15150E0E11111F1111111E11111E11111E0E11101010110E1C12111111121C1F10101E10101F1F10101E1010100E11101711110F", // @ABCDEFG
        "1111111F1111110E04040404040E0702020202120C111214181412111010101010101F111B1515111111111119151311110E11111111110E", // HIJKLMNO
        "1E11111E1010100E11111115120D1E11111E1412110F10100E01011E1F0404040404041111111111110E11111111110A041111111515150A", // PQRSTUVW
        "11110A040A111111110A040404041F01020408101F0E08080808080E001008040201000E02020202020E040A11000000000000000000001F", // XYZ[\\]^_
        "0804000000000000000E010F110F1010161911111E00000E1010110E01010D1311110F00000E111F100E0609081C0808080F11110F01010E", // `abcdefg
        "1010161911111104000C0404040E0200060202120C101012141814120C04040404040E00001A151511110000161911111100000E1111110E", // hijklmno
        "1619111E1010100D13110F0101010000161910101000000F100E011E08081C080809060000111111130D00001111110A040000111115150A", // pqrstuvw
        "0000110A040A111111110F01010E00001F0204081F02040408040402040404040404040804040204040800000815020000")); // xyz{|}~

    static int GlyphIndex(char c) => c is >= ' ' and <= '~' ? c - ' ' : '?' - ' ';

    /// <summary>Whether column <paramref name="x"/> (0-4) of row <paramref name="y"/> (0-6) of <paramref name="c"/> is ink.</summary>
    public static bool IsInk(char c, int x, int y)
    {
        int row = Rows[GlyphIndex(c) * GlyphHeight + y];
        return (row >> (GlyphWidth - 1 - x) & 1) == 1;
    }

    /// <summary>Pixel size of <paramref name="text"/> (one line) at integer <paramref name="scale"/>.</summary>
    public static (int Width, int Height) Measure(string text, int scale = 1) =>
        (text.Length == 0 ? 0 : (text.Length * CellWidth - 1) * scale, LineHeight * scale);

    /// <summary>Draws one line of text with its top-left corner at (x, y); pixels outside the image are skipped.</summary>
    public static void Draw(Image<Rgb24> image, string text, int x, int y, Rgb24 color, int scale = 1)
    {
        if (scale < 1) throw new ArgumentOutOfRangeException(nameof(scale), $"scale must be at least 1, got {scale}.");
        for (int i = 0; i < text.Length; i++)
        {
            int drop = Descenders.Contains(text[i]) ? 2 : 0;
            for (int gy = 0; gy < GlyphHeight; gy++)
                for (int gx = 0; gx < GlyphWidth; gx++)
                {
                    if (!IsInk(text[i], gx, gy)) continue;
                    int left = x + (i * CellWidth + gx) * scale, top = y + (gy + drop) * scale;
                    for (int dy = 0; dy < scale; dy++)
                        for (int dx = 0; dx < scale; dx++)
                        {
                            int px = left + dx, py = top + dy;
                            if (px >= 0 && py >= 0 && px < image.Width && py < image.Height) image[px, py] = color;
                        }
                }
        }
    }

    /// <summary>Cuts <paramref name="text"/> to fit <paramref name="width"/> pixels, ending in ".." when cut.</summary>
    public static string Fit(string text, int width, int scale = 1)
    {
        int max = Math.Max(0, (width / scale + 1) / CellWidth);
        return text.Length <= max ? text : max <= 2 ? text[..max] : text[..(max - 2)] + "..";
    }
}

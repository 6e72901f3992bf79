using System.Buffers.Binary;
using Diffusion.Data;
using Diffusion.Kit.DataBuilding;
using Diffusion.Text;

namespace Diffusion.Tests;

/// <summary>The CBDT font reader on a font built here byte by byte, the concept set and the shipped data/emoji/ files.</summary>
public sealed class EmojiTests
{
    // Two tiny "PNG" payloads: the reader returns the bytes between CBDT's length field and the next record.
    static readonly byte[] RocketPng = [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3];
    static readonly byte[] SkullPng = [0x89, (byte)'P', (byte)'N', (byte)'G', 9, 8, 7, 6, 5];

    /// <summary>
    /// An OpenType file with cmap (format 12 or 4: U+1F680 -> glyph 5, U+1F480 -> glyph 6, U+0041 -> glyph 7),
    /// CBLC (one strike, ppem 109, one index subtable of format 1 for glyphs 5..7, image format 17) and CBDT
    /// (glyph 5 and 6 images; glyph 7 has none: equal offsets).
    /// </summary>
    static byte[] SyntheticFont(int cmapFormat = 12)
    {
        var cmap = new List<byte>();
        U16(cmap, 0); U16(cmap, 1);                                  // version, one encoding record
        U16(cmap, 3); U16(cmap, cmapFormat == 12 ? 10 : 1); U32(cmap, 12);
        if (cmapFormat == 12)
        {
            U16(cmap, 12); U16(cmap, 0); U32(cmap, 16 + 3 * 12); U32(cmap, 0); U32(cmap, 3);
            foreach (var (cp, glyph) in new[] { (0x41, 7), (0x1F480, 6), (0x1F680, 5) }) { U32(cmap, (uint)cp); U32(cmap, (uint)cp); U32(cmap, (uint)glyph); }
        }
        else
        {
            // format 4 can only map the BMP: 'A' -> 7 by idDelta, and the required 0xFFFF end segment.
            int segCount = 2;
            U16(cmap, 4); U16(cmap, 14 + 8 * segCount + 2); U16(cmap, 0); U16(cmap, 2 * segCount); U16(cmap, 0); U16(cmap, 0); U16(cmap, 0);
            U16(cmap, 0x41); U16(cmap, 0xFFFF);                          // endCode
            U16(cmap, 0);                                                // reservedPad
            U16(cmap, 0x41); U16(cmap, 0xFFFF);                          // startCode
            U16(cmap, 7 - 0x41); U16(cmap, 1);                    // idDelta
            U16(cmap, 0); U16(cmap, 0);                                  // idRangeOffset
        }

        var cbdt = new List<byte>();
        U16(cbdt, 3); U16(cbdt, 0);                                  // version 3.0
        var offsets = new List<int>();
        foreach (var png in new[] { RocketPng, SkullPng })
        {
            offsets.Add(cbdt.Count);
            cbdt.AddRange([128, 136, 0, 0, 136]);                    // smallGlyphMetrics: height, width, bearingX, bearingY, advance
            U32(cbdt, (uint)png.Length);
            cbdt.AddRange(png);
        }
        int end = cbdt.Count;

        var cblc = new List<byte>();
        U16(cblc, 3); U16(cblc, 0); U32(cblc, 1);                    // version, one BitmapSize
        int arrayOffset = 8 + 48;
        U32(cblc, (uint)arrayOffset); U32(cblc, 0); U32(cblc, 1); U32(cblc, 0);
        cblc.AddRange(new byte[24]);                                 // hori + vert line metrics
        U16(cblc, 5); U16(cblc, 7); cblc.AddRange([109, 109, 32, 1]);
        U16(cblc, 5); U16(cblc, 7); U32(cblc, 8);                    // IndexSubTableArray: glyphs 5..7 at +8
        U16(cblc, 1); U16(cblc, 17); U32(cblc, 0);                   // IndexSubHeader: index format 1, image format 17, data at CBDT+0
        foreach (var o in new[] { offsets[0], offsets[1], end, end }) U32(cblc, (uint)o);   // glyph 5, 6, 7 (empty), end

        var tables = new (string Tag, List<byte> Data)[] { ("CBDT", cbdt), ("CBLC", cblc), ("cmap", cmap) };
        var file = new List<byte>();
        U32(file, 0x00010000); U16(file, (ushort)tables.Length); U16(file, 0); U16(file, 0); U16(file, 0);
        int offset = 12 + 16 * tables.Length;
        foreach (var (tag, data) in tables)
        {
            file.AddRange(System.Text.Encoding.ASCII.GetBytes(tag)); U32(file, 0); U32(file, (uint)offset); U32(file, (uint)data.Count);
            offset += (data.Count + 3) / 4 * 4;
        }
        foreach (var (_, data) in tables)
        {
            file.AddRange(data);
            while (file.Count % 4 != 0) file.Add(0);
        }
        return file.ToArray();
    }

    static void U16(List<byte> b, int v) { var s = new byte[2]; BinaryPrimitives.WriteUInt16BigEndian(s, unchecked((ushort)v)); b.AddRange(s); }
    static void U32(List<byte> b, uint v) { var s = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(s, v); b.AddRange(s); }

    [Fact]
    public void FontReaderFindsEachGlyphsPngThroughCmapAndCblc()
    {
        var font = new EmojiFont(SyntheticFont(), "synthetic.ttf");
        Assert.Equal(109, font.PixelsPerEm);
        Assert.Equal(5, font.GlyphOf(0x1F680));
        Assert.Equal(RocketPng, font.PngOf(0x1F680));
        Assert.Equal(SkullPng, font.PngOf(0x1F480));
        Assert.Null(font.PngOf(0x41));              // mapped, but the strike has no image for glyph 7
        Assert.Null(font.PngOf(0x1F525));           // not in the cmap
        Assert.Null(font.GlyphOf(0x1F525));
    }

    [Fact]
    public void FontReaderReadsFormat4Cmaps()
    {
        var font = new EmojiFont(SyntheticFont(cmapFormat: 4), "bmp.ttf");
        Assert.Equal(7, font.GlyphOf(0x41));
        Assert.Null(font.GlyphOf(0x42));
        Assert.Null(font.GlyphOf(0x1F680));
    }

    [Fact]
    public void FontReaderRejectsFilesThatAreNotColourBitmapFonts()
    {
        var e = Assert.Throws<InvalidDataException>(() => new EmojiFont("not a font at all"u8.ToArray(), "x.ttf"));
        Assert.Contains("x.ttf", e.Message);
        var truncated = SyntheticFont()[..60];
        Assert.Throws<InvalidDataException>(() => new EmojiFont(truncated, "cut.ttf"));
    }

    [SkippableFact]
    public void RealNotoFontGivesA136By128PngForTheRocketWhenUnpacked()
    {
        var path = Path.Combine(Runtime.KitPaths.Cache, "deb", EmojiSources.NotoPackage, "usr/share/fonts/truetype/noto/NotoColorEmoji.ttf");
        Skip.IfNot(File.Exists(path), $"needs {path}: the `emoji` verb unpacks it from Debian's {EmojiSources.NotoPackage}.");
        var png = EmojiFont.Load(path).PngOf(0x1F680)!;
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, png[..4]);
        Assert.Equal(136, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));   // IHDR width
        Assert.Equal(128, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));   // IHDR height
    }

    [Theory]
    [InlineData("a rocket ship", "rocket")]
    [InlineData("a man wearing a hat", "man-with-hat")]
    [InlineData("an oil painting of a snowy mountain village", "snowy-mountain")]
    [InlineData("an oil painting of an old man", "old-man")]
    [InlineData("an oil painting of people around a campfire", "fire")]
    [InlineData("a lithograph of a skull", "skull")]
    [InlineData("a lithograph of waterfalls", "wave")]
    public void EveryCoursePromptIsACaptionOfTheRightConcept(string prompt, string key)
    {
        Assert.Equal(key, EmojiConcepts.ConceptOfCaption(prompt)?.Key);
    }

    [Fact]
    public void CoursePromptsAreAllCoveredAndTheConceptTableIsConsistent()
    {
        foreach (var p in EmojiConcepts.CoursePrompts.Where(p => p is not ("" or EmojiConcepts.GenericPrompt)))
            Assert.NotNull(EmojiConcepts.ConceptOfCaption(p));
        Assert.InRange(EmojiConcepts.All.Count, 100, 200);
        Assert.Equal(EmojiConcepts.All.Count, EmojiConcepts.All.Select(c => c.Key).Distinct().Count());
        // No caption may name two concepts, or the model would be taught both pictures for it.
        var captions = EmojiConcepts.All.SelectMany(c => c.Captions.Select(t => (t, c.Key))).ToList();
        var shared = captions.GroupBy(x => x.t).Where(g => g.Select(x => x.Key).Distinct().Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(shared);
        Assert.Equal(EmojiConcepts.All.Sum(c => c.CodePoints.Length), EmojiConcepts.All.SelectMany(c => c.CodePoints).Distinct().Count());
    }

    [Fact]
    public void ShippedSetHasBothArtStylesOfEveryConceptAndEmbeddingsForEveryPrompt()
    {
        Assert.Null(EmojiSet.Problem());
        using var set = EmojiSet.Load();
        Assert.Equal([set.Count, 3L, 32L, 32L], set.Images.shape);
        Assert.Equal(EmojiConcepts.All.Count, set.Concepts.Count);
        for (int c = 0; c < set.Concepts.Count; c++)
        {
            var styles = set.File.Pictures.Where(p => p.Concept == c).Select(p => p.Style).ToList();
            Assert.Contains(EmojiSet.NotoStyle, styles);
            Assert.Contains(EmojiSet.EmojiOneStyle, styles);
        }
        // White corners (the emoji sits in the central 28 x 28), values in [-1, 1].
        Assert.Equal(1f, set.Images[.., .., 0, 0].min().item<float>(), 3);
        float low = set.Images.min().item<float>(), high = set.Images.max().item<float>();
        Assert.True(low >= -1f && high <= 1f, $"pixels span [{low}, {high}], expected within [-1, 1]");

        var table = PromptEmbeddings.Load(TextEncoder.DefaultTablePath);
        Assert.Equal(TextEncoder.Dimension, table.Dimension);
        foreach (var prompt in EmojiConcepts.AllPrompts()) Assert.True(table.Contains(prompt), $"no embedding for \"{prompt}\"");
        Assert.Equal(1.0, Math.Sqrt(table.Find("a rocket ship")!.Sum(v => (double)v * v)), 2);
    }

    [Fact]
    public void RenderCompositesOnWhiteAndCentresTheEmoji()
    {
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgba32>(64, 32, new SixLabors.ImageSharp.PixelFormats.Rgba32(255, 0, 0, 255));
        using var png = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, png);
        var pixels = EmojiSetBuilder.Render(png.ToArray());
        Assert.Equal(32 * 32, pixels.Length);
        Assert.Equal(new SixLabors.ImageSharp.PixelFormats.Rgb24(255, 255, 255), pixels[0]);              // margin
        Assert.Equal(new SixLabors.ImageSharp.PixelFormats.Rgb24(255, 255, 255), pixels[5 * 32 + 16]);   // padding above a 2:1 picture
        var centre = pixels[16 * 32 + 16];
        Assert.True(centre.R > 240 && centre.G < 15 && centre.B < 15, $"centre should be red, got {centre}");
    }
}

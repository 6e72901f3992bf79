using System.Text.Json;
using Diffusion.Data;
using Diffusion.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Diffusion.Kit.DataBuilding;

/// <summary>Makes the 32 x 32 <see cref="EmojiSet"/> (data/emoji/) from the Debian packages: the `emoji` verb.</summary>
public static class EmojiSetBuilder
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>
    /// Makes data/emoji/ (atlas.png, concepts.json) from the Debian packages: for each concept's code point, the
    /// Noto glyph (CBDT PNG, 136 x 128) and the EmojiOne PNG (64 x 64), each composited on white, padded square
    /// and resized to 28 x 28 in the middle of a 32 x 32 white picture. Fails naming any emoji a source lacks.
    /// </summary>
    public static EmojiSetFile Build(EmojiSources sources, string? folder = null, Action<string>? log = null)
    {
        folder ??= EmojiSet.DefaultFolder;
        var font = EmojiFont.Load(sources.NotoFontPath);
        var names = sources.UnicodeNames();
        var pictures = new List<EmojiPicture>();
        var rendered = new List<Rgb24[]>();
        var missing = new List<string>();
        for (int ci = 0; ci < EmojiConcepts.All.Count; ci++)
        {
            var concept = EmojiConcepts.All[ci];
            foreach (var cp in concept.CodePoints)
            {
                string hex = cp.ToString("X4");
                string name = names.GetValueOrDefault(cp, "?");
                if (font.PngOf(cp) is { } notoPng) { rendered.Add(Render(notoPng)); pictures.Add(new(ci, hex, name, EmojiSet.NotoStyle)); }
                else missing.Add($"U+{hex} ({concept.Key}) in {EmojiSources.NotoPackage}");
                if (sources.EmojiOnePng(cp) is { } onePath) { rendered.Add(Render(File.ReadAllBytes(onePath))); pictures.Add(new(ci, hex, name, EmojiSet.EmojiOneStyle)); }
                else missing.Add($"U+{hex} ({concept.Key}) in {EmojiSources.EmojiOnePackage}");
            }
        }
        if (missing.Count > 0)
            throw new InvalidDataException($"emoji: these pictures are missing from the packages: {string.Join("; ", missing)}. Edit lib/Data/EmojiConcepts.cs.");

        int rows = (pictures.Count + EmojiSet.Columns - 1) / EmojiSet.Columns;
        using var atlas = new Image<Rgb24>(EmojiSet.Columns * EmojiSet.Size, rows * EmojiSet.Size, new Rgb24(255, 255, 255));
        for (int i = 0; i < rendered.Count; i++)
        {
            int x0 = i % EmojiSet.Columns * EmojiSet.Size, y0 = i / EmojiSet.Columns * EmojiSet.Size;
            for (int y = 0; y < EmojiSet.Size; y++)
                for (int x = 0; x < EmojiSet.Size; x++)
                    atlas[x0 + x, y0 + y] = rendered[i][y * EmojiSet.Size + x];
        }
        var file = new EmojiSetFile(EmojiSet.FormatName, EmojiSet.Size, EmojiSet.Content, EmojiSet.Columns, EmojiSet.AtlasFile, EmojiSet.CurrentFingerprint(),
            new Dictionary<string, string>
            {
                [EmojiSources.NotoPackage] = $"{sources.NotoVersion} (Debian), NotoColorEmoji.ttf; SIL Open Font License 1.1",
                [EmojiSources.EmojiOnePackage] = $"{sources.EmojiOneVersion} (Debian), EmojiOne 2 art assets/png; CC-BY-SA-4.0, Ranks.com / EmojiOne",
                [EmojiSources.UnicodePackage] = "emoji-test.txt: CLDR short names; Unicode License",
            },
            EmojiConcepts.All.Select(c => new EmojiSetConcept(c.Key, c.Names, c.CodePoints.Select(p => p.ToString("X4")).ToArray(), c.Captions.ToArray())).ToList(),
            pictures);
        Directory.CreateDirectory(folder);
        using var png = new MemoryStream();
        atlas.SaveAsPng(png, new SixLabors.ImageSharp.Formats.Png.PngEncoder { CompressionLevel = SixLabors.ImageSharp.Formats.Png.PngCompressionLevel.BestCompression });
        AtomicFile.Write(Path.Combine(folder, EmojiSet.AtlasFile), s => s.Write(png.ToArray()));
        AtomicFile.WriteText(Path.Combine(folder, EmojiSet.ConceptsFile), JsonSerializer.Serialize(file, Json));
        log?.Invoke($"emoji: wrote {pictures.Count} pictures of {EmojiConcepts.All.Count} concepts to {folder}");
        return file;
    }

    /// <summary>A PNG (any size, with alpha) composited on white, padded square, resized to the 28 x 28 centre of 32 x 32.</summary>
    public static Rgb24[] Render(byte[] pngBytes)
    {
        using var source = Image.Load<Rgba32>(pngBytes);
        int side = Math.Max(source.Width, source.Height);
        using var square = new Image<Rgb24>(side, side, new Rgb24(255, 255, 255));
        int ox = (side - source.Width) / 2, oy = (side - source.Height) / 2;
        for (int y = 0; y < source.Height; y++)
            for (int x = 0; x < source.Width; x++)
            {
                var p = source[x, y];
                float a = p.A / 255f;
                byte Blend(byte c) => (byte)Math.Round(c * a + 255 * (1 - a));
                square[ox + x, oy + y] = new Rgb24(Blend(p.R), Blend(p.G), Blend(p.B));
            }
        square.Mutate(c => c.Resize(EmojiSet.Content, EmojiSet.Content, KnownResamplers.Bicubic));
        var result = Enumerable.Repeat(new Rgb24(255, 255, 255), EmojiSet.Size * EmojiSet.Size).ToArray();
        int margin = (EmojiSet.Size - EmojiSet.Content) / 2;
        for (int y = 0; y < EmojiSet.Content; y++)
            for (int x = 0; x < EmojiSet.Content; x++)
                result[(y + margin) * EmojiSet.Size + x + margin] = square[x, y];
        return result;
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Diffusion.Data;
using Diffusion.Runtime;
using Diffusion.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SkiaSharp;

namespace Diffusion.Kit.DataBuilding;

/// <summary>
/// Makes data/emoji-64/, the 64 x 64 text-to-image set: every <see cref="EmojiConcepts64"/> concept's emoji in the six
/// <see cref="EmojiArtStyles"/>, composited on white, padded square and resized (bicubic) to 56 x 56 in the middle of
/// a 64 x 64 picture (room for the training-time shifts and scales). Stored as the 32 x 32 set is: atlas.png
/// (32 pictures a row) and concepts.json (format <see cref="EmojiSet.FormatName64"/>, read by <see cref="EmojiSet.Load"/>),
/// with the held-out style named in it. Captions: each name in each <see cref="EmojiConcepts64.Phrasings"/>, and the
/// CLDR keywords (unicode-cldr-core annotations/en.xml) that belong to one concept only.
/// </summary>
public static class EmojiSet64Builder
{
    public const int Size = 64, Content = 56, Columns = 32;
    /// <summary>SVGs are rasterised at this size, then resized with the PNGs' resampler.</summary>
    const int SvgPixels = 224;
    public const string CldrPackage = "unicode-cldr-core";
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static string DefaultFolder => Path.Combine(KitPaths.Data, "emoji-64");

    /// <summary>A hash of the concept table, phrasings, styles and rendering, so a stale set is noticed.</summary>
    public static string CurrentFingerprint()
    {
        var text = new StringBuilder($"{EmojiSet.FormatName64};{Size};{Content};{EmojiArtStyles.HeldOut};{string.Join("|", EmojiConcepts64.Phrasings)};{string.Join("|", EmojiConcepts64.KeywordPhrasings)}\n");
        text.AppendJoin(",", EmojiArtStyles.Licences.Keys.Order(StringComparer.Ordinal)).Append('\n');
        foreach (var c in EmojiConcepts64.All)
            text.Append(c.Key).Append(';').AppendJoin("|", c.Names).Append(';').AppendJoin(",", c.CodePoints.Select(p => p.ToString("X4"))).Append('\n');
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>Null when <paramref name="folder"/> holds the current set, else what is wrong.</summary>
    public static string? Problem(string? folder = null)
    {
        folder ??= DefaultFolder;
        try
        {
            var file = EmojiSet.ReadFile(folder);
            if (file.Format != EmojiSet.FormatName64) return $"{folder} holds a {file.Format} set, not {EmojiSet.FormatName64}";
            if (file.Fingerprint != CurrentFingerprint()) return $"{folder} was made from another concept table ({file.Fingerprint}, now {CurrentFingerprint()})";
            if (!File.Exists(Path.Combine(folder, file.Atlas))) return $"{file.Atlas} is missing";
            return null;
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException) { return e.Message; }
    }

    /// <summary>
    /// Builds the set into <paramref name="folder"/>. Every source's licence is checked first (a source without a recorded
    /// licence stops the build before anything is written), and any emoji a source lacks is named in the error.
    /// </summary>
    public static EmojiSetFile Build(IReadOnlyList<EmojiArtSource> sources, EmojiSources debian, string? folder = null,
        IReadOnlyDictionary<string, ArtLicence>? licences = null, Action<string>? log = null)
    {
        folder ??= DefaultFolder;
        var recorded = sources.ToDictionary(s => s.Style, s => (Source: s, Licence: EmojiArtStyles.CheckLicence(s, licences)));
        if (!recorded.ContainsKey(EmojiArtStyles.HeldOut))
            throw new InvalidDataException($"the held-out style '{EmojiArtStyles.HeldOut}' is not among the sources ({string.Join(", ", recorded.Keys)}).");
        var names = debian.UnicodeNames();
        var keywords = CldrKeywords(log);
        var pictures = new List<EmojiPicture>();
        var rendered = new List<Rgb24[]>();
        var missing = new List<string>();
        var concepts = EmojiConcepts64.All;
        for (int ci = 0; ci < concepts.Count; ci++)
            foreach (var cp in concepts[ci].CodePoints)
            {
                string hex = cp.ToString("X4");
                if (!names.TryGetValue(cp, out var name)) { missing.Add($"U+{hex} ({concepts[ci].Key}) in emoji-test.txt"); continue; }
                foreach (var source in sources)
                {
                    if (source.Find(cp, name) is not { } art) { missing.Add($"U+{hex} {name} ({concepts[ci].Key}) in {source.Style}"); continue; }
                    rendered.Add(Render(art));
                    pictures.Add(new EmojiPicture(ci, hex, name, source.Style));
                }
            }
        if (missing.Count > 0)
            throw new InvalidDataException($"emoji-64: these pictures are missing: {string.Join("; ", missing)}. Edit tools/Diffusion.Kit/DataBuilding/EmojiConcepts64.cs. Nothing was written.");

        var setConcepts = Captions(concepts, keywords);
        var file = new EmojiSetFile(EmojiSet.FormatName64, Size, Content, Columns, EmojiSet.AtlasFile, CurrentFingerprint(),
            recorded.Values.ToDictionary(r => r.Source.Style, r => $"{r.Source.Origin}; {r.Licence.Licence}; {r.Licence.Attribution}")
                .Append(new("names", "Unicode emoji-test.txt (CLDR short names) and unicode-cldr-core annotations/en.xml (keywords); Unicode License v3"))
                .ToDictionary(),
            setConcepts, pictures, EmojiArtStyles.HeldOut);

        int rows = (pictures.Count + Columns - 1) / Columns;
        using var atlas = new Image<Rgb24>(Columns * Size, rows * Size, new Rgb24(255, 255, 255));
        for (int i = 0; i < rendered.Count; i++)
        {
            int x0 = i % Columns * Size, y0 = i / Columns * Size;
            for (int y = 0; y < Size; y++)
                for (int x = 0; x < Size; x++)
                    atlas[x0 + x, y0 + y] = rendered[i][y * Size + x];
        }
        Directory.CreateDirectory(folder);
        using var png = new MemoryStream();
        atlas.SaveAsPng(png, new SixLabors.ImageSharp.Formats.Png.PngEncoder { CompressionLevel = SixLabors.ImageSharp.Formats.Png.PngCompressionLevel.BestCompression });
        AtomicFile.Write(Path.Combine(folder, EmojiSet.AtlasFile), s => s.Write(png.ToArray()));
        AtomicFile.WriteText(Path.Combine(folder, EmojiSet.ConceptsFile), JsonSerializer.Serialize(file, Json));
        log?.Invoke($"emoji-64: wrote {pictures.Count} pictures of {concepts.Count} concepts ({sources.Count} styles, '{EmojiArtStyles.HeldOut}' held out) to {folder}");
        return file;
    }

    /// <summary>
    /// Each concept's captions: its names in every phrasing, then the CLDR keywords of its emoji that name no other
    /// concept (and are no other concept's name), in <see cref="EmojiConcepts64.KeywordPhrasings"/>.
    /// </summary>
    public static List<EmojiSetConcept> Captions(IReadOnlyList<EmojiConcept> concepts, IReadOnlyDictionary<int, string[]> keywords)
    {
        static string Bare(string name) => name.StartsWith("a ") ? name[2..] : name.StartsWith("an ") ? name[3..] : name.StartsWith("the ") ? name[4..] : name;
        var taken = concepts.SelectMany(c => c.Names.SelectMany(n => new[] { n, Bare(n) })).ToHashSet(StringComparer.Ordinal);
        var owners = new Dictionary<string, HashSet<int>>(StringComparer.Ordinal);
        for (int i = 0; i < concepts.Count; i++)
            foreach (var cp in concepts[i].CodePoints)
                foreach (var k in keywords.GetValueOrDefault(cp, []))
                    (owners.TryGetValue(k, out var set) ? set : owners[k] = []).Add(i);
        var result = new List<EmojiSetConcept>();
        for (int i = 0; i < concepts.Count; i++)
        {
            var own = concepts[i].CodePoints.SelectMany(cp => keywords.GetValueOrDefault(cp, []))
                .Where(k => owners[k].Count == 1 && !taken.Contains(k) && k != EmojiConcepts.GenericPrompt)
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
            var captions = EmojiConcepts64.Captions(concepts[i])
                .Concat(own.SelectMany(k => EmojiConcepts64.KeywordPhrasings.Select(p => string.Format(p, k))))
                .Select(PromptKey).Distinct(StringComparer.Ordinal).ToArray();
            result.Add(new EmojiSetConcept(concepts[i].Key, concepts[i].Names, concepts[i].CodePoints.Select(p => p.ToString("X4")).ToArray(), captions));
        }
        return result;
    }

    static string PromptKey(string prompt) => Text.PromptEmbeddings.Key(prompt);

    /// <summary>Lower-case CLDR keywords of single-code-point emoji (annotations/en.xml, e.g. 1F680 -> space, rocket).</summary>
    public static Dictionary<int, string[]> CldrKeywords(Action<string>? log = null)
    {
        var (folder, _) = DebianPackage.Extract(CldrPackage, Path.Combine(KitPaths.Cache, "deb"),
            "The processed set is committed in data/emoji-64/, so a fresh clone needs none of this.", log is null ? null : l => log($"emoji-64: {l}"));
        var path = Path.Combine(folder, "usr/share/unicode/cldr/common/annotations/en.xml");
        if (!File.Exists(path)) throw new InvalidDataException($"{CldrPackage} gave no {path}.");
        var result = new Dictionary<int, string[]>();
        foreach (var a in XDocument.Load(path).Descendants("annotation"))
        {
            if (a.Attribute("type") is not null) continue;   // type="tts" is the short name, already a name
            var cps = (a.Attribute("cp")?.Value ?? "").EnumerateRunes().Select(r => r.Value).Where(v => v != 0xFE0F).ToArray();
            if (cps.Length != 1) continue;
            result[cps[0]] = a.Value.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(k => k.ToLowerInvariant()).ToArray();
        }
        return result;
    }

    /// <summary>A PNG (any size, with alpha) or an SVG, composited on white, padded square, resized to the 56 x 56 centre of 64 x 64.</summary>
    public static Rgb24[] Render(ArtFile art) => Render(art.IsSvg ? Rasterise(art.Path) : File.ReadAllBytes(art.Path));

    public static Rgb24[] Render(byte[] pngBytes)
    {
        using var source = Image.Load<Rgba32>(pngBytes);
        int side = Math.Max(source.Width, source.Height);
        using var square = new Image<Rgba32>(side, side, new Rgba32(255, 255, 255, 0));
        int ox = (side - source.Width) / 2, oy = (side - source.Height) / 2;
        for (int y = 0; y < source.Height; y++)
            for (int x = 0; x < source.Width; x++)
                square[ox + x, oy + y] = source[x, y];
        // Resize with alpha (premultiplied by ImageSharp), then composite on white: edges blend into white, not black.
        square.Mutate(c => c.Resize(Content, Content, KnownResamplers.Bicubic));
        var result = Enumerable.Repeat(new Rgb24(255, 255, 255), Size * Size).ToArray();
        int margin = (Size - Content) / 2;
        for (int y = 0; y < Content; y++)
            for (int x = 0; x < Content; x++)
            {
                var p = square[x, y];
                float a = p.A / 255f;
                byte Blend(byte c) => (byte)Math.Clamp(Math.Round(c * a + 255 * (1 - a)), 0, 255);
                result[(y + margin) * Size + x + margin] = new Rgb24(Blend(p.R), Blend(p.G), Blend(p.B));
            }
        return result;
    }

    /// <summary>An SVG drawn with Svg.Skia at <see cref="SvgPixels"/> px (its view box fitted, aspect kept), as PNG bytes.</summary>
    public static byte[] Rasterise(string svgPath)
    {
        using var svg = new Svg.Skia.SKSvg();
        var picture = svg.Load(svgPath) ?? throw new InvalidDataException($"{svgPath} is not an SVG Svg.Skia can draw.");
        var bounds = picture.CullRect;
        if (!(bounds.Width > 0 && bounds.Height > 0)) throw new InvalidDataException($"{svgPath} has an empty picture.");
        float scale = SvgPixels / Math.Max(bounds.Width, bounds.Height);
        using var bitmap = new SKBitmap(new SKImageInfo(SvgPixels, SvgPixels, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(bitmap))
        {
            canvas.Clear(SKColors.Transparent);
            canvas.Translate((SvgPixels - bounds.Width * scale) / 2, (SvgPixels - bounds.Height * scale) / 2);
            canvas.Scale(scale);
            canvas.Translate(-bounds.Left, -bounds.Top);
            canvas.DrawPicture(picture);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}

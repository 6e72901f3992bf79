using System.Buffers.Binary;

namespace Diffusion.Kit.DataBuilding;

/// <summary>
/// Reads the colour bitmaps of an OpenType CBDT font (Noto Color Emoji): the cmap table maps a code point to a
/// glyph id, CBLC says where that glyph's image lies in CBDT, and CBDT holds the PNG itself
/// (OpenType spec, "cmap", "CBLC", "CBDT"). Only single code points are mapped: sequences (skin tones, ZWJ,
/// flags) go through GSUB ligatures, which this reader does not follow.
/// Supported: cmap formats 4 and 12; CBLC index formats 1, 2, 3, 4, 5; CBDT image formats 17, 18, 19 (PNG).
/// </summary>
public sealed class EmojiFont
{
    readonly byte[] _data;
    readonly Dictionary<int, int> _cmap = new();
    readonly Dictionary<int, (int Offset, int Length)> _images = new();

    /// <summary>The bitmap strike's pixels per em (the largest strike is read; Noto's is 109, its images 136 x 128).</summary>
    public int PixelsPerEm { get; private set; }

    public EmojiFont(byte[] data, string name = "font")
    {
        _data = data;
        try
        {
            var tables = ReadTableDirectory(name);
            foreach (var tag in new[] { "cmap", "CBLC", "CBDT" })
                if (!tables.ContainsKey(tag))
                    throw new InvalidDataException($"{name} has no '{tag}' table: it is not a CBDT colour-bitmap font (tables: {string.Join(", ", tables.Keys)}).");
            ReadCmap(tables["cmap"].Offset, name);
            ReadCblc(tables["CBLC"].Offset, tables["CBDT"].Offset, tables["CBDT"].Length, name);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or ArgumentException)
        {
            throw new InvalidDataException($"{name} is damaged or not an OpenType font: a table points outside the file ({e.Message}).", e);
        }
    }

    public static EmojiFont Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No font file at {path}.", path);
        return new EmojiFont(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    /// <summary>Code points the cmap maps to a glyph.</summary>
    public IReadOnlyCollection<int> CodePoints => _cmap.Keys;

    /// <summary>The glyph id of <paramref name="codePoint"/>, or null when the cmap has none.</summary>
    public int? GlyphOf(int codePoint) => _cmap.TryGetValue(codePoint, out var g) && g != 0 ? g : null;

    /// <summary>The PNG bytes of a glyph, or null when the bitmap strike has no image for it.</summary>
    public byte[]? PngOfGlyph(int glyph) =>
        _images.TryGetValue(glyph, out var at) ? _data.AsSpan(at.Offset, at.Length).ToArray() : null;

    /// <summary>The PNG bytes drawn for <paramref name="codePoint"/>, or null when the font has none.</summary>
    public byte[]? PngOf(int codePoint) => GlyphOf(codePoint) is int g ? PngOfGlyph(g) : null;

    ushort U16(int at) => BinaryPrimitives.ReadUInt16BigEndian(_data.AsSpan(at, 2));
    short I16(int at) => BinaryPrimitives.ReadInt16BigEndian(_data.AsSpan(at, 2));
    uint U32(int at) => BinaryPrimitives.ReadUInt32BigEndian(_data.AsSpan(at, 4));
    int Off(int at) => checked((int)U32(at));

    Dictionary<string, (int Offset, int Length)> ReadTableDirectory(string name)
    {
        if (_data.Length < 12) throw new InvalidDataException($"{name} is {_data.Length} bytes: too short for an OpenType font.");
        uint version = U32(0);
        if (version is not (0x00010000 or 0x74727565 /* 'true' */))
            throw new InvalidDataException($"{name} does not start like a TrueType/OpenType font (version 0x{version:X8}).");
        int count = U16(4);
        var tables = new Dictionary<string, (int, int)>();
        for (int i = 0; i < count; i++)
        {
            int record = 12 + 16 * i;
            string tag = System.Text.Encoding.ASCII.GetString(_data, record, 4);
            int offset = Off(record + 8), length = Off(record + 12);
            if (offset + (long)length > _data.Length)
                throw new InvalidDataException($"{name}: table '{tag}' runs past the end of the file.");
            tables[tag] = (offset, length);
        }
        return tables;
    }

    void ReadCmap(int cmap, string name)
    {
        int count = U16(cmap + 2);
        int? best = null; int bestRank = -1;
        for (int i = 0; i < count; i++)
        {
            int record = cmap + 4 + 8 * i;
            int platform = U16(record), encoding = U16(record + 2);
            int subtable = cmap + Off(record + 4);
            int format = U16(subtable);
            // Prefer full-Unicode format 12 subtables, then BMP format 4 ones.
            int rank = (format, platform, encoding) switch
            {
                (12, 3, 10) or (12, 0, _) => 3,
                (4, 3, 1) or (4, 0, _) => 2,
                _ => -1,
            };
            if (rank > bestRank) { bestRank = rank; best = subtable; }
        }
        if (best is not int table) throw new InvalidDataException($"{name}: the cmap has no Unicode subtable of format 4 or 12.");
        if (U16(table) == 12)
        {
            int groups = Off(table + 12);
            for (int g = 0; g < groups; g++)
            {
                int at = table + 16 + 12 * g;
                int start = Off(at), end = Off(at + 4), glyph = Off(at + 8);
                for (int c = start; c <= end; c++) _cmap[c] = glyph + (c - start);
            }
        }
        else
        {
            int segments = U16(table + 6) / 2;
            int ends = table + 14, starts = ends + 2 * segments + 2, deltas = starts + 2 * segments, rangeOffsets = deltas + 2 * segments;
            for (int s = 0; s < segments; s++)
            {
                int start = U16(starts + 2 * s), end = U16(ends + 2 * s), delta = I16(deltas + 2 * s), rangeOffset = U16(rangeOffsets + 2 * s);
                for (int c = start; c <= end && c != 0xFFFF; c++)
                {
                    int glyph;
                    if (rangeOffset == 0) glyph = (c + delta) & 0xFFFF;
                    else
                    {
                        int at = rangeOffsets + 2 * s + rangeOffset + 2 * (c - start);
                        glyph = U16(at);
                        if (glyph != 0) glyph = (glyph + delta) & 0xFFFF;
                    }
                    if (glyph != 0) _cmap[c] = glyph;
                }
            }
        }
    }

    void ReadCblc(int cblc, int cbdt, int cbdtLength, string name)
    {
        int sizes = Off(cblc + 4);
        if (sizes == 0) throw new InvalidDataException($"{name}: CBLC lists no bitmap sizes.");
        // The largest strike (by ppem): Noto has one.
        int size = Enumerable.Range(0, sizes).Select(i => cblc + 8 + 48 * i).MaxBy(at => _data[at + 44]);
        PixelsPerEm = _data[size + 44];
        int arrayOffset = cblc + Off(size), subtables = Off(size + 8);
        for (int i = 0; i < subtables; i++)
        {
            int entry = arrayOffset + 8 * i;
            int first = U16(entry), last = U16(entry + 2);
            int sub = arrayOffset + Off(entry + 4);
            int indexFormat = U16(sub), imageFormat = U16(sub + 2), imageData = cbdt + Off(sub + 4);
            void Add(int glyph, int start, int end)
            {
                if (end <= start) return;   // no image for this glyph
                if (start < cbdt || end > cbdt + cbdtLength)
                    throw new InvalidDataException($"{name}: glyph {glyph}'s image lies outside the CBDT table.");
                if (PngRange(imageFormat, start, end, glyph, name) is { } png) _images[glyph] = png;
            }
            switch (indexFormat)
            {
                case 1:
                    for (int g = first; g <= last; g++)
                        Add(g, imageData + Off(sub + 8 + 4 * (g - first)), imageData + Off(sub + 8 + 4 * (g - first + 1)));
                    break;
                case 3:
                    for (int g = first; g <= last; g++)
                        Add(g, imageData + U16(sub + 8 + 2 * (g - first)), imageData + U16(sub + 8 + 2 * (g - first + 1)));
                    break;
                case 2:
                {
                    int imageSize = Off(sub + 8);
                    for (int g = first; g <= last; g++) Add(g, imageData + imageSize * (g - first), imageData + imageSize * (g - first + 1));
                    break;
                }
                case 4:
                {
                    int n = Off(sub + 8);
                    for (int k = 0; k < n; k++)
                    {
                        int at = sub + 12 + 4 * k;
                        Add(U16(at), imageData + U16(at + 2), imageData + U16(at + 6));
                    }
                    break;
                }
                case 5:
                {
                    int imageSize = Off(sub + 8), n = Off(sub + 20);
                    for (int k = 0; k < n; k++) Add(U16(sub + 24 + 2 * k), imageData + imageSize * k, imageData + imageSize * (k + 1));
                    break;
                }
                default:
                    throw new InvalidDataException($"{name}: CBLC index subtable format {indexFormat} is not supported (1-5 are).");
            }
        }
    }

    (int, int)? PngRange(int imageFormat, int start, int end, int glyph, string name)
    {
        int header = imageFormat switch
        {
            17 => 5,    // smallGlyphMetrics, then uint32 dataLen, then PNG
            18 => 8,    // bigGlyphMetrics, then uint32 dataLen
            19 => 0,    // metrics live in CBLC; uint32 dataLen
            _ => -1,
        };
        if (header < 0) return null;   // not a PNG format (monochrome/grey bitmaps): skipped
        int length = Off(start + header);
        int png = start + header + 4;
        if (png + length > end)
            throw new InvalidDataException($"{name}: glyph {glyph}'s PNG ({length} bytes) is longer than its CBDT record.");
        return (png, length);
    }

    /// <summary>Code points of a hex sequence like "1F680" or "1F468 200D 1F373" (as emoji-test.txt and EmojiOne write them).</summary>
    public static int[] ParseCodePoints(string hex) =>
        hex.Split([' ', '-', '_'], StringSplitOptions.RemoveEmptyEntries).Select(h => Convert.ToInt32(h, 16)).ToArray();
}

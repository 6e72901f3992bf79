using Diffusion.Runtime;

namespace Diffusion.Kit.DataBuilding;

/// <summary>
/// The emoji art and names the concept set is built from, fetched from Debian without installing anything:
/// `apt-get download PACKAGE` into .cache/deb/ and `dpkg-deb -x` beside it.
/// fonts-noto-color-emoji: NotoColorEmoji.ttf (OFL-1.1); ruby-gemojione: EmojiOne 2 PNGs, 64 x 64 (CC-BY-SA-4.0);
/// unicode-data: emoji-test.txt with the CLDR short names (read from /usr/share/unicode when installed).
/// </summary>
public sealed class EmojiSources
{
    public const string NotoPackage = "fonts-noto-color-emoji";
    public const string EmojiOnePackage = "ruby-gemojione";
    public const string UnicodePackage = "unicode-data";
    const string NotoFont = "usr/share/fonts/truetype/noto/NotoColorEmoji.ttf";
    const string EmojiOneGems = "usr/share/rubygems-integration/all/gems";
    const string EmojiTest = "usr/share/unicode/emoji/emoji-test.txt";

    public required string NotoFontPath { get; init; }
    public required string NotoVersion { get; init; }
    /// <summary>The gem folder holding assets/png/ and config/index.json.</summary>
    public required string EmojiOneFolder { get; init; }
    public required string EmojiOneVersion { get; init; }
    public required string EmojiTestPath { get; init; }

    /// <summary>The three sources, fetching and unpacking what is missing.</summary>
    public static EmojiSources Fetch(string? cacheFolder = null, Action<string>? log = null)
    {
        cacheFolder ??= Path.Combine(KitPaths.Cache, "deb");
        var (notoDir, notoVersion) = Extract(NotoPackage, cacheFolder, log);
        var (gemDir, gemVersion) = Extract(EmojiOnePackage, cacheFolder, log);
        var gems = Path.Combine(gemDir, EmojiOneGems);
        var gem = Directory.Exists(gems) ? Directory.GetDirectories(gems, "gemojione-*").Order(StringComparer.Ordinal).LastOrDefault() : null;
        if (gem is null) throw new InvalidDataException($"{EmojiOnePackage} unpacked in {gemDir} has no {EmojiOneGems}/gemojione-*/ folder.");
        string emojiTest = "/" + EmojiTest;
        if (!File.Exists(emojiTest))
        {
            var (unicodeDir, _) = Extract(UnicodePackage, cacheFolder, log);
            emojiTest = Path.Combine(unicodeDir, EmojiTest);
        }
        var noto = Path.Combine(notoDir, NotoFont);
        foreach (var (path, package) in new[] { (noto, NotoPackage), (emojiTest, UnicodePackage) })
            if (!File.Exists(path)) throw new InvalidDataException($"{package} gave no {path}.");
        return new EmojiSources
        {
            NotoFontPath = noto, NotoVersion = notoVersion,
            EmojiOneFolder = gem, EmojiOneVersion = gemVersion,
            EmojiTestPath = emojiTest,
        };
    }

    /// <summary>The EmojiOne PNG of a single code point (assets/png/1F680.png), or null.</summary>
    public string? EmojiOnePng(int codePoint)
    {
        var path = Path.Combine(EmojiOneFolder, "assets", "png", $"{codePoint:X4}.png");
        return File.Exists(path) ? path : null;
    }

    /// <summary>CLDR short names of single-code-point, fully-qualified emoji (emoji-test.txt), e.g. 1F680 -> "rocket".</summary>
    public Dictionary<int, string> UnicodeNames()
    {
        var names = new Dictionary<int, string>();
        foreach (var line in File.ReadLines(EmojiTestPath))
        {
            // 1F680 ; fully-qualified # 🚀 E0.6 rocket      (2620 FE0F is the fully-qualified form of 2620)
            int semi = line.IndexOf(';'), hash = line.IndexOf('#');
            if (line.StartsWith('#') || semi < 0 || hash < semi) continue;
            if (!line[semi..hash].Contains("fully-qualified") || line[semi..hash].Contains("unqualified")) continue;
            var cps = EmojiFont.ParseCodePoints(line[..semi]).Where(c => c != 0xFE0F).ToArray();
            if (cps.Length != 1) continue;
            var comment = line[(hash + 1)..].Trim().Split(' ', 3);
            if (comment.Length == 3) names.TryAdd(cps[0], comment[2].Trim());
        }
        return names;
    }

    static (string Folder, string Version) Extract(string package, string cacheFolder, Action<string>? log) =>
        DebianPackage.Extract(package, cacheFolder,
            "The processed set is committed in data/emoji/, so a fresh clone needs none of this.",
            log is null ? null : line => log($"emoji: {line}"));
}

using System.Diagnostics;
using System.Text.RegularExpressions;
using Diffusion.Data;
using Diffusion.Runtime;

namespace Diffusion.Kit.DataBuilding;

/// <summary>
/// A licence the data build accepts for an art source: the licence, the attribution the set and any model trained on
/// it must carry, and the evidence read in the fetched package (a file and a sentence it must contain), so a package
/// that changed its terms stops the build instead of slipping in.
/// </summary>
public sealed record ArtLicence(string Licence, string Attribution, string EvidenceFile, string EvidenceText);

/// <summary>One art style of the 64 x 64 set: where its pictures come from and how one emoji's picture is found.</summary>
public sealed record EmojiArtSource(string Style, string Origin, string Folder, Func<int, string, ArtFile?> Find);

/// <summary>A picture file of one emoji in one style: PNG bytes or SVG text to rasterise.</summary>
public sealed record ArtFile(string Path, bool IsSvg);

/// <summary>
/// The six art styles of data/emoji-64/, each fetched without installing anything (Debian packages as for the
/// 32 x 32 set; npm packages with `npm pack NAME@VERSION` into .cache/npm/ and unpacked there), and the licence
/// recorded for each (<see cref="Licences"/>). A source without a recorded licence, or whose package no longer says
/// what the record quotes, makes the build fail (<see cref="CheckLicence"/>). Left out on purpose: the Apple and
/// Facebook art of the emoji-datasource-* family (not freely licensed) and Fluent's high-contrast icons
/// (black and white: they would teach the colour prompts nothing).
/// </summary>
public static class EmojiArtStyles
{
    public const string Noto = "noto", EmojiOne = "emojione", Twemoji = "twemoji", OpenMoji = "openmoji",
        FluentFlat = "fluent-flat", FluentModern = "fluent-modern";

    /// <summary>
    /// The style kept out of training: the evaluation pictures and part A's "real picture the model has never seen".
    /// Twemoji because it is an independent drawing of every concept (Fluent modern shares its outlines with Fluent
    /// flat, so it would test a change of shading, not an unseen picture), flat and clean at 64 px like the
    /// training styles' middle ground, so a denoiser trained on the others should recognise it, and it covers
    /// every concept.
    /// </summary>
    public const string HeldOut = Twemoji;

    public const string TwemojiPackage = "emoji-datasource-twitter", TwemojiVersion = "16.0.0";
    public const string OpenMojiPackage = "openmoji", OpenMojiVersion = "17.0.0";
    public const string FluentPackage = "fluentui-emoji", FluentVersion = "1.3.0";

    /// <summary>The recorded licence of every style the build may use (keyed by style).</summary>
    public static readonly IReadOnlyDictionary<string, ArtLicence> Licences = new Dictionary<string, ArtLicence>(StringComparer.Ordinal)
    {
        [Noto] = new("SIL Open Font License 1.1", "Noto Color Emoji, Copyright 2013 Google LLC (SIL OFL 1.1)",
            "usr/share/doc/fonts-noto-color-emoji/copyright", "SIL Open Font License"),
        [EmojiOne] = new("CC-BY-SA-4.0", "Emoji artwork provided by EmojiOne (Ranks.com), CC BY-SA 4.0",
            "usr/share/doc/ruby-gemojione/copyright", "CC-BY-SA-4.0"),
        [Twemoji] = new("CC-BY-4.0", "Twemoji graphics by Twitter, Inc. and other contributors, CC BY 4.0",
            "package/README.md", "Twitter images are available under the [Creative Commons Attribution 4.0 license]"),
        [OpenMoji] = new("CC-BY-SA-4.0", "OpenMoji, the open-source emoji and icon project (openmoji.org), CC BY-SA 4.0",
            "package/LICENSE.txt", "Attribution-ShareAlike 4.0 International"),
        [FluentFlat] = new("MIT", "Fluent Emoji by Microsoft (github.com/microsoft/fluentui-emoji), MIT; npm packaging by Mohammad Abu Mattar, MIT",
            "package/LICENSE", "MIT License"),
        [FluentModern] = new("MIT", "Fluent Emoji by Microsoft (github.com/microsoft/fluentui-emoji), MIT; npm packaging by Mohammad Abu Mattar, MIT",
            "package/LICENSE", "MIT License"),
    };

    /// <summary>
    /// Fails unless <paramref name="source"/>'s style has a recorded licence and its package still says so (the evidence
    /// file holds the quoted text). Returns the licence.
    /// </summary>
    public static ArtLicence CheckLicence(EmojiArtSource source, IReadOnlyDictionary<string, ArtLicence>? licences = null)
    {
        licences ??= Licences;
        if (!licences.TryGetValue(source.Style, out var licence))
            throw new InvalidDataException(
                $"art source '{source.Style}' ({source.Origin}) has no recorded licence: add it to EmojiArtStyles.Licences after reading the package's " +
                "licence, or leave the source out. Nothing was written.");
        var evidence = Path.Combine(source.Folder, licence.EvidenceFile);
        if (!File.Exists(evidence) || !File.ReadAllText(evidence).Contains(licence.EvidenceText, StringComparison.Ordinal))
            throw new InvalidDataException(
                $"art source '{source.Style}' ({source.Origin}): the recorded licence ({licence.Licence}) quotes \"{licence.EvidenceText}\" from " +
                $"{licence.EvidenceFile}, which {(File.Exists(evidence) ? "no longer says so" : "is missing")}. Read the package's licence again. Nothing was written.");
        return licence;
    }

    /// <summary>The six sources, fetching and unpacking what is missing into <paramref name="cache"/> (default .cache/).</summary>
    public static IReadOnlyList<EmojiArtSource> Fetch(EmojiSources debian, string? cache = null, Action<string>? log = null)
    {
        cache ??= KitPaths.Cache;
        var npm = Path.Combine(cache, "npm");
        var twemoji = NpmPackage.Extract(TwemojiPackage, TwemojiVersion, npm, log);
        var openmoji = NpmPackage.Extract(OpenMojiPackage, OpenMojiVersion, npm, log);
        var fluent = NpmPackage.Extract(FluentPackage, FluentVersion, npm, log);
        var font = EmojiFont.Load(debian.NotoFontPath);
        var notoPngs = Path.Combine(cache, "noto-png");
        Directory.CreateDirectory(notoPngs);
        // Already unpacked by EmojiSources.Fetch: this only returns the folders, whose copyright files are the evidence.
        var deb = Path.Combine(cache, "deb");
        var (notoRoot, _) = DebianPackage.Extract(EmojiSources.NotoPackage, deb, "");
        var (gemRoot, _) = DebianPackage.Extract(EmojiSources.EmojiOnePackage, deb, "");
        return
        [
            new(Noto, $"Debian fonts-noto-color-emoji {debian.NotoVersion}", notoRoot, (cp, _) =>
            {
                if (font.PngOf(cp) is not { } png) return null;
                var path = Path.Combine(notoPngs, $"{cp:X4}.png");
                if (!File.Exists(path)) File.WriteAllBytes(path, png);
                return new ArtFile(path, false);
            }),
            new(EmojiOne, $"Debian ruby-gemojione {debian.EmojiOneVersion}", gemRoot, (cp, _) =>
                debian.EmojiOnePng(cp) is { } p ? new ArtFile(p, false) : null),
            new(Twemoji, $"npm {TwemojiPackage} {TwemojiVersion}", twemoji, (cp, _) =>
                Existing(Path.Combine(twemoji, "package/img/twitter/64", $"{cp:x4}.png"), Path.Combine(twemoji, "package/img/twitter/64", $"{cp:x4}-fe0f.png"))
                    is { } p ? new ArtFile(p, false) : null),
            new(OpenMoji, $"npm {OpenMojiPackage} {OpenMojiVersion}", openmoji, (cp, _) =>
                Existing(Path.Combine(openmoji, "package/color/svg", $"{cp:X4}.svg")) is { } p ? new ArtFile(p, true) : null),
            new(FluentFlat, $"npm {FluentPackage} {FluentVersion} icons/flat", fluent, (_, name) => FluentFile(fluent, "flat", name)),
            new(FluentModern, $"npm {FluentPackage} {FluentVersion} icons/modern", fluent, (_, name) => FluentFile(fluent, "modern", name)),
        ];
    }

    /// <summary>Fluent's file names are CLDR names in kebab case; a few are older CLDR names (U+1F621 is "pouting face" there).</summary>
    static readonly Dictionary<string, string> FluentOlderNames = new(StringComparer.Ordinal) { ["enraged face"] = "pouting face" };

    static ArtFile? FluentFile(string root, string kind, string cldrName)
    {
        var name = FluentOlderNames.GetValueOrDefault(cldrName, cldrName);
        var kebab = Regex.Replace(Regex.Replace(name.ToLowerInvariant(), "[’'“”.!]", ""), "[^a-z0-9]+", "-").Trim('-');
        var folder = Path.Combine(root, "package/icons", kind);
        return Existing(Path.Combine(folder, kebab + ".svg"), Path.Combine(folder, kebab + "-default.svg")) is { } p ? new ArtFile(p, true) : null;
    }

    static string? Existing(params string[] paths) => paths.FirstOrDefault(File.Exists);
}

/// <summary>Fetches an npm package's tarball with `npm pack NAME@VERSION` (nothing installed) and unpacks it once.</summary>
public static class NpmPackage
{
    /// <summary>The folder holding the unpacked package/ (cache/NAME-VERSION/).</summary>
    public static string Extract(string name, string version, string cache, Action<string>? log = null)
    {
        Directory.CreateDirectory(cache);
        var folder = Path.Combine(cache, $"{name}-{version}");
        var marker = Path.Combine(folder, ".unpacked");
        if (File.Exists(marker)) return folder;
        var tarball = Path.Combine(cache, $"{name}-{version}.tgz");
        if (!File.Exists(tarball))
        {
            log?.Invoke($"npm pack {name}@{version} (into {cache}; nothing is installed)");
            Run("npm", ["pack", $"{name}@{version}"], cache, $"npm (Node.js) fetches {name}; the processed set is committed in data/, so a fresh clone needs none of this.");
        }
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        log?.Invoke($"tar -xzf {Path.GetFileName(tarball)}");
        Run("tar", ["-xzf", tarball, "-C", folder], cache, "tar unpacks the npm tarball.");
        File.WriteAllText(marker, tarball);
        return folder;
    }

    static void Run(string program, string[] arguments, string folder, string hint)
    {
        var psi = new ProcessStartInfo(program, arguments) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException($"`{program}` could not start ({e.Message}). {hint}", e); }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"`{program} {string.Join(' ', arguments)}` failed (exit {process.ExitCode}): {stderr.Result.Trim()} {hint}");
        }
    }
}

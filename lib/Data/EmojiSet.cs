using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Diffusion.Imaging;
using Diffusion.Runtime;
using Diffusion.Training;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Data;

/// <summary>One picture of the set: its concept (index into the concepts), the emoji drawn and the art style.</summary>
public sealed record EmojiPicture(int Concept, string CodePoint, string UnicodeName, string Style);

/// <summary>The concept list written beside the atlas (data/emoji/concepts.json).</summary>
public sealed record EmojiSetFile(
    string Format,
    int Size,
    int Content,
    int Columns,
    string Atlas,
    string Fingerprint,
    IReadOnlyDictionary<string, string> Sources,
    IReadOnlyList<EmojiSetConcept> Concepts,
    IReadOnlyList<EmojiPicture> Pictures,
    string? HeldOutStyle = null);

public sealed record EmojiSetConcept(string Key, string[] Names, string[] CodePoints, string[] Captions);

/// <summary>
/// The text-to-image training set: every curated <see cref="EmojiConcepts"/> concept in both art styles (Noto Color
/// Emoji and EmojiOne 2), composited on white at 32 x 32 RGB with the emoji in the central 28 x 28 (room for the
/// training-time shifts and scales). Stored compactly in data/emoji/: atlas.png (16 pictures a row, in the order of
/// concepts.json's "pictures") and concepts.json (names, captions, sources, licences). The kit's `emoji` verb makes it
/// from the Debian packages (tools/Diffusion.Kit/DataBuilding); <see cref="Load"/> reads it as tensors.
/// </summary>
public sealed class EmojiSet : IDisposable
{
    public const string FormatName = "emoji-concepts-1";
    /// <summary>The 64 x 64 set's format (data/emoji-64/): the same files, with a held-out art style.</summary>
    public const string FormatName64 = "emoji-concepts-2";
    public const string ConceptsFile = "concepts.json";
    public const string AtlasFile = "atlas.png";
    public const int Size = 32;
    public const int Content = 28;
    /// <summary>Pictures per atlas row.</summary>
    public const int Columns = 16;
    public const string NotoStyle = "noto", EmojiOneStyle = "emojione";

    public static string DefaultFolder => Path.Combine(KitPaths.Data, "emoji");

    public EmojiSetFile File { get; }
    /// <summary>N x 3 x 32 x 32 float32 in [-1, 1] (the model's range), CPU.</summary>
    public Tensor Images { get; }
    /// <summary>The concept index of each picture.</summary>
    public long[] Labels { get; }
    public IReadOnlyList<EmojiSetConcept> Concepts => File.Concepts;
    public int Count => Labels.Length;

    EmojiSet(EmojiSetFile file, Tensor images)
    {
        File = file;
        Images = images;
        Labels = file.Pictures.Select(p => (long)p.Concept).ToArray();
    }

    public void Dispose() => Images.Dispose();

    public override string ToString() => $"emoji set: {Count} pictures of {Concepts.Count} concepts, 3 x {File.Size} x {File.Size}" +
        (File.HeldOutStyle is { } style ? $", style '{style}' held out" : "");

    /// <summary>The concept whose captions include <paramref name="caption"/>, or null.</summary>
    public int? ConceptOf(string caption)
    {
        for (int i = 0; i < Concepts.Count; i++)
            if (Concepts[i].Captions.Contains(caption, StringComparer.Ordinal)) return i;
        return null;
    }

    /// <summary>The indices of the pictures of concept <paramref name="concept"/>.</summary>
    public int[] PicturesOf(int concept) => Enumerable.Range(0, Count).Where(i => Labels[i] == concept).ToArray();

    /// <summary>Whether picture <paramref name="index"/> is in the held-out art style (never trained on).</summary>
    public bool IsHeldOut(int index) => File.HeldOutStyle is { } style && File.Pictures[index].Style == style;

    /// <summary>The pictures of concept <paramref name="concept"/> a model may train on (the held-out style left out).</summary>
    public int[] TrainingPicturesOf(int concept) => PicturesOf(concept).Where(i => !IsHeldOut(i)).ToArray();

    /// <summary>The pictures of concept <paramref name="concept"/> in the held-out style (evaluation, part A's test pictures).</summary>
    public int[] HeldOutPicturesOf(int concept) => PicturesOf(concept).Where(IsHeldOut).ToArray();

    /// <summary>Reads data/emoji/ (or <paramref name="folder"/>).</summary>
    public static EmojiSet Load(string? folder = null)
    {
        folder ??= DefaultFolder;
        var file = ReadFile(folder);
        var atlasPath = Path.Combine(folder, file.Atlas);
        if (!System.IO.File.Exists(atlasPath))
            throw new FileNotFoundException($"{folder} has {ConceptsFile} but no {file.Atlas}. Re-create it with: dotnet run --project tools/Diffusion.Kit -- emoji --force", atlasPath);
        using var atlas = ImageTensor.Load(atlasPath, ValueRange.MinusOneOne);
        int n = file.Pictures.Count, rows = (n + file.Columns - 1) / file.Columns;
        if (atlas.shape[1] != rows * file.Size || atlas.shape[2] != file.Columns * file.Size)
            throw new InvalidDataException($"{atlasPath} is {atlas.shape[2]} x {atlas.shape[1]}; {n} pictures of {file.Size} px in {file.Columns} columns need {file.Columns * file.Size} x {rows * file.Size}.");
        using var scope = NewDisposeScope();
        // 3 x (rows*S) x (cols*S) -> rows x cols x 3 x S x S -> N x 3 x S x S
        var tiles = atlas.view(3, rows, file.Size, file.Columns, file.Size).permute(1, 3, 0, 2, 4)
            .reshape(rows * file.Columns, 3, file.Size, file.Size).narrow(0, 0, n).contiguous();
        return new EmojiSet(file, tiles.MoveToOuterDisposeScope());
    }

    public static EmojiSetFile ReadFile(string folder)
    {
        var path = Path.Combine(folder, ConceptsFile);
        if (!System.IO.File.Exists(path))
            throw new FileNotFoundException(
                $"No emoji concept set in {folder} (no {ConceptsFile}). Make it with: dotnet run --project tools/Diffusion.Kit -- emoji", path);
        EmojiSetFile? file;
        try { file = JsonSerializer.Deserialize<EmojiSetFile>(System.IO.File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not an emoji concept list: {e.Message}"); }
        if (file is null || file.Format is not (FormatName or FormatName64))
            throw new InvalidDataException($"{path} is not an {FormatName} or {FormatName64} concept list (format '{file?.Format}').");
        return file;
    }

    /// <summary>A hash of what the curated table and the rendering settings say, so a stale set is noticed.</summary>
    public static string CurrentFingerprint()
    {
        var text = new StringBuilder($"{FormatName};{Size};{Content};{string.Join("|", EmojiConcepts.Phrasings)}\n");
        foreach (var c in EmojiConcepts.All)
            text.Append(c.Key).Append(';').AppendJoin("|", c.Names).Append(';').AppendJoin(",", c.CodePoints.Select(p => p.ToString("X4"))).Append('\n');
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    /// <summary>Null when <paramref name="folder"/> holds a set matching the curated table, else what is wrong.</summary>
    public static string? Problem(string? folder = null)
    {
        folder ??= DefaultFolder;
        try
        {
            var file = ReadFile(folder);
            if (file.Fingerprint != CurrentFingerprint())
                return $"{Path.Combine(folder, ConceptsFile)} was made from another concept table ({file.Fingerprint}, now {CurrentFingerprint()})";
            if (!System.IO.File.Exists(Path.Combine(folder, file.Atlas))) return $"{file.Atlas} is missing";
            return null;
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException) { return e.Message; }
    }
}

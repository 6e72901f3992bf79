using System.Text;
using System.Text.Json;
using Diffusion.Data;
using Diffusion.Runtime;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Display;

/// <summary>What <see cref="FigureCache"/> does with a figure in this process.</summary>
public enum FigureCacheMode
{
    /// <summary>Compute every figure (a student's kernel, the grader, tests): the default.</summary>
    Off,
    /// <summary>Show the stored figure when its key matches, else compute it (the main job).</summary>
    Replay,
    /// <summary>Compute every figure and store it (`run --refresh-figures`).</summary>
    Store,
    /// <summary>Compute every figure and fail unless the stored one matches it (the tests' check that the cache is fresh).</summary>
    Verify,
}

/// <summary>
/// The main job's figures that are the same every run: the 300-step samples of the shipped models with the notebooks'
/// fixed seeds. Each is stored in data/figures/NOTEBOOK/FIGURE.figure under a key of the notebook's text (its code and
/// settings, solutions included) and the hashes of the model files it samples, so editing a cell or retraining a model
/// misses the cache. Only `run` turns it on, through <see cref="Variable"/> (which it sets per notebook); a student's
/// kernel and the grader never see the variable and always compute. The library's own code is not in the key: the
/// tests recompute every stored figure (<see cref="FigureCacheMode.Verify"/>) and fail when one has gone stale.
/// </summary>
public sealed class FigureCache(string folder, FigureCacheMode mode, string notebook = "", string notebookHash = "")
{
    /// <summary>"MODE;NOTEBOOK;sha256:..." as `run` sets it; absent, the cache is off.</summary>
    public const string Variable = "DIFFUSION_FIGURES";
    /// <summary>The first words of the line a replayed figure prints, which `run` counts.</summary>
    public const string ReplayedPrefix = "Cached figure:";
    const string Format = "kit-figure-1";
    /// <summary>How far a recomputed figure may stray from the stored one, both in 8 bits (another CPU's rounding).</summary>
    const double MaxDifference = 0.02, MaxMeanDifference = 0.002;

    public static string DefaultFolder => Path.Combine(KitPaths.Data, "figures");

    /// <summary>The cache this process was given by `run` through <see cref="Variable"/> (off when it is absent).</summary>
    public static FigureCache Current
    {
        get
        {
            var value = Environment.GetEnvironmentVariable(Variable);
            if (string.IsNullOrEmpty(value)) return new FigureCache(DefaultFolder, FigureCacheMode.Off);
            var parts = value.Split(';');
            if (parts.Length != 3 || !Enum.TryParse<FigureCacheMode>(parts[0], ignoreCase: true, out var mode) || parts[1].Length == 0 || !parts[2].StartsWith("sha256:", StringComparison.Ordinal))
                throw new InvalidOperationException($"{Variable} must be MODE;NOTEBOOK;sha256:HASH with MODE off, replay, store or verify, got \"{value}\".");
            return new FigureCache(DefaultFolder, mode, parts[1], parts[2]);
        }
    }

    /// <summary>The variable's value for one notebook.</summary>
    public static string Setting(FigureCacheMode mode, string notebookPath) =>
        $"{mode.ToString().ToLowerInvariant()};{Path.GetFileNameWithoutExtension(notebookPath)};{TrainingManifest.HashFile(notebookPath)}";

    /// <summary>
    /// The pictures <paramref name="compute"/> makes (in [0, 1]), or the stored ones when the cache replays and the key
    /// of <paramref name="figure"/>, this notebook and <paramref name="modelFiles"/> matches. Stored as they are shown,
    /// clamped to [0, 1] in 8 bits, so a replayed figure looks exactly like the drawn one.
    /// </summary>
    public static Tensor Samples(string figure, Func<Tensor> compute, params string[] modelFiles) => Current.Draw(figure, compute, modelFiles);

    /// <summary><see cref="Samples"/> with this cache.</summary>
    public Tensor Draw(string figure, Func<Tensor> compute, params string[] modelFiles)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(figure);
        if (figure.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || figure.Contains(' '))
            throw new ArgumentException($"a figure's name becomes its file name: letters, digits and dashes, got \"{figure}\".", nameof(figure));
        if (mode == FigureCacheMode.Off) return compute();
        var key = Key(notebookHash, figure, modelFiles);
        var path = Path.Combine(folder, notebook, figure + ".figure");
        var stored = mode == FigureCacheMode.Replay ? ReadOrNull(path) : null;
        if (mode == FigureCacheMode.Replay && stored is { } hit && hit.Header.Key == key)
        {
            Console.WriteLine(FormattableString.Invariant(
                $"{ReplayedPrefix} '{figure}' from {Path.GetRelativePath(KitPaths.Root, path)}, drawn {hit.Header.Drawn} in {hit.Header.Seconds:F1} s (the same notebook and models; `run --no-cache` draws it again)"));
            return hit.Samples;
        }
        stored?.Samples.Dispose();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var samples = compute();
        double seconds = clock.Elapsed.TotalSeconds;
        if (mode == FigureCacheMode.Store) Write(path, new FigureHeader(Format, key, notebook, figure, samples.shape, seconds, DateTime.UtcNow.ToString("u")), samples);
        if (mode == FigureCacheMode.Verify) Check(path, key, samples);
        return samples;
    }

    static void Check(string path, string key, Tensor samples)
    {
        const string refresh = "Refresh the figures with `dotnet run --project tools/Diffusion.Kit -- run --refresh-figures` and commit data/figures.";
        if (!File.Exists(path)) throw new InvalidOperationException($"no stored figure at {path}. {refresh}");
        var stored = Read(path);
        using var _ = stored.Samples;
        if (stored.Header.Key != key)
            throw new InvalidOperationException($"{path} was drawn for another notebook text or other models (key {stored.Header.Key}, now {key}). {refresh}");
        if (!stored.Samples.shape.SequenceEqual(samples.shape))
            throw new InvalidOperationException($"{path} holds [{string.Join(", ", stored.Samples.shape)}], the cell now draws [{string.Join(", ", samples.shape)}]. {refresh}");
        using var scope = NewDisposeScope();
        var difference = (Shown(samples).to(ScalarType.Float32).div_(255) - stored.Samples).abs();
        double max = difference.max().item<float>(), mean = difference.mean().item<float>();
        if (max > MaxDifference || mean > MaxMeanDifference)
            throw new InvalidOperationException(FormattableString.Invariant(
                $"{path} is stale: the library now draws it differently (largest difference {max:G3}, mean {mean:G3}; allowed {MaxDifference}, {MaxMeanDifference}). {refresh}"));
    }

    /// <summary>
    /// Deletes the stored figures of <paramref name="notebook"/> in <paramref name="folder"/> written before
    /// <paramref name="refreshStartedUtc"/>: after a successful `run --refresh-figures` they are figures the notebook no
    /// longer draws (a model's old snapshots, a renamed cell), which would otherwise stay in every clone. Returns their names.
    /// </summary>
    public static IReadOnlyList<string> RemoveNotRedrawn(string folder, string notebook, DateTime refreshStartedUtc)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(notebook);
        var dir = Path.Combine(folder, notebook);
        if (!Directory.Exists(dir)) return [];
        var stale = Directory.GetFiles(dir, "*.figure").Where(f => File.GetLastWriteTimeUtc(f) < refreshStartedUtc).Order(StringComparer.Ordinal).ToList();
        foreach (var file in stale) File.Delete(file);
        return stale.Select(Path.GetFileNameWithoutExtension).ToList()!;
    }

    /// <summary>The notebook's hash, the figure's name and every model file's hash, hashed together.</summary>
    public static string Key(string notebookHash, string figure, IEnumerable<string> modelFiles)
    {
        var text = new StringBuilder().Append(Format).Append('\n').Append(notebookHash).Append('\n').Append(figure).Append('\n');
        foreach (var file in modelFiles)
        {
            if (!File.Exists(file)) throw new FileNotFoundException($"the model file a figure is drawn from is missing: {file}.", file);
            text.Append(TrainingManifest.HashFile(file)).Append('\n');
        }
        return "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    sealed record FigureHeader(string Format, string Key, string Notebook, string Figure, long[] Shape, double Seconds, string Drawn);

    /// <summary>Pictures in [0, 1] as the screen shows them: clamped and rounded to 8 bits (<see cref="Imaging.ImageTensor"/> does the same).</summary>
    static Tensor Shown(Tensor samples) => Imaging.ImageTensor.ToBytes(samples.detach().to(ScalarType.Float32)).contiguous();

    /// <summary>gzip of one JSON header line and the pictures in 8 bits.</summary>
    static void Write(string path, FigureHeader header, Tensor samples)
    {
        using var shown = Shown(samples);
        var bytes = new byte[shown.numel()];
        shown.bytes.CopyTo(bytes);
        var body = new MemoryStream();
        body.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header) + "\n"));
        body.Write(bytes);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, s => s.Write(DeterministicGzip.Compress(body.ToArray())));
    }

    /// <summary>A stored figure, or null when there is none or it cannot be read (then the cell draws it).</summary>
    static (FigureHeader Header, Tensor Samples)? ReadOrNull(string path)
    {
        if (!File.Exists(path)) return null;
        try { return Read(path); }
        catch (Exception e) when (e is InvalidDataException or JsonException or IOException) { return null; }
    }

    static (FigureHeader Header, Tensor Samples) Read(string path)
    {
        using var gz = new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress);
        var all = new MemoryStream();
        gz.CopyTo(all);
        var data = all.ToArray();
        int newline = Array.IndexOf(data, (byte)'\n');
        var header = newline > 0 ? JsonSerializer.Deserialize<FigureHeader>(Encoding.UTF8.GetString(data, 0, newline)) : null;
        if (header is null || header.Format != Format || data.Length - newline - 1 != header.Shape.Aggregate(1L, (a, b) => a * b))
            throw new InvalidDataException($"{path} is not a {Format} file of the shape its header says.");
        using var bytes = empty(header.Shape, ScalarType.Byte);
        bytes.bytes = data.AsSpan(newline + 1);
        return (header, bytes.to(ScalarType.Float32).div_(255));
    }
}

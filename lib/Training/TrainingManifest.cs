using System.Security.Cryptography;
using System.Text.Json;
using TorchSharp;

namespace Diffusion.Training;

/// <summary>
/// What anyone needs to reproduce a trained model, written beside it as manifest.json after every epoch:
/// the command, seed, settings, the data files and their hashes, wall time and final loss.
/// </summary>
public sealed record TrainingManifest(
    string Model,
    string Architecture,
    long Parameters,
    string Command,
    long Seed,
    string Settings,
    string Objective,
    IReadOnlyDictionary<string, string> Data,
    int EpochsDone,
    int EpochsPlanned,
    double WallSeconds,
    double FinalEpochLoss,
    IReadOnlyList<double> EpochLosses,
    IReadOnlyList<string> Snapshots,
    string TorchSharp,
    int Threads,
    string Machine,
    string Finished)
{
    public const string FileName = "manifest.json";
    static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    public void Save(string folder) => AtomicFile.WriteText(Path.Combine(folder, FileName), JsonSerializer.Serialize(this, Options));

    public static TrainingManifest Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"No {FileName} in {folder}.", path);
        try { return JsonSerializer.Deserialize<TrainingManifest>(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty."); }
        catch (JsonException e) { throw new InvalidDataException($"{path} is not a training manifest: {e.Message}"); }
    }

    /// <summary>File name to SHA-256 of every file in a data folder, so the manifest pins the exact data.</summary>
    public static Dictionary<string, string> HashFolder(string folder, string pattern = "*")
    {
        var result = new Dictionary<string, string>();
        if (!Directory.Exists(folder)) return result;
        foreach (var file in Directory.GetFiles(folder, pattern).Order(StringComparer.Ordinal))
        {
            if (file.EndsWith(".md", StringComparison.OrdinalIgnoreCase)) continue;
            result[Path.GetFileName(file)] = HashFile(file);
        }
        return result;
    }

    /// <summary>"sha256:..." of one file, the form the manifest records.</summary>
    public static string HashFile(string path)
    {
        using var s = File.OpenRead(path);
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(s));
    }

    public static string MachineDescription() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, torch threads {torch.get_num_threads()}";
}

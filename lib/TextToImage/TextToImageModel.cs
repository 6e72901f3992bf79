using Diffusion.Runtime;
using Diffusion.Text;
using Diffusion.Training;

namespace Diffusion.TextToImage;

/// <summary>
/// The trained text-to-image model: data/models/text-to-image/ (made by `train text`) or any run folder.
/// <see cref="Load"/> reads the newest (or a given) epoch-NN.weights snapshot, builds the network its header names
/// and wraps it as a <see cref="TextNoisePredictor"/>.
/// </summary>
public static class TextToImageModel
{
    public static string ShippedFolder => Path.Combine(KitPaths.Models, TextToImageRecipe.FolderName);

    /// <summary>True when data/ holds at least one snapshot of the kit's text-to-image model.</summary>
    public static bool IsShipped =>
        Directory.Exists(ShippedFolder) && Directory.GetFiles(ShippedFolder, "epoch-*.weights").Length > 0;

    /// <summary>The snapshot to load: epoch-NN.weights for <paramref name="epoch"/>, else the newest one.</summary>
    public static string WeightsPath(string? folder = null, int? epoch = null)
    {
        var dir = folder ?? ShippedFolder;
        string HowToTrain() =>
            $"Train it with: dotnet run --project tools/Diffusion.Kit -- train text --out {Path.GetRelativePath(KitPaths.Root, Path.GetFullPath(dir))}";
        var found = Directory.Exists(dir) ? Directory.GetFiles(dir, "epoch-*.weights").Order(StringComparer.Ordinal).ToList() : [];
        if (epoch is int e)
        {
            var path = Path.Combine(dir, Trainer<TextUNet>.SnapshotName(e));
            if (File.Exists(path)) return path;
            throw new FileNotFoundException(
                $"No text-to-image weights after epoch {e} in {dir} (found: {string.Join(", ", found.Select(Path.GetFileName).DefaultIfEmpty("none"))}). {HowToTrain()}", path);
        }
        return found.LastOrDefault() ?? throw new FileNotFoundException($"No text-to-image weights (epoch-NN.weights) in {dir}. {HowToTrain()}", dir);
    }

    /// <summary>
    /// Epochs of training behind the snapshot at <paramref name="path"/>, counting those of the weights its run started
    /// from (`train text --start-from`, recorded in the run's manifest.json): what students should read as "trained for".
    /// </summary>
    public static int EpochsInAll(string path)
    {
        int own = int.Parse(WeightsFile.ReadHeader(path).GetValueOrDefault("epoch", "0"), System.Globalization.CultureInfo.InvariantCulture);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!File.Exists(Path.Combine(folder, TrainingManifest.FileName))) return own;
        if (TrainingManifest.Load(folder).Data.GetValueOrDefault(StartWeights.ManifestKey) is not { } start) return own;
        var parent = StartWeights.PathIn(start);
        return own + (File.Exists(parent) ? EpochsInAll(parent) : throw new FileNotFoundException(
            $"{folder}/{TrainingManifest.FileName} says the run started from {parent}, which is missing.", parent));
    }

    /// <summary>The network stored in <paramref name="path"/> (its header names the architecture), in eval mode.</summary>
    public static TextUNet LoadNetwork(string path)
    {
        var header = WeightsFile.ReadHeader(path);
        var architecture = header.GetValueOrDefault("architecture", "?");
        if (!TextUNet.TryParseArchitecture(architecture, out int baseChannels, out int embedding))
            throw new InvalidDataException(
                $"{path} holds a {architecture} model, not the text-to-image TextUNet. Pick a checkpoint made by `train text`.");
        var net = new TextUNet(baseChannels, embedding);
        try { WeightsFile.Load(path, net, net.Architecture); }
        catch { net.Dispose(); throw; }
        net.eval();
        return net;
    }

    /// <summary>The model as a noise predictor for part A's samplers (prompts embedded by <paramref name="encoder"/>).</summary>
    public static TextNoisePredictor Load(string? folder = null, int? epoch = null, TextEncoder? encoder = null) =>
        new(LoadNetwork(WeightsPath(folder, epoch)), encoder);
}

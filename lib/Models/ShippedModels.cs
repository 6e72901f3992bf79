using TorchSharp;
using Diffusion.Runtime;
using Diffusion.Training;

namespace Diffusion.Models;

/// <summary>
/// The trained part B models shipped in data/models/ (made by the `train` verb; manifest.json beside each says how).
/// </summary>
public static class ShippedModels
{
    public static string Folder(DigitModelKind kind, string? root = null) =>
        Path.Combine(root ?? KitPaths.Models, DigitRecipe.FolderName(kind));

    /// <summary>True when the shipped weights of <paramref name="kind"/> after every epoch the course shows are present.</summary>
    public static bool IsPresent(DigitModelKind kind) =>
        DigitRecipe.Course(kind).Settings.Snapshots.All(e => File.Exists(Path.Combine(Folder(kind), Trainer<TorchSharp.torch.nn.Module>.SnapshotName(e))));

    /// <summary>The course's UNet of <paramref name="kind"/> with its weights after <paramref name="epoch"/> (eval mode).</summary>
    public static DigitUNet LoadUNet(DigitModelKind kind, int epoch, string? folder = null) =>
        LoadUNet(DigitRecipe.Course(kind), epoch, folder);

    /// <summary>The UNet a recipe trains, with its weights after <paramref name="epoch"/> from <paramref name="folder"/>.</summary>
    public static DigitUNet LoadUNet(DigitRecipe recipe, int epoch, string? folder = null)
    {
        if (recipe.Kind == DigitModelKind.Classifier) throw new ArgumentException("the classifier is not a UNet: use LoadClassifier.", nameof(recipe));
        var net = new DigitUNet(recipe.UNetKind, recipe.Hidden);
        LoadInto(net, recipe, recipe.Kind, epoch, folder);
        return net;
    }

    /// <summary>The time- or class-conditioned model as a noise predictor for the samplers.</summary>
    public static DigitNoisePredictor LoadNoisePredictor(DigitModelKind kind, int epoch, string? folder = null) =>
        new(LoadUNet(kind, epoch, folder));

    /// <summary>The kit's digit classifier (the measuring stick for generated digits).</summary>
    public static DigitClassifier LoadClassifier(string? folder = null)
    {
        var recipe = DigitRecipe.Course(DigitModelKind.Classifier);
        var net = new DigitClassifier(recipe.Hidden);
        LoadInto(net, recipe, DigitModelKind.Classifier, recipe.Settings.Epochs, folder);
        return net;
    }

    /// <summary>The loss of every training step of a shipped model.</summary>
    public static LossHistory LoadHistory(DigitModelKind kind, string? folder = null) =>
        LossHistory.Load(Path.Combine(folder ?? Folder(kind), Trainer<TorchSharp.torch.nn.Module>.HistoryFile));

    static void LoadInto(TorchSharp.torch.nn.Module net, DigitRecipe recipe, DigitModelKind kind, int epoch, string? folder)
    {
        var dir = folder ?? Folder(kind);
        var path = Path.Combine(dir, Trainer<TorchSharp.torch.nn.Module>.SnapshotName(epoch));
        if (!File.Exists(path))
        {
            var have = Directory.Exists(dir) ? Directory.GetFiles(dir, "epoch-*.weights").Select(Path.GetFileName) : [];
            throw new FileNotFoundException(
                $"No weights for {DigitRecipe.FolderName(kind)} after epoch {epoch} in {dir} (found: {string.Join(", ", have.DefaultIfEmpty("none"))}). " +
                $"Train it with: dotnet run --project tools/Diffusion.Kit -- train {kind.ToString().ToLowerInvariant()} --out {dir}", path);
        }
        WeightsFile.Load(path, net, recipe.Architecture);
        net.to(Runtime.KitDevice.Current);
        net.eval();
    }
}

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

    /// <summary>The time- or class-conditioned DDPM model as a noise predictor for the samplers.</summary>
    public static DigitNoisePredictor LoadNoisePredictor(DigitModelKind kind, int epoch, string? folder = null)
    {
        if (kind is not (DigitModelKind.Time or DigitModelKind.Class))
            throw new ArgumentException($"kind must be a DDPM noise predictor (Time or Class), got {kind}" +
                (DigitRecipe.Course(kind).IsFlow ? ": a flow-matching model predicts velocities; use LoadVelocityField." : "."), nameof(kind));
        return new(LoadUNet(kind, epoch, folder));
    }

    /// <summary>The time- or class-conditioned flow-matching model as a velocity field for the Euler sampler.</summary>
    public static DigitVelocityField LoadVelocityField(DigitModelKind kind, int epoch, string? folder = null)
    {
        if (kind is not (DigitModelKind.FlowTime or DigitModelKind.FlowClass))
            throw new ArgumentException($"kind must be a flow-matching model (FlowTime or FlowClass), got {kind}" +
                (kind is DigitModelKind.Time or DigitModelKind.Class ? ": a DDPM model predicts noise; use LoadNoisePredictor." : "."), nameof(kind));
        return new(LoadUNet(kind, epoch, folder));
    }

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

    /// <summary>The `train` verb's name for a kind.</summary>
    public static string TrainName(DigitModelKind kind) => kind switch
    {
        DigitModelKind.OneStep => "one-step",
        DigitModelKind.PureNoise => "pure-noise",
        DigitModelKind.FlowTime => "fm-time",
        DigitModelKind.FlowClass => "fm-class",
        _ => kind.ToString().ToLowerInvariant(),
    };

    static void LoadInto(TorchSharp.torch.nn.Module net, DigitRecipe recipe, DigitModelKind kind, int epoch, string? folder)
    {
        var dir = folder ?? Folder(kind);
        var path = Path.Combine(dir, Trainer<TorchSharp.torch.nn.Module>.SnapshotName(epoch));
        if (!File.Exists(path))
        {
            var have = Directory.Exists(dir) ? Directory.GetFiles(dir, "epoch-*.weights").Select(Path.GetFileName) : [];
            throw new FileNotFoundException(
                $"No weights for {DigitRecipe.FolderName(kind)} after epoch {epoch} in {dir} (found: {string.Join(", ", have.DefaultIfEmpty("none"))}). " +
                $"Train it with: dotnet run --project tools/Diffusion.Kit -- train {TrainName(kind)} --out {dir}", path);
        }
        var found = WeightsFile.ReadHeader(path).GetValueOrDefault("architecture", "?");
        bool foundFlow = found.StartsWith("FlowMatching", StringComparison.Ordinal);
        if (found != recipe.Architecture && foundFlow != recipe.IsFlow)
            throw new InvalidDataException(
                $"{path} holds a {(foundFlow ? "flow-matching velocity" : "DDPM noise-predicting")} model ({found}), but a " +
                $"{(recipe.IsFlow ? "flow-matching velocity" : "DDPM noise-predicting")} model was expected ({recipe.Architecture}): " +
                "the same UNet trained for the other objective gives meaningless samples. Pick the folder trained for this model.");
        WeightsFile.Load(path, net, recipe.Architecture);
        net.to(Runtime.KitDevice.Current);
        net.eval();
    }
}

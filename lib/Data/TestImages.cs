using Diffusion.Imaging;
using Diffusion.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Data;

/// <summary>
/// The test pictures in data/images/ (sources and licences in its README.md): photos from scikit-image,
/// two drawings and inpainting masks. The kit's `data` verb makes any that are missing (tools/Diffusion.Kit/DataBuilding).
/// </summary>
public static class TestImages
{
    /// <summary>Public-domain or CC0 photos copied unchanged from python3-skimage; rocket.jpg stands in for the Campanile.</summary>
    public static readonly IReadOnlyList<string> Photos = ["astronaut.png", "rocket.jpg", "coffee.png", "chelsea.png", "camera.png"];
    public static readonly IReadOnlyList<string> Drawn = ["house.png", "flower.png"];
    /// <summary>rocket_mask.png matches rocket.jpg (its top part); center_mask.png is a square for any square image.</summary>
    public static readonly IReadOnlyList<string> MaskFiles = ["rocket_mask.png", "center_mask.png"];

    public static string Folder => KitPaths.Images;
    public static IEnumerable<string> All => Photos.Concat(Drawn).Concat(MaskFiles);

    public static string PathOf(string name)
    {
        var path = Path.Combine(Folder, name);
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"test image '{name}' not found in {Folder} (it has: {string.Join(", ", All)}). Run `dotnet run --project tools/Diffusion.Kit -- data --only images`.", path);
        return path;
    }

    /// <summary>A test image as C x H x W; with <paramref name="size"/>, resized and centre-cropped to size x size.</summary>
    public static Tensor Load(string name, int? size = null, ValueRange range = ValueRange.ZeroOne, bool grayscale = false) =>
        ImageTensor.Load(PathOf(name), range, grayscale, size);

    /// <summary>A mask as a float32 1 x H x W tensor of exactly 0 and 1 (1 = regenerate), resized like its image.</summary>
    public static Tensor LoadMask(string name, int? size = null)
    {
        using var scope = torch.NewDisposeScope();
        var gray = ImageTensor.Load(PathOf(name), ValueRange.ZeroOne, grayscale: true, size);
        return gray.gt(0.5).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public static IReadOnlyList<string> Missing() => All.Where(n => !File.Exists(Path.Combine(Folder, n))).ToList();
}

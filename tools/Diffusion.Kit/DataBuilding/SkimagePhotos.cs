using Diffusion.Runtime;

namespace Diffusion.Kit.DataBuilding;

/// <summary>
/// Gets sample photos out of Debian's python3-skimage package without installing it:
/// `apt-get download python3-skimage` then `dpkg-deb -x` into .cache/deb/. Needs apt (Debian/Ubuntu).
/// </summary>
public static class SkimagePhotos
{
    public const string Package = "python3-skimage";
    const string DataFolder = "usr/lib/python3/dist-packages/skimage/data";

    /// <summary>The extracted skimage/data folder, downloading and unpacking the package when needed.</summary>
    public static string Extract(string? cacheFolder = null, Action<string>? log = null)
    {
        cacheFolder ??= Path.Combine(KitPaths.Cache, "deb");
        var (unpacked, _) = DebianPackage.Extract(Package, cacheFolder,
            "The photos are also committed in data/images/, so a fresh clone needs none of this.",
            log is null ? null : line => log($"images: {line}"));
        var data = Path.Combine(unpacked, DataFolder);
        if (!Directory.Exists(data)) throw new InvalidDataException($"{Package} holds no {DataFolder}/ folder.");
        return data;
    }
}

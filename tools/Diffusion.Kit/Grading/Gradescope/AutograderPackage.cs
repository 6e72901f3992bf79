using System.IO.Compression;

namespace Diffusion.Kit.Grading.Gradescope;

/// <summary>
/// Writes the zip Gradescope's autograder takes: setup.sh and run_autograder at its root (Gradescope's specification),
/// beside them the kit's sources, notebooks (the key) and data, autograder.json (<see cref="AutograderConfig"/>) and
/// the Dockerfile that builds the same image anywhere. The folder it zips is written too (`docker build` takes it).
/// </summary>
public static class AutograderPackage
{
    /// <summary>The kit's files the grader builds from, relative to its root; bin/, obj/, data/sittings/, data/figures/ and resume checkpoints are left out.</summary>
    static readonly string[] Files = ["global.json", "nuget.config", "Directory.Build.props", "Directory.Packages.props", "Diffusion.Lib.csproj"];
    static readonly string[] Folders = ["lib", "tools/Diffusion.Kit", "data"];
    const string Templates = "tools/Diffusion.Kit/Grading/Gradescope";
    static readonly string[] RootScripts = ["setup.sh", "run_autograder", "Dockerfile"];

    public sealed record Written(string Folder, string Zip, long Bytes, int Entries);

    public static Written Write(string kitRoot, string outDir, AutograderConfig config)
    {
        var folder = Path.Combine(outDir, "source");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.CreateDirectory(folder);
        foreach (var file in Files) Copy(kitRoot, folder, file);
        foreach (var sub in Folders)
            foreach (var file in Directory.EnumerateFiles(Path.Combine(kitRoot, sub), "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(kitRoot, file).Replace('\\', '/');
                if (relative.Split('/').Any(part => part is "bin" or "obj")) continue;
                // Full resume checkpoints grade nothing, nor do the data folders no submission sees.
                if (GradingWorkspace.DataNotForSubmissions.Any(f => relative.StartsWith($"data/{f}/", StringComparison.Ordinal))
                    || Path.GetFileName(relative) == "resume.ckpt") continue;
                Copy(kitRoot, folder, relative);
            }
        foreach (var notebook in config.Notebooks) Copy(kitRoot, folder, $"notebooks/{notebook}.dib");
        foreach (var script in RootScripts) File.Copy(Path.Combine(kitRoot, Templates, script), Path.Combine(folder, script), overwrite: true);
        Unix.SetMode(Path.Combine(folder, "run_autograder"), Executable);
        Unix.SetMode(Path.Combine(folder, "setup.sh"), Executable);
        File.WriteAllText(Path.Combine(folder, AutograderConfig.FileName), config.ToJson());

        var zip = Path.Combine(outDir, "autograder.zip");
        if (File.Exists(zip)) File.Delete(zip);
        int entries = 0;
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
            foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var name = Path.GetRelativePath(folder, file).Replace('\\', '/');
                var entry = archive.CreateEntryFromFile(file, name, CompressionLevel.Fastest);
                // Unix permission bits in the high half: the scripts stay executable once unzipped (Windows keeps none: set them).
                var mode = OperatingSystem.IsWindows() ? (RootScripts.Contains(name) ? Executable : (UnixFileMode)0b110_100_100) : File.GetUnixFileMode(file);
                entry.ExternalAttributes = (int)mode << 16;
                entries++;
            }
        return new Written(folder, zip, new FileInfo(zip).Length, entries);
    }

    /// <summary>rwxr-xr-x.</summary>
    const UnixFileMode Executable = (UnixFileMode)0b111_101_101;

    static void Copy(string kitRoot, string folder, string relative)
    {
        var from = Path.Combine(kitRoot, relative);
        if (!File.Exists(from)) throw new FileNotFoundException($"autograder: the kit's {relative} is missing at {kitRoot}.", from);
        var to = Path.Combine(folder, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to, overwrite: true);
    }
}

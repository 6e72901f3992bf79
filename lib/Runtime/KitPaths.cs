namespace Diffusion.Runtime;

/// <summary>
/// Where the kit's folders are. The repository root is found by walking up from the current
/// directory (or from this assembly) to the folder holding Diffusion.Lib.csproj; DIFFUSION_ROOT overrides.
/// </summary>
public static class KitPaths
{
    static string? _root;

    public static string Root => _root ??= FindRoot();

    public static string Data => Path.Combine(Root, "data");
    public static string Models => Path.Combine(Data, "models");
    public static string Images => Path.Combine(Data, "images");
    public static string Mnist => Path.Combine(Data, "mnist");
    public static string Notebooks => Path.Combine(Root, "notebooks");
    public static string Out => Path.Combine(Root, "out");
    /// <summary>Downloads and extracted Debian/npm packages; ignored by git, safe to delete.</summary>
    public static string Cache => Path.Combine(Root, ".cache");

    /// <summary>Points the kit at another root (tests use a temporary copy).</summary>
    public static void UseRoot(string root) => _root = Path.GetFullPath(root);

    static string FindRoot()
    {
        var env = Environment.GetEnvironmentVariable("DIFFUSION_ROOT");
        if (!string.IsNullOrEmpty(env)) return Path.GetFullPath(env);
        foreach (var start in new[] { Directory.GetCurrentDirectory(), Path.GetDirectoryName(typeof(KitPaths).Assembly.Location)! })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Diffusion.Lib.csproj"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException(
            "Could not find the kit's root (the folder with Diffusion.Lib.csproj) above the current directory; set DIFFUSION_ROOT.");
    }
}

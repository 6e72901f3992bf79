using System.Diagnostics;
using Diffusion.Runtime;

namespace Diffusion.Kit.Notebooks;

/// <summary>
/// The .NET tools the kit pins in .config/dotnet-tools.json (the dotnet-interactive kernel). `dotnet tool restore`
/// installs them into the NuGet cache, does nothing when they are there, and is what the README's commands run.
/// </summary>
public static class ToolManifest
{
    static Task? _restored;

    public static string Path => System.IO.Path.Combine(KitPaths.Root, ".config", "dotnet-tools.json");

    /// <summary>Runs `dotnet tool restore` once per process; throws with its output when it fails.</summary>
    public static Task RestoreAsync() => _restored ??= RestoreOnceAsync();

    static async Task RestoreOnceAsync()
    {
        if (!File.Exists(Path)) throw new FileNotFoundException($"No tool manifest at {Path}: the kit's checkout is incomplete.", Path);
        var start = new ProcessStartInfo("dotnet", "tool restore")
        {
            WorkingDirectory = KitPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start `dotnet tool restore`.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"`dotnet tool restore` in {KitPaths.Root} failed (exit code {process.ExitCode}): {(await error).Trim()} {(await output).Trim()}");
    }
}

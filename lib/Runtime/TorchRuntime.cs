using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Diffusion.Runtime;

/// <summary>
/// Makes TorchSharp's native libraries load, once per process, before the first tensor is made.
/// TorchSharp 0.107's libLibTorchSharp.so asks for GLIBCXX_3.4.32 (GCC 13) for one symbol that nothing
/// relocates against; Debian 12 and Ubuntu 22.04 stop at 3.4.30 and refuse to load it. Where the system's
/// libstdc++ lacks exactly that version, the requirement is marked weak in place (idempotent, atomic).
/// libtorch is then loaded by absolute path from the package's own folder, so a system libtorch
/// (Debian's python3-torch puts 1.13 in /usr/lib) can never be picked up first.
/// </summary>
public static class TorchRuntime
{
    /// <summary>Versions known to be safe to weaken: only <c>_ZSt21ios_base_library_initv</c> wants it.</summary>
    static readonly string[] SafeToWeaken = ["GLIBCXX_3.4.32"];
    static readonly object Gate = new();
    static RuntimeReport? _report;

    /// <summary>What <see cref="Ensure"/> found and did.</summary>
    public sealed record RuntimeReport(
        string TorchSharpAssembly,
        string? NativeFolder,
        string? LibTorchFolder,
        string? SystemLibStdCxx,
        IReadOnlyList<string> MissingVersions,
        bool FixNeeded,
        bool FixAppliedNow,
        bool FixPresent,
        string? Error);

    /// <summary>Prepares and loads the native libraries; safe to call many times and from any thread.</summary>
    public static RuntimeReport Ensure()
    {
        lock (Gate)
        {
            if (_report is not null)
            {
                if (_report.Error is not null) throw new TorchLoadException(_report);
                return _report;
            }
            _report = Prepare();
            if (_report.Error is not null) throw new TorchLoadException(_report);
            return _report;
        }
    }

    static RuntimeReport Prepare()
    {
        string assembly = typeof(torch).Assembly.Location;
        if (!OperatingSystem.IsLinux())
            return new RuntimeReport(assembly, null, null, null, [], false, false, false, null);

        string? nativeFolder = FindFolderWith(NativeCandidates(assembly), "libLibTorchSharp.so");
        string? torchFolder = FindFolderWith(LibTorchCandidates(assembly, nativeFolder), "libtorch_cpu.so")
                              ?? FindFolderWith(LibTorchCandidates(assembly, nativeFolder), "libtorch_cuda.so");
        if (nativeFolder is null)
            return Fail(assembly, null, torchFolder, null, [],
                $"libLibTorchSharp.so was not found next to {assembly} nor in the NuGet package folder. Run `dotnet build` (or `dotnet restore`) first.");
        if (torchFolder is null)
            return Fail(assembly, nativeFolder, null, null, [],
                "libtorch (libtorch_cpu.so) was not found next to TorchSharp nor in the NuGet package folder. The kit needs the TorchSharp-cpu package (or the CUDA one); run `dotnet build`.");

        string shim = Path.Combine(nativeFolder, "libLibTorchSharp.so");
        string? libstdcxx = FindSystemLibStdCxx();
        var requirements = ElfVersionRequirements.ReadRequirements(shim);
        var provided = libstdcxx is null ? new HashSet<string>() : ElfVersionRequirements.ReadDefinitions(libstdcxx);
        var missing = requirements
            .Where(r => r.Library.StartsWith("libstdc++", StringComparison.Ordinal) && !provided.Contains(r.Version))
            .ToList();
        var unsafeMissing = missing.Where(r => !SafeToWeaken.Contains(r.Version)).Select(r => r.Version).ToList();
        var missingNames = missing.Select(r => r.Version).ToList();
        if (libstdcxx is null)
            return Fail(assembly, nativeFolder, torchFolder, null, missingNames,
                "No libstdc++.so.6 was found on this system (install the libstdc++6 package).");
        if (unsafeMissing.Count > 0)
            return Fail(assembly, nativeFolder, torchFolder, libstdcxx, missingNames,
                $"{libstdcxx} lacks {string.Join(", ", unsafeMissing)}, which TorchSharp's native library really uses. Install a newer libstdc++ (GCC 13 or later).");

        PreferPassiveWaiting();
        NativeHeap.KeepFreedMemory();
        bool needed = missing.Count > 0;
        bool appliedNow = false;
        var weaken = missing.Select(r => r.Version).ToList();
        string? error = null;
        // Two tries: a build running beside us may copy the unpatched file back between our fix and our load.
        for (int attempt = 0; attempt < 2; attempt++)
        {
            if (needed)
            {
                try
                {
                    appliedNow |= ElfVersionRequirements.MarkWeak(shim, weaken) > 0;
                    // Fix the NuGet package's own copy too, so later builds copy a library that already loads.
                    foreach (var source in PackageCopies(shim)) ElfVersionRequirements.MarkWeak(source, weaken);
                }
                catch (UnauthorizedAccessException e)
                {
                    return Fail(assembly, nativeFolder, torchFolder, libstdcxx, missingNames,
                        $"{shim} needs a one-byte fix to load here (GLIBCXX_3.4.32 marked weak) but cannot be written: {e.Message}. Run the kit once as a user who can write it.");
                }
            }
            error = TryLoad(torchFolder, shim);
            if (error is null) break;
        }
        if (error is not null)
            return Fail(assembly, nativeFolder, torchFolder, libstdcxx, missingNames,
                $"TorchSharp's native libraries would not load from {nativeFolder}: {error}");
        bool present = ElfVersionRequirements.ReadRequirements(shim)
            .Where(r => SafeToWeaken.Contains(r.Version)).Any(r => r.IsWeak);
        return new RuntimeReport(assembly, nativeFolder, torchFolder, libstdcxx, missingNames, needed, appliedNow, present, null);
    }

    /// <summary>
    /// Applies the same one-byte fix to the copy of libLibTorchSharp.so in <paramref name="folder"/> (the notebooks'
    /// artifacts/lib), so processes that may not write it (the grader's sandboxed users) can load it as it is.
    /// Returns true when the file changed; harmless where no fix is needed.
    /// </summary>
    public static bool MakeLoadable(string folder)
    {
        var shim = Path.Combine(folder, "libLibTorchSharp.so");
        if (!OperatingSystem.IsLinux() || !File.Exists(shim) || FindSystemLibStdCxx() is not { } libstdcxx) return false;
        var provided = ElfVersionRequirements.ReadDefinitions(libstdcxx);
        var weaken = ElfVersionRequirements.ReadRequirements(shim)
            .Where(r => r.Library.StartsWith("libstdc++", StringComparison.Ordinal) && !provided.Contains(r.Version) && SafeToWeaken.Contains(r.Version))
            .Select(r => r.Version).ToList();
        return weaken.Count > 0 && ElfVersionRequirements.MarkWeak(shim, weaken) > 0;
    }

    /// <summary>
    /// libtorch's OpenMP threads spin while they wait for work. On a shared 2-core machine (a training run beside a
    /// notebook, or tests) spinning threads starve each other, many times over (docs/measurements.md). Passive waiting
    /// costs little when the machine is idle, so it is the kit's default;
    /// an OMP_WAIT_POLICY set by the user wins. libgomp reads it when it loads, so this runs before the first load,
    /// through libc's setenv because .NET's SetEnvironmentVariable does not reach native code on Unix.
    /// </summary>
    static void PreferPassiveWaiting()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"))) return;
        try { SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0); }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE");
    }

    [DllImport("libc", EntryPoint = "setenv")]
    static extern int SetEnv(string name, string value, int overwrite);

    /// <summary>Loads libtorch by absolute path (so no system copy is picked up), then the TorchSharp shim; null on success.</summary>
    static string? TryLoad(string torchFolder, string shim)
    {
        try
        {
            foreach (var lib in new[] { "libgomp-98b21ff3.so.1", "libc10.so", "libtorch_cpu.so", "libtorch.so" })
            {
                var full = Path.Combine(torchFolder, lib);
                if (File.Exists(full)) NativeLibrary.Load(full);
            }
            foreach (var lib in new[] { "libc10_cuda.so", "libtorch_cuda.so" })
            {
                var full = Path.Combine(torchFolder, lib);
                if (File.Exists(full)) NativeLibrary.TryLoad(full, out _);
            }
            NativeLibrary.Load(shim);
            return null;
        }
        catch (DllNotFoundException e) { return e.Message; }
    }

    /// <summary>The NuGet package folder's libLibTorchSharp.so files that builds copy from (not the one given).</summary>
    static IEnumerable<string> PackageCopies(string shim)
    {
        foreach (var root in NuGetRoots())
        {
            var package = Path.Combine(root, "torchsharp");
            if (!Directory.Exists(package)) continue;
            foreach (var version in Directory.GetDirectories(package))
            {
                var candidate = Path.Combine(version, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
                if (File.Exists(candidate) && Path.GetFullPath(candidate) != Path.GetFullPath(shim)) yield return candidate;
            }
        }
    }

    static RuntimeReport Fail(string assembly, string? native, string? torchFolder, string? libstdcxx, List<string> missing, string error) =>
        new(assembly, native, torchFolder, libstdcxx, missing, missing.Count > 0, false, false, error);

    static string? FindFolderWith(IEnumerable<string> folders, string file) =>
        folders.FirstOrDefault(f => File.Exists(Path.Combine(f, file)));

    static IEnumerable<string> NativeCandidates(string assembly)
    {
        var dir = Path.GetDirectoryName(assembly)!;
        yield return dir;
        yield return Path.Combine(dir, "runtimes", "linux-x64", "native");
        // NuGet layout: torchsharp/0.107.0/lib/net8.0/TorchSharp.dll -> torchsharp/0.107.0/runtimes/linux-x64/native
        yield return Path.GetFullPath(Path.Combine(dir, "..", "..", "runtimes", "linux-x64", "native"));
    }

    static IEnumerable<string> LibTorchCandidates(string assembly, string? nativeFolder)
    {
        foreach (var f in NativeCandidates(assembly)) yield return f;
        if (nativeFolder is not null) yield return nativeFolder;
        foreach (var root in NuGetRoots())
            foreach (var package in new[] { "libtorch-cpu-linux-x64", "libtorch-cuda-12.8-linux-x64" })
            {
                var packageDir = Path.Combine(root, package);
                if (!Directory.Exists(packageDir)) continue;
                foreach (var v in Directory.GetDirectories(packageDir).OrderByDescending(d => d, StringComparer.Ordinal))
                    yield return Path.Combine(v, "runtimes", "linux-x64", "native");
            }
    }

    static IEnumerable<string> NuGetRoots()
    {
        var env = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrEmpty(env)) yield return env;
        yield return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }

    /// <summary>The libstdc++ the dynamic loader will pick for this process.</summary>
    static string? FindSystemLibStdCxx()
    {
        string[] candidates =
        [
            "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
            "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        ];
        // A libstdc++ already mapped into this process (e.g. by the .NET host) wins over the search list.
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int at = line.IndexOf('/');
                if (at >= 0 && line.Contains("libstdc++.so", StringComparison.Ordinal)) return line[at..].Trim();
            }
        }
        catch (IOException) { }
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Paths of loaded native libraries whose file name contains <paramref name="fragment"/>.</summary>
    public static IReadOnlyList<string> LoadedLibraries(string fragment)
    {
        if (!OperatingSystem.IsLinux()) return [];
        return File.ReadLines("/proc/self/maps")
            .Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..].Trim() : null)
            .Where(p => p is not null && Path.GetFileName(p).Contains(fragment, StringComparison.Ordinal))
            .Distinct().ToList()!;
    }
}

/// <summary>TorchSharp could not be loaded; the message says why and what to do.</summary>
public sealed class TorchLoadException(TorchRuntime.RuntimeReport report) : Exception(report.Error)
{
    public TorchRuntime.RuntimeReport Report { get; } = report;
}

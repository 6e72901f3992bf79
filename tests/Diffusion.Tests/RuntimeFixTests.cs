using System.IO.Compression;
using Diffusion.Runtime;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>The Debian 12 fix on TorchSharp's native library, checked on the package's original bytes.</summary>
public class RuntimeFixTests
{
    const string LinuxOnly = "the fix patches a Linux ELF library (libLibTorchSharp.so); there is nothing to fix elsewhere.";

    /// <summary>libLibTorchSharp.so exactly as NuGet ships it, taken from the .nupkg (the extracted copy may be fixed already).</summary>
    static string OriginalShim()
    {
        var nupkg = Directory.GetFiles(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages", "torchsharp"),
            "torchsharp.*.nupkg", SearchOption.AllDirectories).Single();
        var path = Path.Combine(TempDir("shim"), "libLibTorchSharp.so");
        using var zip = ZipFile.OpenRead(nupkg);
        zip.GetEntry("runtimes/linux-x64/native/libLibTorchSharp.so")!.ExtractToFile(path);
        return path;
    }

    [SkippableFact]
    public void TheShippedLibraryNeedsGlibcxx332StronglyAndTheFixWeakensOnlyThat()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), LinuxOnly);
        var shim = OriginalShim();
        var before = ElfVersionRequirements.ReadRequirements(shim);
        var target = Assert.Single(before, r => r.Version == "GLIBCXX_3.4.32");
        Assert.False(target.IsWeak);
        Assert.Equal("libstdc++.so.6", target.Library);

        Assert.Equal(1, ElfVersionRequirements.MarkWeak(shim, ["GLIBCXX_3.4.32"]));
        var after = ElfVersionRequirements.ReadRequirements(shim);
        Assert.True(after.Single(r => r.Version == "GLIBCXX_3.4.32").IsWeak, "GLIBCXX_3.4.32 is still a strong requirement after MarkWeak");
        Assert.Equal(before.Where(r => r.Version != "GLIBCXX_3.4.32").Select(r => (r.Version, r.IsWeak)),
                     after.Where(r => r.Version != "GLIBCXX_3.4.32").Select(r => (r.Version, r.IsWeak)));
        Assert.Equal(0, ElfVersionRequirements.MarkWeak(shim, ["GLIBCXX_3.4.32"]));   // idempotent
    }

    [SkippableFact]
    public void DoctorTellsWhetherTheFixWasNeededAndApplied()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), LinuxOnly);
        // A copy of the kit whose native shim is the package's original. The .NET host follows links to find the
        // app's folder, so small files are copied; only the big native libraries (libtorch) are linked.
        var kitDir = Path.GetDirectoryName(typeof(Diffusion.Kit.IVerb).Assembly.Location)!;
        var copy = TempDir("kit-unfixed");
        foreach (var file in Directory.GetFiles(kitDir))
        {
            var name = Path.GetFileName(file);
            if (name == "libLibTorchSharp.so") continue;
            if (new FileInfo(file).Length > 20_000_000) File.CreateSymbolicLink(Path.Combine(copy, name), file);
            else File.Copy(file, Path.Combine(copy, name));
        }
        File.Copy(OriginalShim(), Path.Combine(copy, "libLibTorchSharp.so"));

        var libstdcxx = new[] { "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }.First(File.Exists);
        bool needed = !ElfVersionRequirements.ReadDefinitions(libstdcxx).Contains("GLIBCXX_3.4.32");

        var first = RunDoctor(copy);
        var second = RunDoctor(copy);
        if (needed)
        {
            Assert.Contains("Debian 12 fix          applied now", first);
            Assert.Contains("Debian 12 fix          already applied", second);
            Assert.True(ElfVersionRequirements.ReadRequirements(Path.Combine(copy, "libLibTorchSharp.so")).Single(r => r.Version == "GLIBCXX_3.4.32").IsWeak);
        }
        else
        {
            Assert.Contains("Debian 12 fix          not needed", first);
            Assert.False(ElfVersionRequirements.ReadRequirements(Path.Combine(copy, "libLibTorchSharp.so")).Single(r => r.Version == "GLIBCXX_3.4.32").IsWeak);
        }
        Assert.Contains($"libtorch               {TorchSharp.torch.__version__}", first);
    }

    static string RunDoctor(string kitCopy)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [Path.Combine(kitCopy, "Diffusion.Kit.dll"), "doctor"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = KitPaths.Root,
        };
        using var p = System.Diagnostics.Process.Start(start)!;
        var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return output;
    }
}

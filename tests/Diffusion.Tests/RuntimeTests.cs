using Diffusion.Runtime;
using TorchSharp;

namespace Diffusion.Tests;

public class RuntimeTests
{
    [Fact]
    public void TorchLoadsAndComputes()
    {
        var report = TorchRuntime.Ensure();
        Assert.Null(report.Error);
        using var a = torch.ones(2, 3);
        using var s = a.sum();
        Assert.Equal(6f, s.item<float>());
    }

    [Fact]
    public void LoadedLibTorchComesFromThePackageNotTheSystem()
    {
        var report = TorchRuntime.Ensure();
        var loaded = TorchRuntime.LoadedLibraries("libtorch_cpu.so");
        Assert.NotEmpty(loaded);
        Assert.All(loaded, p => Assert.StartsWith(report.LibTorchFolder!, p));
    }
}

public class NativeHeapTests
{
    [Fact]
    public void GlibcAcceptsEveryHeapSettingTheUserDidNotGive()
    {
        TorchRuntime.Ensure();
        int expected = OperatingSystem.IsLinux()
            ? NativeHeap.Settings.Count(s => string.IsNullOrEmpty(Environment.GetEnvironmentVariable(s.Variable)))
            : 0;
        Assert.Equal(expected, NativeHeap.KeepFreedMemory());
    }
}

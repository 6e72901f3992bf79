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

    [Fact]
    public void FreePagesGoBackToTheKernelOnRequest()
    {
        TorchRuntime.Ensure();
        // glibc's malloc_trim answers 1 when it gave memory back; eight freed 8 MiB tensors (below the 32 MiB that
        // would be mapped on their own) leave free heap pages to give.
        var blocks = Enumerable.Range(0, 8).Select(_ => torch.ones(2 << 20)).ToList();
        Assert.All(blocks, b => Assert.Equal(2 << 20, b.sum().item<float>()));
        blocks.ForEach(b => b.Dispose());
        Assert.Equal(OperatingSystem.IsLinux(), NativeHeap.ReturnFreeMemory());
    }
}

public class LoopMemoryTests
{
    [Theory]
    [InlineData(LoopMemory.StepsBetweenReturns)]
    [InlineData(20 * LoopMemory.StepsBetweenReturns)]
    public void EveryHundredthStepCollectsTheFirstGeneration(long stepsDone)
    {
        int before = GC.CollectionCount(0);
        LoopMemory.AfterStep(stepsDone);
        Assert.True(GC.CollectionCount(0) > before, $"no collection after step {stepsDone}");
    }
}

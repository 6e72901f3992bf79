using System.Runtime.InteropServices;

namespace Diffusion.Runtime;

/// <summary>
/// Keeps the memory libtorch frees for its next tensors instead of handing it back to the kernel.
/// glibc's malloc maps every block above a moving threshold (at most 32 MiB) afresh and returns freed heap top above
/// twice that threshold; a network's activations are then new pages on every step, each zeroed by the kernel, which
/// costs sampling a measurable share of its time (docs/measurements.md). Fixing the threshold at its ceiling and
/// trimming only beyond 1 GiB lets each step reuse the last step's pages. What one phase kept would then stay
/// resident for good, so the trainer and the sampler call
/// <see cref="ReturnFreeMemory"/> through <see cref="LoopMemory"/>: memory is kept from step to step and given back
/// every 100 steps and at the end of each epoch and run.
/// Settings already given by the user (MALLOC_*_ environment variables) are left alone. Only glibc has mallopt and
/// malloc_trim; elsewhere both do nothing.
/// </summary>
public static class NativeHeap
{
    const int TrimThreshold = -1, TopPad = -2, MmapThreshold = -3;   // mallopt parameters, from glibc's malloc.h

    /// <summary>What the kit sets: blocks up to 32 MiB from the heap, freed memory kept up to 1 GiB, grown in 64 MiB.</summary>
    public static readonly (string Variable, int Parameter, int Value)[] Settings =
    [
        ("MALLOC_MMAP_THRESHOLD_", MmapThreshold, 32 << 20),
        ("MALLOC_TRIM_THRESHOLD_", TrimThreshold, 1 << 30),
        ("MALLOC_TOP_PAD_", TopPad, 64 << 20),
    ];

    /// <summary>Applies <see cref="Settings"/> once; returns how many glibc accepted (0 where there is no glibc).</summary>
    public static int KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        int accepted = 0;
        foreach (var (variable, parameter, value) in Settings)
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(variable))) continue;
            try { accepted += MallOpt(parameter, value); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return 0; }   // musl has no mallopt
        }
        return accepted;
    }

    /// <summary>Hands the free pages of the heap back to the kernel (glibc's malloc_trim); false where that is not possible.</summary>
    public static bool ReturnFreeMemory()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try { return MallocTrim(0) == 1; }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { return false; }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int MallOpt(int parameter, int value);
}

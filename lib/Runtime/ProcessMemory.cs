namespace Diffusion.Runtime;

/// <summary>Resident memory of this process (Linux /proc; elsewhere the working set), for memory benchmarks.</summary>
public static class ProcessMemory
{
    public static long ResidentBytes()
    {
        if (OperatingSystem.IsLinux())
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        return Environment.WorkingSet;
    }

    public static double ResidentMiB() => ResidentBytes() / (1024.0 * 1024.0);
}

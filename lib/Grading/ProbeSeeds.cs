namespace Diffusion.Grading;

/// <summary>Seeds derived from one secret: each hidden test, and each input within it, gets its own stream.</summary>
public static class ProbeSeeds
{
    /// <summary>A fresh secret for a grading run.</summary>
    public static long NewSecret() => BitConverter.ToInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)) & long.MaxValue;

    /// <summary>The seed of stream <paramref name="stream"/> under <paramref name="seed"/> (SplitMix64's finaliser), never negative.</summary>
    public static long Derive(long seed, int stream)
    {
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)(stream + 1));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (long)((z ^ (z >> 31)) & long.MaxValue);
    }
}

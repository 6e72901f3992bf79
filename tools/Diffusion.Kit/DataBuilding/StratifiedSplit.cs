namespace Diffusion.Kit.DataBuilding;

/// <summary>Splits a labelled collection into train and test with each class in (nearly) the same proportion.</summary>
public static class StratifiedSplit
{
    /// <summary>
    /// How many items of each class go to test so that they add up to exactly <paramref name="testTotal"/>:
    /// each class gets floor(share), and the items left over go to the classes with the largest remainders
    /// (ties to the lower class), i.e. the largest-remainder (Hamilton) method.
    /// </summary>
    public static int[] TestCounts(IReadOnlyList<int> perClass, int testTotal)
    {
        long total = perClass.Sum(c => (long)c);
        if (testTotal < 0 || testTotal > total)
            throw new ArgumentOutOfRangeException(nameof(testTotal), $"testTotal must be from 0 to {total}, got {testTotal}.");
        var counts = new int[perClass.Count];
        var remainders = new long[perClass.Count];
        for (int c = 0; c < counts.Length; c++)
        {
            long scaled = (long)perClass[c] * testTotal; // exact integer arithmetic: share = scaled / total
            counts[c] = (int)(scaled / total);
            remainders[c] = scaled % total;
        }
        int left = testTotal - counts.Sum();
        foreach (int c in Enumerable.Range(0, counts.Length).OrderByDescending(c => remainders[c]).ThenBy(c => c).Take(left))
            counts[c]++;
        return counts;
    }

    /// <summary>Fisher-Yates shuffle driven by SplitMix64, so the order depends only on the seed (not on .NET's Random).</summary>
    public static void Shuffle<T>(IList<T> items, ulong seed)
    {
        ulong state = seed;
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = (int)(SplitMix64(ref state) % (ulong)(i + 1));
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    static ulong SplitMix64(ref ulong state)
    {
        ulong z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

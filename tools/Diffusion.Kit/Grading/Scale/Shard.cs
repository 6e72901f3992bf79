using System.Globalization;

namespace Diffusion.Kit.Grading.Scale;

/// <summary>
/// One machine's share of a class: <c>--shard K/N</c>. Students are taken in ordinal order of their names and dealt
/// round-robin, so every machine that sees the same submissions folder computes the same shares, each student lands in
/// exactly one, and the shares differ in size by one student at most.
/// </summary>
public sealed record Shard(int Index, int Count)
{
    public static readonly Shard Whole = new(1, 1);

    public static Shard Parse(string text)
    {
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n is >= 1 and <= 100_000 && k >= 1 && k <= n)
            return new Shard(k, n);
        throw new ArgumentException($"--shard: expected K/N with 1 <= K <= N (e.g. 3/8), got \"{text}\".", "--shard");
    }

    /// <summary>The students of this share, from every student in the class.</summary>
    public IReadOnlyList<string> Take(IEnumerable<string> students) =>
        students.Order(StringComparer.Ordinal).Where((_, i) => i % Count == Index - 1).ToList();

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}

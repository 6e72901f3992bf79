using System.Text.Json;

namespace Diffusion.Kit.Grading;

/// <summary>A hidden test as the grading child runs it: its probe cell and the seed its inputs are drawn from.</summary>
public sealed record ProbeOrder(int Index, string Code, long Seed);

/// <summary>
/// What the parent hands the grading child (a file the child reads and deletes before any submitted code runs): the
/// probe cells with their seeds, the cells and probes to skip, and a nonce. The child reports its progress on its
/// original stdout in lines <c>@@grade NONCE {json}</c>. Progress only steers the attempts (which cell to skip next
/// time): points come from the probe report alone, judged by the parent, so a forged line can win nothing.
/// </summary>
public sealed record GradeOrders(string Nonce, IReadOnlyList<ProbeOrder> Probes, IReadOnlyList<int> SkipCells, IReadOnlyList<int> SkipProbes)
{
    public const string LinePrefix = "@@grade ";

    public static JsonSerializerOptions Json { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string NewNonce() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}

/// <summary>One progress line from the child: a cell or probe starting, or the end.</summary>
public sealed record GradeEvent(int? Cell = null, int? Probe = null, bool Done = false)
{
    public string ToLine(string nonce) => GradeOrders.LinePrefix + nonce + " " + JsonSerializer.Serialize(this, GradeOrders.Json);

    /// <summary>The event in a line carrying this nonce; null for any other line.</summary>
    public static GradeEvent? Parse(string line, string nonce)
    {
        var prefix = GradeOrders.LinePrefix + nonce + " ";
        if (!line.StartsWith(prefix, StringComparison.Ordinal)) return null;
        try { return JsonSerializer.Deserialize<GradeEvent>(line[prefix.Length..], GradeOrders.Json); }
        catch (JsonException) { return null; }
    }
}

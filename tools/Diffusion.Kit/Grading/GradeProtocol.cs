using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diffusion.Kit.Grading;

/// <summary>How one hidden test ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TestStatus>))]
public enum TestStatus { Passed, Failed }

/// <summary>A hidden test's outcome as the grading child reports it.</summary>
public sealed record TestOutcome(int Index, TestStatus Status, string? Message, double Seconds);

/// <summary>
/// What the parent hands the grading child (a file the child reads and deletes before any submitted code runs):
/// the hidden tests and a nonce. The child reports on its original stdout in lines <c>@@grade NONCE {json}</c>;
/// the parent ignores every line without the nonce, so printing from a submission cannot forge a result.
/// </summary>
public sealed record GradeOrders(string Nonce, IReadOnlyList<HiddenTest> Tests, IReadOnlyList<int> SkipCells, IReadOnlyList<int> SkipTests)
{
    public const string LinePrefix = "@@grade ";

    public static JsonSerializerOptions Json { get; } = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string NewNonce() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
}

/// <summary>One report line from the child: a cell or test starting, a test's outcome, or the end.</summary>
public sealed record GradeEvent(int? Cell = null, int? Test = null, TestOutcome? Outcome = null, bool Done = false)
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

using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.Grading;

namespace Diffusion.Kit.Grading;

/// <summary>How one probe cell ended in the grading child.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ProbeStatus>))]
public enum ProbeStatus { Finished, Failed, TimedOut }

/// <summary>One probe cell's run: how it ended, the error if it threw or did not compile, and the values it kept.</summary>
public sealed record ProbeRun(int Index, ProbeStatus Status, string? Error, IReadOnlyList<ProbeValue> Values);

/// <summary>
/// What the grading child hands back besides the executed notebook (NAME.probes.json in its output folder, rewritten
/// after every probe): the pictures the submission's cells displayed and every probe's kept values. It is untrusted
/// input to the grader: it is read with size limits, and values only ever count by matching the grader's reference.
/// </summary>
public sealed record ProbeReport(int Figures, IReadOnlyList<ProbeRun> Probes)
{
    /// <summary>Largest report the grader reads, and most elements it accepts in all.</summary>
    public const long MaxBytes = 64L << 20;
    const long MaxElements = 4_000_000;

    static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, MaxDepth = 16 };

    public static string FileName(string notebook) => notebook + ".probes.json";

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The report in <paramref name="text"/>, or null when it is not one (malformed, inconsistent shapes, too large).</summary>
    public static ProbeReport? Parse(string text)
    {
        try
        {
            var report = JsonSerializer.Deserialize<ProbeReport>(text, Json);
            if (report?.Probes is null) return null;
            long elements = 0;
            foreach (var run in report.Probes)
                foreach (var v in run.Values ?? [])
                {
                    if (v is null) return null;
                    if (v.Shape is null != v.Data is null) return null;
                    if (v.Shape is { } shape && (shape.Any(d => d < 0) || shape.Aggregate(1L, (a, d) => a * Math.Max(d, 1)) > MaxElements
                                                 || shape.Aggregate(1L, (a, d) => a * d) != v.Data!.Length)) return null;
                    elements += v.Data?.Length ?? 0;
                }
            return elements <= MaxElements ? report with { Probes = report.Probes.Select(p => p with { Values = p.Values ?? [] }).ToList() } : null;
        }
        catch (JsonException) { return null; }
    }
}

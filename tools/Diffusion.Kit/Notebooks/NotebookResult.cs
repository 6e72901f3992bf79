using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diffusion.Kit.Notebooks;

/// <summary>How one notebook's run ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<NotebookStatus>))]
public enum NotebookStatus
{
    Ok,
    /// <summary>A cell threw or did not compile.</summary>
    Failed,
    /// <summary>A cell ran past the per-cell time limit and was stopped.</summary>
    TimedOut,
    /// <summary>The child process died without saying why (native crash, out of memory).</summary>
    Crashed,
}

/// <summary>One code cell's outcome, in notebook order (cell numbers count every cell, markdown included, from 1).</summary>
public sealed record CellResult(int Cell, string FirstLine, double Seconds, NotebookStatus Status, string? Error);

/// <summary>
/// What a notebook run produced: written by the child process beside the .ipynb as NAME.run.json,
/// read back by the parent for the summary and the report. <see cref="ReplayedFrom"/> is set when `run` replayed a
/// stored run instead of executing the notebook (<see cref="NotebookCache"/>): when that run was made.
/// </summary>
public sealed record NotebookResult(
    string Name,
    string Source,
    string Mode,
    NotebookStatus Status,
    double Seconds,
    IReadOnlyList<CellResult> Cells,
    int? FailedCell = null,
    string? FailedCellFirstLine = null,
    string? Error = null,
    DateTime? ReplayedFrom = null)
{
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static NotebookResult? TryRead(string path)
    {
        try { return File.Exists(path) ? JsonSerializer.Deserialize<NotebookResult>(File.ReadAllText(path), Json) : null; }
        catch (JsonException) { return null; }
    }

    /// <summary>"cell 4 (`var x = ...`)": how errors name a cell.</summary>
    public static string DescribeCell(int cell, string firstLine) => $"cell {cell} (`{firstLine}`)";
}

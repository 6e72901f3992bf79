using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Diffusion.Kit.Grading.Scale;

/// <summary>
/// What a `grade` run leaves beside its grades (shard.json): its share, the whole class it was a share of, every
/// notebook's grade with its run, and how long it took. `grade merge` rebuilds one class's outputs from these
/// records and the executed notebooks under feedback/, exactly as a single run writes them.
/// </summary>
public sealed record ShardRecord(
    string Shard,
    string Key,
    IReadOnlyList<string> Class,
    IReadOnlyList<string> Due,
    IReadOnlyList<NotebookGrade> Grades,
    IReadOnlyList<string> Unmatched,
    string Containment,
    string Mode,
    int Jobs,
    double WallSeconds)
{
    public const string FileName = "shard.json";
    static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public void Write(string outDir) =>
        Notebooks.NotebookExecutor.WriteAtomically(Path.Combine(outDir, FileName), JsonSerializer.Serialize(this, Json));

    public static ShardRecord Read(string dir)
    {
        var path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"SHARDS: {dir} holds no {FileName}; is it a `grade` output folder?", path);
        try
        {
            return JsonSerializer.Deserialize<ShardRecord>(File.ReadAllText(path), Json)
                ?? throw new InvalidDataException($"SHARDS: {path} is empty.");
        }
        catch (JsonException e) { throw new InvalidDataException($"SHARDS: {path} is not a shard record: {e.Message}"); }
    }

    /// <summary>The key's hidden tests, as one short fingerprint: shards graded against different keys cannot merge.</summary>
    public static string Fingerprint(GradingKey key)
    {
        var text = new StringBuilder();
        foreach (var name in key.Notebooks)
            foreach (var t in key.Tests[name])
                text.Append(name).Append('|').Append(t.Index).Append('|').Append(t.Section).Append('|').Append(t.Points).Append('|').Append(t.Code).Append('\n');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}

using System.Globalization;
using System.Text.Json;

namespace Diffusion.Kit.Grading.Scale;

/// <summary>How fast a grading run went: notebooks graded per hour of wall time, in the run's mode and parallelism.</summary>
public sealed record Throughput(string Mode, int Jobs, int Notebooks, double WallSeconds)
{
    public const string FileName = "throughput.json";

    public double NotebooksPerHour => WallSeconds > 0 ? Notebooks * 3600 / WallSeconds : 0;

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Notebooks} notebooks in {WallSeconds:0} s: {NotebooksPerHour:0.#} notebooks/hour (mode {Mode}, {Jobs} at once, {Environment.ProcessorCount} cores)");

    public void Write(string outDir) => Diffusion.Kit.Notebooks.NotebookExecutor.WriteAtomically(Path.Combine(outDir, FileName),
        JsonSerializer.Serialize(new { mode = Mode, jobs = Jobs, notebooks = Notebooks, wallSeconds = Math.Round(WallSeconds, 1),
            notebooksPerHour = Math.Round(NotebooksPerHour, 1), cores = Environment.ProcessorCount }, new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>Shards run side by side: the class took as long as the slowest one.</summary>
    public static Throughput Combined(IReadOnlyList<Throughput> shards) =>
        new(string.Join(",", shards.Select(s => s.Mode).Distinct()), shards.Sum(s => s.Jobs), shards.Sum(s => s.Notebooks),
            shards.Count == 0 ? 0 : shards.Max(s => s.WallSeconds));
}

using System.Globalization;
using Diffusion.Kit.Grading;
using Diffusion.Kit.Grading.Gallery;
using Diffusion.Kit.Grading.Scale;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`grade merge SHARD...`: one class's outputs from the shards' output folders, with the scores given by hand.</summary>
public static class GradeMergeCommand
{
    public const string Usage = """
        grade merge SHARD_DIR... [options]
          SHARD_DIR              the --out folders of `grade --shard 1/N` .. `grade --shard N/N` (or one plain grade run)
          --out DIR              default out/grade-merged: grades.csv, grades.json, feedback/, gallery/, similarity/
          --key DIR, --notebook  the same as given to grade
          --rubric FILE[,FILE]   CSV files exported from the gallery pages: their scores and comments join the grades
          --rubric-points N      points possible a new gallery page offers for each section (default 4)
        """;

    public static async Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        var shards = args.Positional.Skip(1).Select(Path.GetFullPath).ToList();
        if (shards.Count == 0) throw new ArgumentException("grade merge takes the shards' output folders: grade merge out/shard-1 out/shard-2 ...", "SHARD_DIR");
        var keyDir = Path.GetFullPath(args.String("key") ?? KitPaths.Notebooks);
        var only = (args.String("notebook") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var outDir = Path.GetFullPath(args.String("out") ?? Path.Combine(KitPaths.Out, "grade-merged"));
        var rubric = (args.String("rubric") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Path.GetFullPath).ToList();
        double points = args.Double("rubric-points", GalleryPages.DefaultRubricPoints, 0.5, 1000);
        args.RejectUnknown("grade merge");
        foreach (var s in shards) if (!Directory.Exists(s)) throw new ArgumentException($"no folder {s}.", "SHARD_DIR");
        cancel.ThrowIfCancellationRequested();

        var key = await GradingKey.LoadAsync(keyDir, only);
        var merged = ShardMerge.Run(shards, key, outDir, rubric, points, Console.WriteLine);
        foreach (var (student, grades) in merged.Summary.ByStudent)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {student,-24} {grades.Sum(g => g.Earned),6:0.##} / {grades.Sum(g => g.Possible):0.##}"));
        for (int i = 0; i < merged.Shards.Count; i++) Console.WriteLine($"shard {i + 1}/{merged.Shards.Count}: {merged.Shards[i].Describe()}");
        Console.WriteLine($"Class: {merged.Combined.Describe()}; {merged.RubricScores} scores given by hand.");
        Console.WriteLine($"Grades: {Path.Combine(outDir, "grades.csv")}; gallery: {Path.Combine(outDir, "gallery", "index.html")}; similarity: {Path.Combine(outDir, "similarity", "index.html")}");
        return 0;
    }
}

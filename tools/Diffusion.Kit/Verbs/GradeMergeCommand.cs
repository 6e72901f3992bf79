using System.CommandLine;
using System.Globalization;
using Diffusion.Kit.Grading;
using Diffusion.Kit.Grading.Gallery;
using Diffusion.Kit.Grading.Scale;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`grade merge SHARD...`: one class's outputs from the shards' output folders, with the scores given by hand.</summary>
public static class GradeMergeCommand
{
    /// <summary>`grade merge`: a part of the grade verb.</summary>
    public static Command Build()
    {
        var shardDirs = KitOptions.Words("SHARD_DIR", "the --out folders of `grade --shard 1/N` .. `grade --shard N/N` (or one plain grade run)");
        var outDir = KitOptions.TextOrNull("--out", "default out/grade-merged: grades.csv, grades.json, feedback/, gallery/, similarity/", "DIR");
        var key = KitOptions.TextOrNull("--key", "the same as given to grade (default notebooks/)", "DIR");
        var notebook = KitOptions.TextOrNull("--notebook", "the same as given to grade", "NAME");
        var rubric = KitOptions.TextOrNull("--rubric", "CSV files exported from the gallery pages: their scores and comments join the grades", "FILE[,FILE]");
        var points = KitOptions.Double("--rubric-points", "points possible a new gallery page offers for each section", GalleryPages.DefaultRubricPoints, 0.5, 1000, "N");
        return KitOptions.Verb("merge", "join the shards' output folders into one class's outputs, with the scores given by hand",
            (parse, cancel) => RunAsync(parse.GetValue(shardDirs)!, parse.GetValue(outDir), parse.GetValue(key), parse.GetValue(notebook),
                parse.GetValue(rubric), parse.GetValue(points), cancel),
            shardDirs, outDir, key, notebook, rubric, points);
    }

    static async Task<int> RunAsync(string[] shardDirs, string? outFolder, string? keyFolder, string? notebooks, string? rubricFiles, double points,
        CancellationToken cancel)
    {
        var shards = shardDirs.Select(Path.GetFullPath).ToList();
        if (shards.Count == 0) throw new ArgumentException("grade merge takes the shards' output folders: grade merge out/shard-1 out/shard-2 ...", "SHARD_DIR");
        var keyDir = Path.GetFullPath(keyFolder ?? KitPaths.Notebooks);
        var only = (notebooks ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var outDir = Path.GetFullPath(outFolder ?? Path.Combine(KitPaths.Out, "grade-merged"));
        var rubric = (rubricFiles ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Path.GetFullPath).ToList();
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

using Diffusion.Kit.Grading.Gallery;
using Diffusion.Kit.Notebooks;

namespace Diffusion.Kit.Grading.Scale;

/// <summary>
/// `grade merge`: the outputs of shards 1/N..N/N (each a `grade --shard K/N` output folder) as one class's grades.csv,
/// grades.json, feedback tree, galleries and similarity report, the same as one machine grading everyone writes. The
/// shards must be graded against the same key and class; a missing or repeated shard is an error naming it. Scores
/// given by hand in the gallery pages (their CSV export) join the grades here.
/// </summary>
public static class ShardMerge
{
    public sealed record Merged(Grader.Summary Summary, IReadOnlyList<Throughput> Shards, Throughput Combined, int RubricScores);

    public static Merged Run(IReadOnlyList<string> shardDirs, GradingKey key, string outDir, IReadOnlyList<string> rubricFiles, double rubricPoints, Action<string> log)
    {
        if (shardDirs.Count == 0) throw new ArgumentException("grade merge needs at least one shard folder.", "SHARDS");
        outDir = Path.GetFullPath(outDir);
        var records = shardDirs.Select(d => (Dir: Path.GetFullPath(d), Record: ShardRecord.Read(d))).ToList();
        var first = records[0].Record;
        var shards = records.Select(r => (r.Dir, Shard: Shard.Parse(r.Record.Shard), r.Record)).ToList();
        int count = shards[0].Shard.Count;
        foreach (var (dir, shard, record) in shards)
        {
            if (shard.Count != count) throw new InvalidDataException($"SHARDS: {dir} is shard {shard} but {shards[0].Dir} is one of {count}.");
            if (record.Key != first.Key) throw new InvalidDataException($"SHARDS: {dir} was graded against another key than {shards[0].Dir}.");
            if (!record.Class.SequenceEqual(first.Class)) throw new InvalidDataException($"SHARDS: {dir} saw another class (submissions folder) than {shards[0].Dir}.");
            if (!record.Due.SequenceEqual(first.Due)) throw new InvalidDataException($"SHARDS: {dir} graded other notebooks ({string.Join(", ", record.Due)}) than {shards[0].Dir} ({string.Join(", ", first.Due)}).");
        }
        if (first.Key != ShardRecord.Fingerprint(key))
            throw new InvalidDataException($"--key: the shards were graded against another key than {key.Folder} (pass the same --key and --notebook as to grade).");
        var repeated = shards.GroupBy(s => s.Shard.Index).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0) throw new InvalidDataException($"SHARDS: shard {string.Join(", ", repeated.Select(i => $"{i}/{count}"))} given twice.");
        var missing = Enumerable.Range(1, count).Except(shards.Select(s => s.Shard.Index)).ToList();
        if (missing.Count > 0) throw new InvalidDataException($"SHARDS: shard {string.Join(", ", missing.Select(i => $"{i}/{count}"))} missing; every one of 1/{count}..{count}/{count} is needed.");
        foreach (var (dir, shard, record) in shards)
        {
            var expected = shard.Take(first.Class);
            var graded = record.Grades.Select(g => g.Student).Distinct().Order(StringComparer.Ordinal).ToList();
            if (!graded.SequenceEqual(expected))
                throw new InvalidDataException($"SHARDS: {dir} (shard {shard}) holds grades for {graded.Count} students, its share is {expected.Count}; was it interrupted?");
        }

        Directory.CreateDirectory(outDir);
        foreach (var (dir, _, record) in shards)
            if (!SamePath(dir, outDir))
                foreach (var student in record.Grades.Select(g => g.Student).Distinct())
                    CopyNotebooks(Path.Combine(Feedback.StudentFolder(dir, student), "notebooks"), Path.Combine(Feedback.StudentFolder(outDir, student), "notebooks"));

        var byStudent = shards.SelectMany(s => s.Record.Grades).GroupBy(g => g.Student).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<NotebookGrade>)g.OrderBy(x => x.Notebook, StringComparer.Ordinal).ToList());
        var rubric = RubricScore.Read(rubricFiles, byStudent.Keys.ToHashSet(StringComparer.Ordinal), first.Due.ToHashSet(StringComparer.Ordinal));
        var containment = string.Join("; ", shards.Select(s => s.Record.Containment).Distinct());
        var figures = ClassOutputs.Write(outDir, key, byStudent, first.Unmatched, containment, PlotlyBundle.Ensure(log), rubric, rubricPoints);

        var perShard = shards.OrderBy(s => s.Shard.Index).Select(s => new Throughput(s.Record.Mode, s.Record.Jobs,
            s.Record.Grades.Count(g => g.Submission is not null), s.Record.WallSeconds)).ToList();
        var combined = Throughput.Combined(perShard);
        new ShardRecord(Shard.Whole.ToString(), first.Key, first.Class, first.Due, shards.SelectMany(s => s.Record.Grades).ToList(), first.Unmatched,
            containment, combined.Mode, combined.Jobs, combined.WallSeconds).Write(outDir);
        combined.Write(outDir);
        return new Merged(new Grader.Summary(byStudent, first.Unmatched, containment, outDir, combined, figures), perShard, combined, rubric.Count);
    }

    /// <summary>A shard's executed notebooks (plain files the grader wrote; links are not followed).</summary>
    static void CopyNotebooks(string from, string to)
    {
        if (!Directory.Exists(from)) return;
        if (Directory.Exists(to)) Directory.Delete(to, recursive: true);
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
            if (!new FileInfo(file).Attributes.HasFlag(FileAttributes.ReparsePoint))
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    static bool SamePath(string a, string b) => string.Equals(Path.GetFullPath(a).TrimEnd('/'), Path.GetFullPath(b).TrimEnd('/'), StringComparison.Ordinal);
}

using System.Diagnostics;
using Diffusion.Kit.Grading.Gallery;
using Diffusion.Kit.Grading.Scale;
using Diffusion.Kit.Notebooks;

namespace Diffusion.Kit.Grading;

/// <summary>Grades a folder of submissions against the key, several at once, and writes feedback and the summary.</summary>
public static class Grader
{
    public sealed record Summary(IReadOnlyDictionary<string, IReadOnlyList<NotebookGrade>> ByStudent, IReadOnlyList<string> Unmatched, string Containment, string OutDir,
        Throughput? Throughput = null, IReadOnlyList<Figure>? Figures = null);

    /// <param name="shard">The share of the class this run grades (default: all of it).</param>
    public static async Task<Summary> RunAsync(string submissionsDir, GradingKey key, string outDir, string kitRoot, GradingOptions options,
        int jobs, Action<string> log, CancellationToken cancel, Shard? shard = null)
    {
        var wall = Stopwatch.StartNew();
        shard ??= Shard.Whole;
        var found = SubmissionFolder.Scan(submissionsDir, key.Notebooks);
        if (found.ByStudent.Count == 0)
            throw new InvalidDataException($"SUBMISSIONS: {submissionsDir} holds no notebook matching the key ({string.Join(", ", key.Notebooks)}).");
        foreach (var file in found.Unmatched) log($"not graded (no key notebook in its name): {file}");
        Directory.CreateDirectory(outDir);
        // The sandboxed users cannot apply the runtime's one-byte fix themselves: apply it to the notebooks' copy first.
        Runtime.TorchRuntime.MakeLoadable(Path.Combine(kitRoot, "artifacts", "lib"));

        // Everything a submission must not see: the key, all submissions, the grades (and the kit's other outputs).
        var hide = new[] { key.Folder, submissionsDir, outDir, Path.Combine(kitRoot, "out") };
        Runtime.TorchRuntime.Ensure();   // the judgements run here, in the grader's process
        using var workspace = GradingWorkspace.Create(kitRoot, hide, log);
        log($"grader: {workspace.Containment}");
        var plotly = PlotlyBundle.Ensure(log);

        // The assignment is the key notebooks someone submitted (or, with --notebook, the ones named): the others are not due.
        var due = key.Notebooks.Where(n => key.Chosen || found.ByStudent.Values.Any(s => s.ContainsKey(n))).ToList();
        var share = shard.Take(found.ByStudent.Keys).ToHashSet(StringComparer.Ordinal);
        if (shard.Count > 1) log($"shard {shard}: {share.Count} of {found.ByStudent.Count} students");
        var work = found.ByStudent.Where(s => share.Contains(s.Key)).SelectMany(s => due.Select(n => (Student: s.Key, Notebook: n, File: s.Value.GetValueOrDefault(n)))).ToList();
        var runner = new SubmissionRunner(workspace, key, options, options.Secret ?? Diffusion.Grading.ProbeSeeds.NewSecret(), log);
        var gate = new SemaphoreSlim(jobs);
        var tasks = work.Select(async w =>
        {
            await gate.WaitAsync(cancel);
            try
            {
                log($"{w.Student}/{w.Notebook}: {(w.File is null ? "not submitted" : "grading " + Path.GetFileName(w.File))}");
                var feedbackNotebooks = Path.Combine(Feedback.StudentFolder(outDir, w.Student), "notebooks");
                return await runner.GradeAsync(w.Student, w.Notebook, w.File, key.Tests[w.Notebook], feedbackNotebooks, cancel);
            }
            finally { gate.Release(); }
        }).ToList();
        var grades = await Task.WhenAll(tasks);

        var byStudent = grades.GroupBy(g => g.Student)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<NotebookGrade>)g.OrderBy(x => x.Notebook, StringComparer.Ordinal).ToList());
        var ordered = byStudent.OrderBy(p => p.Key, StringComparer.Ordinal).ToDictionary(p => p.Key, p => p.Value);
        var unmatched = found.Unmatched.Select(f => Path.GetFileName(f)).ToList();
        var figures = ClassOutputs.Write(outDir, key, ordered, unmatched, workspace.Containment, plotly, [], GalleryPages.DefaultRubricPoints);
        var throughput = new Throughput(Runtime.KitModes.Name(options.Mode), jobs, grades.Count(g => g.Submission is not null), wall.Elapsed.TotalSeconds);
        new ShardRecord(shard.ToString(), ShardRecord.Fingerprint(key), found.ByStudent.Keys.Order(StringComparer.Ordinal).ToList(), due,
            grades.ToList(), unmatched, workspace.Containment, throughput.Mode, jobs, throughput.WallSeconds).Write(outDir);
        throughput.Write(outDir);
        return new Summary(ordered, unmatched, workspace.Containment, outDir, throughput, figures);
    }
}

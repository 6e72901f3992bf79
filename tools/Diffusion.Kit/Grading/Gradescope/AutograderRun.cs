using System.Diagnostics;
using Diffusion.Kit.Grading.Gallery;
using Diffusion.Runtime;

namespace Diffusion.Kit.Grading.Gradescope;

/// <summary>
/// `autograder run`: what run_autograder does on Gradescope. The notebooks under ROOT/submission (plain files, links
/// not followed, names from the submission never used as paths) become one student's submission, the kit's grader
/// grades it against the key in ROOT/source with autograder.json's settings, and ROOT/results/results.json gets the
/// points. Anything that stops the grading still leaves a results.json that says why.
/// </summary>
public static class AutograderRun
{
    public const string Student = "submission";
    const int MaxDepth = 6;

    public static async Task<GradescopeResults.Results> RunAsync(string root, Action<string> log, CancellationToken cancel)
    {
        var watch = Stopwatch.StartNew();
        var resultsPath = Path.Combine(root, "results", "results.json");
        GradescopeResults.Results results;
        try
        {
            var source = Path.Combine(root, "source");
            var config = AutograderConfig.Read(source);
            var key = await GradingKey.LoadAsync(Path.Combine(source, "notebooks"), config.Notebooks);
            var work = Directory.CreateTempSubdirectory("diffusion-autograder-").FullName;
            var subs = Path.Combine(work, "subs");
            int copied = CopySubmission(Path.Combine(root, "submission"), Path.Combine(subs, Student), key.Notebooks.ToList(), log);
            log($"autograder: {copied} notebook file(s) submitted; due: {string.Join(", ", key.Notebooks)}");
            var options = new GradingOptions(KitModes.Parse(config.Mode, "mode"), TimeSpan.FromSeconds(config.CellTimeoutSeconds),
                TimeSpan.FromSeconds(config.SubmissionTimeoutSeconds), (long)config.MemoryMb << 20, Threads: Environment.ProcessorCount,
                AllowReferenceCalls: config.AllowReferenceCalls);
            var outDir = Path.Combine(root, "results", "kit");
            Grader.Summary summary;
            if (copied == 0)
            {
                var zero = key.Notebooks.Select(n => NotebookGrade.Zero(Student, n, null, key.Tests[n], "not submitted.")).ToList();
                summary = new Grader.Summary(new Dictionary<string, IReadOnlyList<NotebookGrade>> { [Student] = zero }, [], "nothing ran", outDir);
            }
            else
            {
                DataVerbCheck();
                summary = await Grader.RunAsync(subs, key, outDir, KitPaths.Root, options, jobs: 1, log, cancel);
            }
            var grades = summary.ByStudent[Student];
            var figures = summary.Figures ?? [];
            results = GradescopeResults.From(grades, figures, Path.Combine(outDir, "gallery", NotebookFigures.Store), summary.Containment, config.Visibility, watch.Elapsed.TotalSeconds);
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            log($"autograder: {e}");
            results = GradescopeResults.Failure(e.Message, watch.Elapsed.TotalSeconds);
        }
        GradescopeResults.Write(results, resultsPath);
        return results;
    }

    static void DataVerbCheck() => Verbs.DataVerb.EnsurePresent();

    /// <summary>Copies the submission's notebooks (.dib, .ipynb) into one flat folder; returns how many.</summary>
    static int CopySubmission(string from, string to, IReadOnlyList<string> notebooks, Action<string> log)
    {
        Directory.CreateDirectory(to);
        if (!Directory.Exists(from)) return 0;
        int copied = 0;
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        void Walk(string dir, int depth)
        {
            foreach (var file in Directory.GetFiles(dir).Order(StringComparer.Ordinal))
            {
                var info = new FileInfo(file);
                var ext = info.Extension.ToLowerInvariant();
                if (info.Attributes.HasFlag(FileAttributes.ReparsePoint) || ext is not (".dib" or ".ipynb")) continue;
                var notebook = notebooks.OrderByDescending(n => n.Length).FirstOrDefault(n => info.Name.Contains(n, StringComparison.OrdinalIgnoreCase));
                if (notebook is null) { log($"autograder: {info.Name} names no notebook due; not graded."); continue; }
                // The copy is named by the grader (notebook and extension), never by the submission.
                var name = notebook + ext;
                if (!taken.Add(name)) { log($"autograder: a second {name} ({Path.GetRelativePath(from, file)}) was left out."); continue; }
                File.Copy(file, Path.Combine(to, name));
                copied++;
            }
            if (depth < MaxDepth)
                foreach (var sub in Directory.GetDirectories(dir).Order(StringComparer.Ordinal))
                    if (!new DirectoryInfo(sub).Attributes.HasFlag(FileAttributes.ReparsePoint) && !Path.GetFileName(sub).StartsWith('.'))
                        Walk(sub, depth + 1);
        }
        Walk(from, 0);
        return copied;
    }
}

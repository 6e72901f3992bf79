using System.CommandLine;
using System.Globalization;
using Diffusion.Kit.Grading;
using Diffusion.Kit.Grading.Scale;
using Diffusion.Kit.Terminal;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`grade`: grades a folder of submissions with the hidden tests of the kit's notebooks.</summary>
public sealed class GradeVerb : IVerb
{
    readonly Argument<string> _submissions = KitOptions.Positional("SUBMISSIONS",
        "a folder: one folder per student holding notebooks (alice/A1-sampling-loops.ipynb), or files named student and " +
        "notebook (alice_A1-sampling-loops.dib); .dib or executed .ipynb");
    readonly Option<string?> _key = KitOptions.TextOrNull("--key", "the instructor's notebooks with `// HIDDEN TEST:` cells (default notebooks/)", "DIR");
    readonly Option<string?> _notebook = KitOptions.TextOrNull("--notebook",
        "the notebooks due (comma-separated; default: every key notebook someone submitted)", "NAME");
    readonly Option<string?> _out = KitOptions.TextOrNull("--out", "default out/grade: grades.csv, grades.json, feedback/STUDENT/index.html and feedback.md", "DIR");
    readonly Option<int> _jobs = KitOptions.Int("--jobs", "submissions graded at once", DefaultJobs, 1, 64);
    readonly Option<string> _mode = KitOptions.Word("--mode", "how much work the notebooks do",
        m => KitModes.Parse(m, "--mode"), "pretrained", "smoke|pretrained|full");
    readonly Option<int> _cellTimeout = KitOptions.Int("--cell-timeout", "seconds per cell", 300, 1, 86_400, "S");
    readonly Option<int> _submissionTimeout = KitOptions.Int("--submission-timeout", "seconds per notebook, all attempts together", 1800, 1, 7 * 86_400, "S");
    readonly Option<int> _memory = KitOptions.Int("--memory", "resident memory per notebook process, in MB", 4096, 64, 1 << 20, "MB");
    readonly Option<bool> _allowReferenceCalls = KitOptions.Flag("--allow-reference-calls",
        "a solution may call the library's own implementation of what it must write");
    readonly Option<long?> _seed = KitOptions.LongOrNull("--seed", "the secret the probes are drawn from (default: a fresh random one per run)", 0);
    readonly Option<Shard> _shard = KitOptions.Parsed("--shard",
        "grade only share K of N (students dealt round-robin by name); `grade merge` joins the shares", Shard.Parse, "1/1", "K/N");

    public Command Command { get; }

    public GradeVerb() => Command = KitOptions.Verb("grade", """
        grade submitted notebooks with the hidden tests; write feedback pages and grades.csv/json
        Each notebook runs in a fresh process in its own sandbox, cells going on after failures, then one probe cell
        per hidden test that calls the student's functions on fresh inputs; this process judges what they returned.
        A cell that hangs, runs out of memory or ends the process is skipped in a new attempt, so only the sections it
        breaks lose points. Run as root, each attempt sees only the library, the data and its notebook, under its own
        user id, in its own process and network namespaces.
        Also writes gallery/ (every student's figures per section, scored by hand), similarity/ (the most similar pairs)
        and prints the throughput (notebooks per hour). `grade merge --help` shows how shards are joined.
        """, RunAsync, _submissions, _key, _notebook, _out, _jobs, _mode, _cellTimeout, _submissionTimeout, _memory, _allowReferenceCalls, _seed, _shard,
        GradeMergeCommand.Build());

    static int DefaultJobs => Math.Max(1, Environment.ProcessorCount / 2);

    async Task<int> RunAsync(ParseResult parse, CancellationToken cancel)
    {
        var submissions = Path.GetFullPath(parse.GetValue(_submissions)!);
        var keyDir = Path.GetFullPath(parse.GetValue(_key) ?? KitPaths.Notebooks);
        var only = (parse.GetValue(_notebook) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var outDir = Path.GetFullPath(parse.GetValue(_out) ?? Path.Combine(KitPaths.Out, "grade"));
        int jobs = parse.GetValue(_jobs);
        var options = new GradingOptions(KitModes.Parse(parse.GetValue(_mode)!, "--mode"),
            TimeSpan.FromSeconds(parse.GetValue(_cellTimeout)),
            TimeSpan.FromSeconds(parse.GetValue(_submissionTimeout)),
            (long)parse.GetValue(_memory) << 20,
            Threads: Math.Max(1, Environment.ProcessorCount / jobs),
            AllowReferenceCalls: parse.GetValue(_allowReferenceCalls),
            Secret: parse.GetValue(_seed));
        var shard = parse.GetValue(_shard)!;
        if (!Directory.Exists(submissions)) throw new ArgumentException($"no folder {submissions}.", "SUBMISSIONS");

        DataVerb.EnsurePresent();
        TorchRuntime.Ensure();
        var key = await GradingKey.LoadAsync(keyDir, only);
        Console.WriteLine($"Key: {key.Folder}: {string.Join(", ", key.Notebooks.Select(n => $"{n} ({key.Tests[n].Sum(t => t.Points):0.##} points)"))}");
        foreach (var why in key.Ungradable.Values) Console.Error.WriteLine($"warning: {why}");
        var summary = await Grader.RunAsync(submissions, key, outDir, KitPaths.Root, options, jobs, Console.WriteLine, cancel, shard);

        Console.WriteLine();
        var table = new TerminalTable("student", "points", "of").AlignRight(1, 2);
        foreach (var (student, grades) in summary.ByStudent)
        {
            double earned = grades.Sum(g => g.Earned), possible = grades.Sum(g => g.Possible);
            table.Add(string.Create(CultureInfo.InvariantCulture, $"  {student,-24} {earned,6:0.##} / {possible:0.##}"),
                student, earned.ToString("0.##", CultureInfo.InvariantCulture), possible.ToString("0.##", CultureInfo.InvariantCulture));
        }
        table.Write();
        Console.WriteLine($"\nGrades: {Path.Combine(outDir, "grades.csv")} and grades.json; feedback: {Path.Combine(outDir, "feedback")}/STUDENT/index.html");
        Console.WriteLine($"Grading was {summary.Containment}.");
        if (summary.Throughput is { } speed) Console.WriteLine($"Throughput: {speed.Describe()}.");
        return 0;
    }
}

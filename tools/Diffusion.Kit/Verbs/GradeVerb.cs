using System.Globalization;
using Diffusion.Kit.Grading;
using Diffusion.Kit.Grading.Scale;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`grade`: grades a folder of submissions with the hidden tests of the kit's notebooks.</summary>
public sealed class GradeVerb : IVerb
{
    public string Name => "grade";
    public string Summary => "grade submitted notebooks with the hidden tests; write feedback pages and grades.csv/json";
    public string Usage => $"""
        grade SUBMISSIONS [options]
          SUBMISSIONS            a folder: one folder per student holding notebooks (alice/A1-sampling-loops.ipynb),
                                 or files named student and notebook (alice_A1-sampling-loops.dib); .dib or executed .ipynb
          --key DIR              the instructor's notebooks with `// HIDDEN TEST:` cells (default notebooks/)
          --notebook NAME        the notebooks due (comma-separated; default: every key notebook someone submitted)
          --out DIR              default out/grade: grades.csv, grades.json, feedback/STUDENT/index.html and feedback.md
          --jobs N               submissions graded at once (default {DefaultJobs})
          --mode M               smoke|pretrained|full for the notebooks (default pretrained)
          --cell-timeout S       per cell (default 300)
          --submission-timeout S per notebook, all attempts together (default 1800)
          --memory MB            resident memory per notebook process (default 4096)
          --allow-reference-calls  a solution may call the library's own implementation of what it must write
          --seed N               the secret the probes are drawn from (default: a fresh random one per run)
          --shard K/N            grade only share K of N (students dealt round-robin by name); `grade merge` joins the shares
        Also writes gallery/ (every student's figures per section, scored by hand), similarity/ (the most similar pairs)
        and prints the throughput (notebooks per hour).
        Each notebook runs in a fresh process in its own sandbox, cells going on after failures, then one probe cell
        per hidden test that calls the student's functions on fresh inputs; this process judges what they returned.
        A cell that hangs, runs out of memory or ends the process is skipped in a new attempt, so only the sections it
        breaks lose points. Run as root, each attempt sees only the library, the data and its notebook, under its own
        user id, in its own process and network namespaces.

        {GradeMergeCommand.Usage}
        """;

    static long ParseSeed(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long seed)
            ? seed
            : throw new ArgumentException($"--seed: expected a whole number from 0 to {long.MaxValue}, got \"{text}\".", "--seed");

    static int DefaultJobs => Math.Max(1, Environment.ProcessorCount / 2);

    public async Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        if (args.Positional is ["merge", ..]) return await GradeMergeCommand.RunAsync(args, cancel);
        if (args.Positional.Count != 1) throw new ArgumentException("grade takes exactly one SUBMISSIONS folder.", "SUBMISSIONS");
        var submissions = Path.GetFullPath(args.Positional[0]);
        var keyDir = Path.GetFullPath(args.String("key") ?? KitPaths.Notebooks);
        var only = (args.String("notebook") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var outDir = Path.GetFullPath(args.String("out") ?? Path.Combine(KitPaths.Out, "grade"));
        int jobs = args.Int("jobs", DefaultJobs, 1, 64);
        var mode = KitModes.Parse(args.String("mode", "pretrained"), "--mode");
        var options = new GradingOptions(mode,
            TimeSpan.FromSeconds(args.Int("cell-timeout", 300, 1, 86_400)),
            TimeSpan.FromSeconds(args.Int("submission-timeout", 1800, 1, 7 * 86_400)),
            (long)args.Int("memory", 4096, 64, 1 << 20) << 20,
            Threads: Math.Max(1, Environment.ProcessorCount / jobs),
            AllowReferenceCalls: args.Flag("allow-reference-calls"),
            Secret: args.String("seed") is { } seed ? ParseSeed(seed) : null);
        var shard = args.String("shard") is { } share ? Shard.Parse(share) : Shard.Whole;
        args.RejectUnknown(Name);
        if (!Directory.Exists(submissions)) throw new ArgumentException($"no folder {submissions}.", "SUBMISSIONS");

        DataVerb.EnsurePresent();
        TorchRuntime.Ensure();
        var key = await GradingKey.LoadAsync(keyDir, only);
        Console.WriteLine($"Key: {key.Folder}: {string.Join(", ", key.Notebooks.Select(n => $"{n} ({key.Tests[n].Sum(t => t.Points):0.##} points)"))}");
        foreach (var why in key.Ungradable.Values) Console.Error.WriteLine($"warning: {why}");
        var summary = await Grader.RunAsync(submissions, key, outDir, KitPaths.Root, options, jobs, Console.WriteLine, cancel, shard);

        Console.WriteLine();
        foreach (var (student, grades) in summary.ByStudent)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {student,-24} {grades.Sum(g => g.Earned),6:0.##} / {grades.Sum(g => g.Possible):0.##}"));
        Console.WriteLine($"\nGrades: {Path.Combine(outDir, "grades.csv")} and grades.json; feedback: {Path.Combine(outDir, "feedback")}/STUDENT/index.html");
        Console.WriteLine($"Grading was {summary.Containment}.");
        if (summary.Throughput is { } speed) Console.WriteLine($"Throughput: {speed.Describe()}.");
        return 0;
    }
}

using Diffusion.Kit.Grading;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>
/// One graded run of A1 in smoke mode, shared by every test in <see cref="GradingTests"/>: the kit's solution, the
/// untouched handout, one wrong function, cells that throw, hang, eat memory or exit, a reference call, the solution as
/// the real dotnet-interactive kernel saves it, and one hostile submission per attack class of issue 17. Each test
/// then asserts one scenario on the same summary. The key is a copy of A1 with a canary line no submission may see.
/// </summary>
public sealed class GradingFixture : IAsyncLifetime
{
    public const string A1 = "A1-sampling-loops";
    public static readonly string[] SolutionSections = ["1.1 Forward process", "1.3 One-step denoising", "1.4 Iterative denoising: the step's variance", "1.4 Iterative denoising"];
    const string ForwardFormula = "Math.Sqrt(abar) * x0 + Math.Sqrt(1 - abar) * eps";

    /// <param name="cellSeconds">90 s lets the hanging scenario end soon; grading every notebook needs more on a busy machine</param>
    public static GradingOptions Options(long? secret = null, int cellSeconds = 90) =>
        new(KitMode.Smoke, TimeSpan.FromSeconds(cellSeconds), TimeSpan.FromMinutes(cellSeconds <= 90 ? 10 : 40), 3000L << 20, Threads: 1, Secret: secret);

    public string Root { get; } = TempDir("grade");
    public string Key => Path.Combine(Root, "key");
    public string Submissions => Path.Combine(Root, "subs");
    public string OutDir => Path.Combine(Root, "out");
    public string KeyFile => Path.Combine(Key, A1 + ".dib");
    public string Canary { get; } = "KEY-CANARY-" + Guid.NewGuid().ToString("N");
    public string Marker { get; } = "grader-marker-" + Guid.NewGuid().ToString("N")[..12];
    /// <summary>A classmate's submission, which the hostile ones try to read, damage or pull into their own feedback.</summary>
    public string Victim => Path.Combine(Submissions, "solution", A1 + ".dib");
    public Dictionary<string, string> Protected { get; } = new();
    public IReadOnlyDictionary<string, string> Texts { get; private set; } = new Dictionary<string, string>();
    public Grader.Summary Summary { get; private set; } = null!;
    public GradingKey GradingKey { get; private set; } = null!;
    public bool IsRoot => Environment.UserName == "root";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Key);
        var solution = File.ReadAllText(Path.Combine(KitPaths.Notebooks, A1 + ".dib"));
        File.WriteAllText(KeyFile, solution.Replace("// HIDDEN TEST: Figures [2 points]", $"// HIDDEN TEST: Figures [2 points]\n// {Canary}"));
        File.WriteAllText(Path.Combine(Key, "canary.txt"), Canary);
        var untouched = File.ReadAllText((await StudentVersions.WriteAsync(KeyFile, Path.Combine(Root, "handout"), KitPaths.Root)).Path);

        var texts = new Dictionary<string, string>
        {
            ["solution"] = solution,
            ["untouched"] = untouched,
            ["wrong"] = solution.Replace(ForwardFormula, "abar * x0 + (1 - abar) * eps"),
            ["throws"] = BeforeForward(solution, "throw new InvalidOperationException(\"boom\");"),
            ["loop"] = BeforeForward(solution, "while (true) { }"),
            ["memory"] = BeforeForward(solution, "var hog = new List<byte[]>();\nwhile (true) { var b = new byte[64 << 20]; Array.Fill(b, (byte)1); hog.Add(b); }"),
            ["exits"] = BeforeForward(solution, "Environment.Exit(0);"),
            ["reference"] = solution.Replace("    double abar = schedule.AlphaBar(t);\n    var eps = Noise.Like(x0, generator);\n    return " + ForwardFormula + ";          // A.2",
                                             "    return global::Diffusion.Sampling.Ddpm.Forward(schedule, x0, t, generator);"),
            ["forger"] = AfterSetup(untouched, HostileCells.ForgeFromMemory(A1)),
            ["rebinder"] = untouched + "\n#!csharp\n\n" + HostileCells.Rebind + "\n",
            ["linker"] = AfterSetup(untouched, HostileCells.LinkResultsAt(A1, Victim, KeyFile)),
        };
        Assert.NotEqual(solution, texts["reference"]);
        // Unconfined (not root) a submission really can read and damage files: only a confined grader gets this one.
        if (IsRoot) texts["intruder"] = BeforeForward(solution, HostileCells.Intrude([KeyFile, Path.Combine(Key, "canary.txt"), Victim], GitDir(), Marker));
        foreach (var (student, text) in texts)
        {
            Directory.CreateDirectory(Path.Combine(Submissions, student));
            File.WriteAllText(Path.Combine(Submissions, student, A1 + ".dib"), text);
        }
        Directory.CreateDirectory(Path.Combine(Submissions, "ipynb"));
        // A notebook really executed by the dotnet-interactive kernel (what VS Code and Jupyter save), not a look-alike.
        var executed = Path.Combine(Root, "real-kernel");
        var run = await new InteractiveToolExecutor(Path.Combine(KitPaths.Notebooks, A1 + ".dib"), executed, KitMode.Smoke, TimeSpan.FromSeconds(300), _ => { }).RunAsync();
        Assert.True(run.Status == NotebookStatus.Ok, $"the real kernel could not execute {A1}: {NotebookRun.Describe(run)}");
        File.Copy(Path.Combine(executed, A1 + ".ipynb"), Path.Combine(Submissions, "ipynb", A1 + ".ipynb"));
        Texts = texts;
        foreach (var file in new[] { KeyFile, Path.Combine(Key, "canary.txt"), Victim, Path.Combine(KitPaths.Data, "mnist", "README.md") })
            Protected[file] = File.ReadAllText(file);

        GradingKey = await GradingKey.LoadAsync(Key);
        Summary = await Grader.RunAsync(Submissions, GradingKey, OutDir, KitPaths.Root, Options(), jobs: 2, _ => { }, CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public Dictionary<string, double> Earned(string student) =>
        Summary.ByStudent[student].SelectMany(g => g.Tests).ToDictionary(t => t.Section, t => t.Earned);

    public TestGrade Test(string student, string section) =>
        Summary.ByStudent[student].SelectMany(g => g.Tests).Single(t => t.Section == section);

    public double Full => Summary.ByStudent["solution"].Sum(g => g.Possible);

    public double Total(string student) => Summary.ByStudent[student].Sum(g => g.Earned);

    /// <summary>Every file under the student's feedback folder, as text.</summary>
    public string FeedbackText(string student) => string.Concat(
        Directory.GetFiles(Path.Combine(OutDir, "feedback", student), "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".png", StringComparison.Ordinal) && !f.EndsWith(".js", StringComparison.Ordinal)).Select(File.ReadAllText));

    /// <summary>The A1 solution with one cell inserted just before the cell that defines Forward.</summary>
    static string BeforeForward(string notebook, string code)
    {
        int at = notebook.IndexOf("// BEGIN SOLUTION\nTensor Forward", StringComparison.Ordinal);
        Assert.True(at > 0, "the A1 notebook's Forward region moved; update GradingFixture");
        return notebook[..at] + code.Trim() + "\n\n#!csharp\n\n" + notebook[at..];
    }

    /// <summary>The notebook with one cell inserted after its set-up cell (the one with the #r lines).</summary>
    static string AfterSetup(string notebook, string code)
    {
        int setup = notebook.IndexOf("#r \"", StringComparison.Ordinal);
        int next = notebook.IndexOf("\n#!", setup, StringComparison.Ordinal);
        Assert.True(setup > 0 && next > 0, "the A1 notebook's set-up cell moved; update GradingFixture");
        return notebook[..(next + 1)] + "#!csharp\n\n" + code.Trim() + "\n\n" + notebook[(next + 1)..];
    }

    /// <summary>The kit's git folder, which the intruder names in its own code (so its feedback may quote it).</summary>
    public static string GitDir()
    {
        var git = Path.Combine(KitPaths.Root, ".git");
        if (File.Exists(git) && File.ReadAllText(git).Trim() is var line && line.StartsWith("gitdir:", StringComparison.Ordinal))
            return line["gitdir:".Length..].Trim();
        return git;
    }
}

[CollectionDefinition(nameof(GradingFixture))]
public sealed class GradingCollection : ICollectionFixture<GradingFixture>;

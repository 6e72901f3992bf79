using System.Diagnostics;
using Diffusion.Kit.Grading;
using Diffusion.Kit.Grading.Gradescope;
using Diffusion.Kit.Grading.Scale;
using Diffusion.Runtime;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>
/// Three A1 submissions (the kit's solution, its untouched handout, one wrong function) graded in smoke mode three
/// ways, once each, side by side: one `grade` run, `grade --shard 1/2` and `2/2`, and Gradescope's run_autograder on a
/// local root laid out like /autograder/ (one per submission). <see cref="GradingScaleTests"/> compares them.
/// </summary>
public sealed class GradingScaleFixture : IAsyncLifetime
{
    public const string A1 = GradingFixture.A1;
    public const long Seed = 4242;
    public static readonly string[] Students = ["solution", "untouched", "wrong"];

    public string Root { get; } = TempDir("scale");
    public string Submissions => Path.Combine(Root, "subs");
    public string Single => Path.Combine(Root, "single");
    public string ShardDir(int k) => Path.Combine(Root, $"shard-{k}");
    public string Package => Path.Combine(Root, "autograder");
    public string AutograderRoot(string student) => Path.Combine(Root, "gradescope-" + student);
    public string ResultsJson(string student) => Path.Combine(AutograderRoot(student), "results", "results.json");
    public GradingKey Key { get; private set; } = null!;
    public Grader.Summary SingleRun { get; private set; } = null!;
    public Dictionary<string, string> AutograderLogs { get; } = new();

    static GradingOptions Options() =>
        new(KitMode.Smoke, TimeSpan.FromSeconds(300), TimeSpan.FromMinutes(20), 3000L << 20, Threads: 1, Secret: Seed);

    public async Task InitializeAsync()
    {
        var solution = File.ReadAllText(Path.Combine(KitPaths.Notebooks, A1 + ".dib"));
        var handout = await StudentVersions.WriteAsync(Path.Combine(KitPaths.Notebooks, A1 + ".dib"), Path.Combine(Root, "handout"), KitPaths.Root);
        var texts = new Dictionary<string, string>
        {
            ["solution"] = solution,
            ["untouched"] = File.ReadAllText(handout.Path),
            ["wrong"] = solution.Replace("Math.Sqrt(abar) * x0 + Math.Sqrt(1 - abar) * eps", "abar * x0 + (1 - abar) * eps"),
        };
        Assert.NotEqual(solution, texts["wrong"]);
        foreach (var (student, text) in texts)
        {
            Directory.CreateDirectory(Path.Combine(Submissions, student));
            File.WriteAllText(Path.Combine(Submissions, student, A1 + ".dib"), text);
        }
        Key = await GradingKey.LoadAsync(KitPaths.Notebooks, [A1]);

        var config = new AutograderConfig([A1], "smoke", "visible", 300, 1200, 3000, false);
        AutograderPackage.Write(KitPaths.Root, Package, config);
        foreach (var (student, text) in texts)
        {
            var root = AutograderRoot(student);
            // Gradescope unpacks the zip into /autograder/source; here the package folder stands in for it.
            Directory.CreateDirectory(root);
            Directory.CreateSymbolicLink(Path.Combine(root, "source"), Path.Combine(Package, "source"));
            Directory.CreateDirectory(Path.Combine(root, "submission", "my work"));
            File.WriteAllText(Path.Combine(root, "submission", "my work", $"{student}-{A1}.dib"), text);
        }

        // Three lanes side by side, one notebook process each at a time (the machine is small).
        var single = Grader.RunAsync(Submissions, Key, Single, KitPaths.Root, Options(), jobs: 1, _ => { }, CancellationToken.None);
        var shards = Task.Run(async () =>
        {
            for (int k = 1; k <= 2; k++)
                await Grader.RunAsync(Submissions, Key, ShardDir(k), KitPaths.Root, Options(), jobs: 1, _ => { }, CancellationToken.None, new Shard(k, 2));
        });
        var gradescope = Task.Run(async () =>
        {
            foreach (var student in Students) AutograderLogs[student] = await RunAutograderAsync(AutograderRoot(student));
        });
        await Task.WhenAll(single, shards, gradescope);
        SingleRun = await single;
    }

    /// <summary>Runs the package's run_autograder script on a local root, with the kit this test built.</summary>
    static async Task<string> RunAutograderAsync(string root)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(root, "source", "run_autograder"));
        start.Environment["AUTOGRADER_ROOT"] = root;
        start.Environment["DIFFUSION_KIT_DLL"] = typeof(AutograderRun).Assembly.Location;
        start.Environment["DIFFUSION_ROOT"] = KitPaths.Root;   // the built library and data (setup.sh builds them on Gradescope)
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        var log = $"exit {p.ExitCode}\n{await stdout}\n{await stderr}";
        Assert.True(p.ExitCode == 0, $"run_autograder failed: {log}");
        return log;
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

[CollectionDefinition(nameof(GradingScaleFixture))]
public sealed class GradingScaleCollection : ICollectionFixture<GradingScaleFixture>;

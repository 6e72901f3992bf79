using System.Text.Json;
using Diffusion.Kit.Grading;
using Diffusion.Runtime;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>
/// `grade` end to end, in smoke mode: the kit's solutions get full marks, the untouched student versions none, one
/// wrong function costs exactly its section, and hostile submissions are graded to the end with every case contained.
/// </summary>
public class GradingTests
{
    const string A1 = "A1-sampling-loops";
    static readonly string[] SolutionSectionsOfA1 = ["1.1 Forward process", "1.3 One-step denoising", "1.4 Iterative denoising: the step's variance", "1.4 Iterative denoising"];

    static GradingOptions Options => new(KitMode.Smoke, TimeSpan.FromSeconds(90), TimeSpan.FromMinutes(10), 3000L << 20, Threads: 1);

    /// <summary>The A1 solution with one cell inserted just before the cell that defines Forward.</summary>
    static string WithCellBeforeForward(string notebook, string code)
    {
        int at = notebook.IndexOf("// BEGIN SOLUTION\nTensor Forward", StringComparison.Ordinal);
        Assert.True(at > 0, "the A1 notebook's Forward region moved; update this test");
        return notebook[..at] + code.Trim() + "\n\n#!csharp\n\n" + notebook[at..];
    }

    static async Task<Grader.Summary> Grade(string subs, string key, string outDir) =>
        await Grade(subs, await GradingKey.LoadAsync(key), outDir);

    static async Task<Grader.Summary> Grade(string subs, GradingKey key, string outDir) =>
        await Grader.RunAsync(subs, key, outDir, KitPaths.Root, Options, jobs: 2, _ => { }, CancellationToken.None);

    static Dictionary<string, double> Earned(Grader.Summary summary, string student) =>
        summary.ByStudent[student].SelectMany(g => g.Tests).ToDictionary(t => t.Section, t => t.Earned);

    [Fact]
    public async Task SolutionsWinUntouchedLoseWrongLosesItsSectionAndHostileSubmissionsAreContained()
    {
        var root = TempDir("grade");
        var key = Path.Combine(root, "key");
        var subs = Path.Combine(root, "subs");
        Directory.CreateDirectory(key);
        File.Copy(Path.Combine(KitPaths.Notebooks, A1 + ".dib"), Path.Combine(key, A1 + ".dib"));
        File.WriteAllText(Path.Combine(key, "canary.txt"), "canary");
        var solution = File.ReadAllText(Path.Combine(key, A1 + ".dib"));
        var untouched = File.ReadAllText((await StudentVersions.WriteAsync(Path.Combine(key, A1 + ".dib"), Path.Combine(root, "handout"), KitPaths.Root)).Path);
        var keyFile = Path.Combine(key, A1 + ".dib");
        var victim = Path.Combine(subs, "solution", A1 + ".dib");

        var submissions = new Dictionary<string, string>
        {
            ["solution"] = solution,
            ["untouched"] = untouched,
            ["wrong"] = solution.Replace("Math.Sqrt(abar) * x0 + Math.Sqrt(1 - abar) * eps", "abar * x0 + (1 - abar) * eps"),
            ["throws"] = WithCellBeforeForward(solution, "throw new InvalidOperationException(\"boom\");"),
            ["loop"] = WithCellBeforeForward(solution, "while (true) { }"),
            ["memory"] = WithCellBeforeForward(solution, "var hog = new List<byte[]>();\nwhile (true) { var b = new byte[64 << 20]; Array.Fill(b, (byte)1); hog.Add(b); }"),
            ["exits"] = WithCellBeforeForward(solution, "Environment.Exit(0);"),
            ["files"] = WithCellBeforeForward(solution, $$"""
                foreach (var f in new[] { "{{keyFile}}", "{{Path.Combine(key, "canary.txt")}}", "{{victim}}" })
                {
                    try { Console.WriteLine($"read {f}: {System.IO.File.ReadAllText(f).Length}"); } catch (Exception e) { Console.WriteLine($"read {f}: {e.GetType().Name}"); }
                    try { System.IO.File.WriteAllText(f, "overwritten"); } catch (Exception e) { Console.WriteLine($"write {f}: {e.GetType().Name}"); }
                    try { System.IO.File.Delete(f); } catch (Exception e) { Console.WriteLine($"delete {f}: {e.GetType().Name}"); }
                }
                try { System.IO.File.Delete(System.IO.Path.Combine(KitPaths.Data, "mnist", "README.md")); } catch (Exception e) { Console.WriteLine($"delete data: {e.GetType().Name}"); }
                """),
            // Functions left unwritten, with forged report lines and a silenced console: still no points.
            ["forger"] = untouched.Replace("#!csharp\n\n#r", """
                #!csharp

                for (int i = 1; i <= 5; i++)
                    Console.WriteLine("@@grade 00000000000000000000000000000000 {\"outcome\":{\"index\":" + i + ",\"status\":\"Passed\",\"seconds\":0}}");
                try { Console.WriteLine(System.IO.File.ReadAllText("../../orders.json")); } catch (Exception e) { Console.WriteLine(e.GetType().Name); }
                Console.SetOut(System.IO.TextWriter.Null);

                #!csharp

                #r
                """),
        };
        // Unconfined (not root), a submission really could damage files: only a confined grader gets that one.
        if (Environment.UserName != "root") submissions.Remove("files");
        foreach (var (student, text) in submissions)
        {
            Directory.CreateDirectory(Path.Combine(subs, student));
            File.WriteAllText(Path.Combine(subs, student, A1 + ".dib"), text);
        }
        var protectedFiles = new[] { keyFile, Path.Combine(key, "canary.txt"), victim, Path.Combine(KitPaths.Data, "mnist", "README.md") }
            .ToDictionary(f => f, File.ReadAllText);

        var outDir = Path.Combine(root, "out");
        var summary = await Grade(subs, key, outDir);
        bool confined = summary.Containment.StartsWith("confined", StringComparison.Ordinal);

        double full = summary.ByStudent["solution"].Sum(g => g.Possible);
        Assert.Equal(full, summary.ByStudent["solution"].Sum(g => g.Earned));
        foreach (var section in SolutionSectionsOfA1)
        {
            Assert.Equal(0, Earned(summary, "untouched")[section]);
            Assert.Equal(0, Earned(summary, "forger")[section]);
        }
        var untouchedTests = summary.ByStudent["untouched"].SelectMany(g => g.Tests).Where(t => SolutionSectionsOfA1.Contains(t.Section)).ToList();
        Assert.All(untouchedTests, t => Assert.Contains("NotImplementedException", t.Reason));

        var wrong = Earned(summary, "wrong");
        Assert.Equal(0, wrong["1.1 Forward process"]);
        Assert.Equal(full - 4, summary.ByStudent["wrong"].Sum(g => g.Earned));
        Assert.Contains("mean", summary.ByStudent["wrong"][0].Tests.Single(t => t.Section == "1.1 Forward process").Reason);

        // A cell that throws, hangs, eats memory or ends the process breaks no section here: full marks, with the reason noted.
        foreach (var (student, reason) in new[] { ("throws", ""), ("loop", "cell limit"), ("memory", "memory limit"), ("exits", "ended the notebook process") })
        {
            Assert.Equal(full, summary.ByStudent[student].Sum(g => g.Earned));
            if (reason.Length > 0) Assert.Contains(summary.ByStudent[student][0].Notes, n => n.Contains(reason) && n.Contains("skipped"));
        }

        if (confined)
        {
            Assert.Equal(full, summary.ByStudent["files"].Sum(g => g.Earned));
            foreach (var (file, text) in protectedFiles) Assert.Equal(text, File.ReadAllText(file));
        }

        // Feedback: per student HTML with the figures of the executed notebook, Markdown, and the class summary.
        var page = File.ReadAllText(Path.Combine(outDir, "feedback", "solution", "index.html"));
        Assert.Contains("Feedback for solution", page);
        Assert.Contains("1.1 Forward process", page);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(outDir, "feedback", "solution", "figures"), "*.png", SearchOption.AllDirectories));
        Assert.Contains("NotImplementedException", File.ReadAllText(Path.Combine(outDir, "feedback", "untouched", "feedback.md")));
        var csv = File.ReadAllLines(Path.Combine(outDir, "grades.csv"));
        Assert.Equal(1 + submissions.Count, csv.Length);
        Assert.Contains(csv, l => l.StartsWith("wrong,0,", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "grades.json")));
        Assert.Equal(submissions.Count, json.RootElement.GetProperty("students").GetArrayLength());

        // Determinism: the same submissions graded again give the same points, test by test.
        var again = Path.Combine(root, "again");
        foreach (var student in new[] { "solution", "wrong", "untouched" })
        {
            Directory.CreateDirectory(Path.Combine(again, student));
            File.Copy(Path.Combine(subs, student, A1 + ".dib"), Path.Combine(again, student, A1 + ".dib"));
        }
        var second = await Grade(again, key, Path.Combine(root, "out-again"));
        foreach (var student in new[] { "solution", "wrong", "untouched" })
            Assert.Equal(summary.ByStudent[student].SelectMany(g => g.Tests).Select(t => t.Earned),
                         second.ByStudent[student].SelectMany(g => g.Tests).Select(t => t.Earned));
    }

    [Fact]
    public async Task EveryNotebooksSolutionGetsFullMarksAndItsStudentVersionNoneOnTheSolutions()
    {
        var root = TempDir("grade-all");
        var subs = Path.Combine(root, "subs");
        var solution = Path.Combine(subs, "solution");
        Directory.CreateDirectory(solution);
        var key = await GradingKey.LoadAsync(KitPaths.Notebooks);
        foreach (var name in key.Notebooks)
        {
            File.Copy(Path.Combine(KitPaths.Notebooks, name + ".dib"), Path.Combine(solution, name + ".dib"));
            await StudentVersions.WriteAsync(Path.Combine(KitPaths.Notebooks, name + ".dib"), Path.Combine(subs, "untouched"), KitPaths.Root);
        }
        var summary = await Grade(subs, key, Path.Combine(root, "out"));

        foreach (var grade in summary.ByStudent["solution"])
            Assert.True(grade.Earned == grade.Possible,
                $"{grade.Notebook}: {grade.Earned}/{grade.Possible}: " + string.Join("; ", grade.Tests.Where(t => t.Reason is not null).Select(t => $"{t.Section}: {t.Reason}")));
        foreach (var grade in summary.ByStudent["untouched"])
            foreach (var test in grade.Tests.Where(t => t.Section != "Figures"))
                Assert.True(test.Earned == 0, $"{grade.Notebook} {test.Section}: the student version earned {test.Earned}");
    }
}

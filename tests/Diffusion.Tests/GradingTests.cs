using System.Text.Json;
using Diffusion.Kit.Grading;
using Diffusion.Runtime;
using static Diffusion.Tests.GradingFixture;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>
/// `grade` end to end, one scenario per test over one graded run (<see cref="GradingFixture"/>): honest grades, the
/// limits, the feedback, and every attack class of issue 17 contained with a reason. Tests that need a confined grader
/// (root) are skipped, visibly, as any other user.
/// </summary>
[Collection(nameof(GradingFixture))]
public class GradingTests(GradingFixture f)
{
    static string Reasons(IEnumerable<TestGrade> tests) => string.Join("; ", tests.Select(t => $"{t.Section}: {t.Earned}/{t.Points} {t.Reason}"));

    [Fact]
    public void TheSolutionGetsFullMarks() =>
        Assert.True(f.Total("solution") == f.Full && f.Full == 18, $"solution: {f.Total("solution")}/{f.Full}: {Reasons(f.Summary.ByStudent["solution"][0].Tests)}");

    [Fact]
    public void TheUntouchedHandoutGetsNothingOnItsSolutionsAndSaysWhy()
    {
        foreach (var section in SolutionSections)
        {
            var test = f.Test("untouched", section);
            Assert.True(test.Earned == 0, $"untouched {section}: earned {test.Earned}");
            Assert.Contains("NotImplementedException", test.Reason);
        }
    }

    [Fact]
    public void OneWrongFunctionLosesExactlyItsSection()
    {
        var wrong = f.Test("wrong", "1.1 Forward process");
        Assert.True(wrong.Earned == 0, $"wrong Forward earned {wrong.Earned}");
        Assert.Contains("mean", wrong.Reason);
        Assert.True(f.Total("wrong") == f.Full - 4, $"wrong: {f.Total("wrong")}, expected {f.Full - 4}: {Reasons(f.Summary.ByStudent["wrong"][0].Tests)}");
    }

    [Theory]
    [InlineData("throws", "")]
    [InlineData("loop", "cell limit")]
    [InlineData("memory", "memory limit")]
    [InlineData("exits", "ended the notebook process")]
    public void ACellThatThrowsHangsEatsMemoryOrExitsIsSkippedAndCostsNothingHere(string student, string reason)
    {
        Assert.True(f.Total(student) == f.Full, $"{student}: {f.Total(student)}/{f.Full}: {Reasons(f.Summary.ByStudent[student][0].Tests)}");
        if (reason.Length > 0)
            Assert.True(f.Summary.ByStudent[student][0].Notes.Any(n => n.Contains(reason) && n.Contains("skipped")),
                $"{student}: no note saying '{reason}' and 'skipped' in: {string.Join(" | ", f.Summary.ByStudent[student][0].Notes)}");
    }

    [Fact]
    public void CallingTheLibrarysReferenceLosesThatSectionWithAReason()
    {
        var test = f.Test("reference", "1.1 Forward process");
        Assert.True(test.Earned == 0, $"a Forward that calls Ddpm.Forward earned {test.Earned}");
        Assert.Contains("Ddpm.Forward", test.Reason);
        Assert.Contains("--allow-reference-calls", test.Reason);
        Assert.True(f.Total("reference") == f.Full - 4, $"reference: {f.Total("reference")}: {Reasons(f.Summary.ByStudent["reference"][0].Tests)}");
    }

    [Fact]
    public void ANotebookSavedByTheRealKernelGradesAsItsDib() =>
        Assert.Equal(f.Summary.ByStudent["solution"][0].Tests.Select(t => (t.Section, t.Earned)),
                     f.Summary.ByStudent["ipynb"][0].Tests.Select(t => (t.Section, t.Earned)));

    /// <summary>Attack 1: the nonce read from memory, forged progress lines and a forged probe report win nothing.</summary>
    [Fact]
    public void ResultsForgedFromTheSubmissionsOwnMemoryWinNothing()
    {
        foreach (var section in SolutionSections)
        {
            var test = f.Test("forger", section);
            Assert.True(test.Earned == 0, $"forger {section}: earned {test.Earned} ({test.Reason})");
            Assert.False(string.IsNullOrEmpty(test.Reason), $"forger {section}: no reason given");
        }
    }

    /// <summary>Attack 2: redefining T, timesteps and Math changes nothing the grader computes with.</summary>
    [Fact]
    public void RebindingTheNamesTestsUsedWinsNothing()
    {
        foreach (var section in SolutionSections)
        {
            var test = f.Test("rebinder", section);
            Assert.True(test.Earned == 0, $"rebinder {section}: earned {test.Earned}");
            Assert.DoesNotContain("NotImplementedException", test.Reason);   // the zero functions ran and were judged
        }
    }

    /// <summary>Attack 4: links in the results folder pull nothing of a classmate's or the key into the feedback.</summary>
    [Fact]
    public void LinksLeftInTheResultsPullNothingIntoTheFeedback()
    {
        var feedback = f.FeedbackText("linker");
        Assert.DoesNotContain("BEGIN SOLUTION", feedback);
        Assert.DoesNotContain(f.Canary, feedback);
        foreach (var section in SolutionSections)
            Assert.True(f.Test("linker", section).Earned == 0, $"linker {section}: earned {f.Test("linker", section).Earned}");
        Assert.True(f.Summary.ByStudent["linker"][0].Notes.Any(n => n.Contains("not plain files")),
            $"linker: no note says its results were not read: {string.Join(" | ", f.Summary.ByStudent["linker"][0].Notes)}");
    }

    /// <summary>Attack 3: the key, a classmate's work, the kit's git history and the grader's command line are out of sight; nothing is damaged.</summary>
    [RootFact]
    public void TheSandboxShowsNeitherTheKeyNorOtherWorkAndProtectsEveryFile()
    {
        Assert.StartsWith("confined", f.Summary.Containment);
        Assert.True(f.Total("intruder") == f.Full, $"intruder: {f.Total("intruder")}/{f.Full}: {Reasons(f.Summary.ByStudent["intruder"][0].Tests)}");
        var feedback = f.FeedbackText("intruder");
        Assert.Contains("read " + f.KeyFile, feedback);          // the attempts ran and were recorded ...
        Assert.DoesNotContain(f.Canary, feedback);              // ... but read nothing of the key
        Assert.DoesNotContain("HIDDEN TEST", feedback);
        foreach (var sub in GradingWorkspace.DataNotForSubmissions)   // the reference figures are not there to replay
            Assert.True(feedback.Contains($"data/{sub}: UnauthorizedAccessException"), $"the intruder could list data/{sub}, or never tried");
        Assert.DoesNotContain(".figure", feedback);
        Assert.DoesNotContain("grade-one", feedback.Replace("grade-one /kit/", ""));   // only its own process is in its /proc
        // The paths the intruder itself names (in its code, quoted back in its feedback) are not leaks.
        Assert.DoesNotContain(KitPaths.Root, feedback.Replace(f.KeyFile, "").Replace(f.Victim, "").Replace(GradingFixture.GitDir(), ""));
        foreach (var (file, text) in f.Protected) Assert.True(File.ReadAllText(file) == text, $"{file} was changed by a submission");
    }

    /// <summary>Also: /tmp, /var/tmp and /dev/shm are the attempt's own, and its processes die with it (attack 5).</summary>
    [RootFact]
    public void PrivateFoldersAndProcessesDieWithTheAttempt()
    {
        foreach (var dir in new[] { "/tmp", "/var/tmp", "/dev/shm" })
            Assert.False(File.Exists(Path.Combine(dir, f.Marker)), $"a submission left {Path.Combine(dir, f.Marker)} on the grading machine");
        var sleepers = Directory.GetDirectories("/proc").Select(d => { try { return File.ReadAllText(d + "/cmdline"); } catch (IOException) { return ""; } catch (UnauthorizedAccessException) { return ""; } })
            .Where(c => c.StartsWith("sleep\08639", StringComparison.Ordinal)).ToList();
        Assert.True(sleepers.Count == 0, $"{sleepers.Count} processes a submission started outlived its attempt");
    }

    [RootFact]
    public void TwoGradeRunsAtOnceGetDisjointUserIds()
    {
        using var first = UserIds.Claim();
        using var second = UserIds.Claim();
        var a = Enumerable.Range(0, 5).Select(_ => first.Next()).ToList();
        var b = Enumerable.Range(0, 5).Select(_ => second.Next()).ToList();
        Assert.True(Math.Abs((long)first.FirstId - second.FirstId) >= 1000, $"blocks {first.FirstId} and {second.FirstId} overlap");
        Assert.Empty(a.Intersect(b));
    }

    [Fact]
    public void FeedbackPagesAndTheClassSummaryAreWritten()
    {
        var page = File.ReadAllText(Path.Combine(f.OutDir, "feedback", "solution", "index.html"));
        Assert.Contains("Feedback for solution", page);
        Assert.Contains("1.1 Forward process", page);
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(f.OutDir, "feedback", "solution", "figures"), "*.png", SearchOption.AllDirectories));
        Assert.Contains("NotImplementedException", File.ReadAllText(Path.Combine(f.OutDir, "feedback", "untouched", "feedback.md")));
        var csv = File.ReadAllLines(Path.Combine(f.OutDir, "grades.csv"));
        Assert.Equal(1 + f.Summary.ByStudent.Count, csv.Length);
        Assert.Contains(csv, l => l.StartsWith("wrong,0,", StringComparison.Ordinal));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(f.OutDir, "grades.json")));
        Assert.Equal(f.Summary.ByStudent.Count, json.RootElement.GetProperty("students").GetArrayLength());
    }

    /// <summary>Determinism: graded again with another secret (other probes), the same submissions get the same points.</summary>
    [Fact]
    public async Task GradingAgainWithOtherProbesGivesTheSamePoints()
    {
        var again = Path.Combine(f.Root, "again");
        foreach (var student in new[] { "wrong", "rebinder" })
        {
            Directory.CreateDirectory(Path.Combine(again, student));
            File.Copy(Path.Combine(f.Submissions, student, A1 + ".dib"), Path.Combine(again, student, A1 + ".dib"));
        }
        var second = await Grader.RunAsync(again, f.GradingKey, Path.Combine(f.Root, "out-again"), KitPaths.Root, Options(secret: 12345), jobs: 2, _ => { }, CancellationToken.None);
        foreach (var student in new[] { "wrong", "rebinder" })
            Assert.Equal(f.Summary.ByStudent[student].SelectMany(g => g.Tests).Select(t => (t.Section, t.Earned)),
                         second.ByStudent[student].SelectMany(g => g.Tests).Select(t => (t.Section, t.Earned)));
    }
}

/// <summary>Every graded notebook: the kit's solutions get full marks, the handouts nothing on their solution sections.</summary>
public class GradingAllNotebooksTests
{
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
        // The sampling cells of B2-B5 run 300 steps even in smoke mode: a cell limit of 90 s was overrun on a busy machine.
        var summary = await Grader.RunAsync(subs, key, Path.Combine(root, "out"), KitPaths.Root, Options(cellSeconds: 600), jobs: 2, _ => { }, CancellationToken.None);

        foreach (var grade in summary.ByStudent["solution"])
            Assert.True(grade.Earned == grade.Possible,
                $"{grade.Notebook}: {grade.Earned}/{grade.Possible}: " + string.Join("; ", grade.Tests.Where(t => t.Reason is not null).Select(t => $"{t.Section}: {t.Reason}")));
        foreach (var grade in summary.ByStudent["untouched"])
            foreach (var test in grade.Tests.Where(t => t.Section != "Figures"))
                Assert.True(test.Earned == 0, $"{grade.Notebook} {test.Section}: the student version earned {test.Earned}");
    }
}

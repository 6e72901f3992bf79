using System.Text.Json;
using Diffusion.Kit;
using Diffusion.Kit.Grading;
using Diffusion.Kit.Grading.Gallery;
using Diffusion.Kit.Grading.Gradescope;
using Diffusion.Kit.Grading.Similarity;
using Diffusion.Kit.Notebooks;
using Diffusion.Kit.Verbs;
using Diffusion.Runtime;
using Json.Schema;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>The pieces of grading at scale that need no notebook graded: fingerprints, hashes, the pages with hostile input, the autograder's edges.</summary>
public class GradingScaleUnitTests
{
    const string A1 = GradingFixture.A1;
    static JsonSchema Schema => GradescopeSchema.Instance;

    [Fact]
    public void RenamingVariablesAndChangingConstantsLeavesTheFingerprintsAlone()
    {
        string[] original = ["Tensor Forward(Tensor x0, int t, Generator g)", "{", "    double abar = schedule.AlphaBar(t);", "    var eps = Noise.Like(x0, g);", "    return Math.Sqrt(abar) * x0 + Math.Sqrt(1 - abar) * eps;", "}"];
        string[] renamed = ["Tensor Forward(Tensor image, int step, Generator rng)", "{", "    double a = schedule.AlphaBar(step);   // renamed", "    var noise = Noise.Like(image, rng);", "    return Math.Sqrt(a) * image + Math.Sqrt(2 - a) * noise;", "}"];
        string[] other = ["for (int i = 0; i < 10; i++)", "{", "    total += values[i] * weights[i];", "    if (total > limit) break;", "}", "Console.WriteLine(total);"];
        var a = CodeFingerprints.Of(original);
        Assert.NotEmpty(a.Hashes);
        Assert.Equal(a.Hashes.Keys.Order(), CodeFingerprints.Of(renamed).Hashes.Keys.Order());
        Assert.Empty(a.Hashes.Keys.Intersect(CodeFingerprints.Of(other).Hashes.Keys));
    }

    [Fact]
    public void ARescaledCopyOfAFigureHashesNearItAndAnotherFigureFar()
    {
        using var picture = Gradient(64, 64, flip: false);
        using var bigger = picture.Clone(c => c.Resize(128, 128));
        using var other = Gradient(64, 64, flip: true);
        Assert.True(PerceptualHash.Distance(PerceptualHash.Of(picture), PerceptualHash.Of(bigger)) <= SimilarityReport.NearIdenticalBits);
        Assert.True(PerceptualHash.Distance(PerceptualHash.Of(picture), PerceptualHash.Of(other)) > 16);
    }

    static Image<Rgba32> Gradient(int w, int h, bool flip)
    {
        var image = new Image<Rgba32>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte v = (byte)(((flip ? w - 1 - x : x) * 255 / w + (y * 97 % 61)) % 256);
                image[x, y] = new Rgba32(v, v, v, 255);
            }
        return image;
    }

    [Fact]
    public async Task TheGalleryAndSimilarityReportEscapeHostileNamesCodeAndHeadings()
    {
        var outDir = TempDir("scale-hostile");
        var key = await GradingKey.LoadAsync(KitPaths.Notebooks, [A1]);
        var hostile = "<img src=x onerror=\"window.__pwned=1\">";
        var code = "var s = \"</pre><script>window.__pwned = 1;</script>\";\nfor (int i = 0; i < 3; i++) { total += values[i] * weights[i] - offsets[i]; }";
        var byStudent = new Dictionary<string, IReadOnlyList<NotebookGrade>>();
        foreach (var student in new[] { hostile, "alice" })
        {
            var folder = Path.Combine(Feedback.StudentFolder(outDir, student), "notebooks");
            Directory.CreateDirectory(folder);
            using var picture = Gradient(32, 32, flip: false);
            using var png = new MemoryStream();
            picture.SaveAsPng(png);
            var notebook = new
            {
                cells = new object[]
                {
                    new { cell_type = "markdown", source = new[] { "## <script>window.__pwned=1</script>" } },
                    new { cell_type = "code", source = new[] { code }, outputs = new object[] { new { output_type = "display_data", data = new Dictionary<string, string> { ["image/png"] = Convert.ToBase64String(png.ToArray()) } } } },
                },
            };
            File.WriteAllText(Path.Combine(folder, A1 + ".ipynb"), JsonSerializer.Serialize(notebook));
            var run = new NotebookResult(A1, "/kit/notebooks/" + A1 + ".dib", "smoke", NotebookStatus.Ok, 1, []);
            byStudent[student] = [new NotebookGrade(student, A1, A1 + ".dib", [], [], run, 1)];
        }
        var figures = NotebookFigures.Collect(outDir, key, byStudent);
        Assert.Equal(2, figures.Count);
        Assert.All(figures, f => Assert.Matches("^[0-9a-f]{24}\\.png$", f.File));   // named by content, never by the submission
        var sections = GalleryPages.Write(Path.Combine(outDir, "gallery"), byStudent.Keys.ToList(), figures, [], 4);
        var report = SimilarityReport.Write(Path.Combine(outDir, "similarity"), key, byStudent, figures);
        Assert.Single(report.Code);
        Assert.Single(report.Figures);

        foreach (var page in new[] { Path.Combine(outDir, "gallery", sections[0].Page), Path.Combine(outDir, "similarity", "index.html") })
        {
            var html = File.ReadAllText(page);
            Assert.DoesNotContain("<script>window.__pwned", html);
            Assert.DoesNotContain("<img src=x", html);
            var (dom, _, _) = HeadlessChromium.Load(page);
            Assert.DoesNotContain("window.__pwned=1\">", dom.Replace("&lt;img src=x onerror=\"window.__pwned=1\"&gt;", ""));
            var status = HeadlessChromium.ReportStatus(page);
            Assert.True(status.Ok, $"{page}: {status.Raw}");
        }
    }

    [Fact]
    public async Task AnAutograderRunWithNothingSubmittedScoresZeroPerTestAndSaysWhy()
    {
        var root = TempDir("gradescope-empty");
        var source = Path.Combine(root, "source");
        Directory.CreateDirectory(Path.Combine(source, "notebooks"));
        File.Copy(Path.Combine(KitPaths.Notebooks, A1 + ".dib"), Path.Combine(source, "notebooks", A1 + ".dib"));
        File.WriteAllText(Path.Combine(source, AutograderConfig.FileName), new AutograderConfig([A1], "smoke", "after_published", 300, 1200, 3000, false).ToJson());
        Directory.CreateDirectory(Path.Combine(root, "submission"));
        File.WriteAllText(Path.Combine(root, "submission", "notes.txt"), "not a notebook");

        var results = await AutograderRun.RunAsync(root, _ => { }, CancellationToken.None);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "results", "results.json")));
        Assert.True(Schema.Evaluate(json.RootElement).IsValid);
        Assert.Equal(5, results.Tests.Count);
        Assert.All(results.Tests, t => Assert.True(t.Score == 0 && t.Status == "failed" && t.Output == "not submitted." && t.Visibility == "after_published"));
        Assert.Equal(18, results.Tests.Sum(t => t.MaxScore));
    }

    [Fact]
    public async Task AnAutograderRunThatCannotGradeStillWritesAResultThatSaysWhy()
    {
        var root = TempDir("gradescope-broken");
        Directory.CreateDirectory(Path.Combine(root, "source"));
        var results = await AutograderRun.RunAsync(root, _ => { }, CancellationToken.None);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "results", "results.json")));
        Assert.True(Schema.Evaluate(json.RootElement).IsValid);
        Assert.Equal(0, results.Score);
        Assert.Contains("autograder.json", results.Output);
    }

    [Fact]
    public async Task TheAutograderVerbRefusesAVisibilityGradescopeDoesNotKnow()
    {
        var error = new StringWriter();
        Assert.Equal(KitCommandLine.ExitBadInput, await KitCommandLine.RunAsync(["autograder", "--visibility", "public"], error));
        Assert.Contains("--visibility must be visible, hidden, after_due_date or after_published, got 'public'", error.ToString());
    }

    [Fact]
    public void ARubricCsvWithAStudentTheClassDoesNotHaveIsRefusedWithItsLine()
    {
        var csv = Path.Combine(TempDir("rubric"), "r.csv");
        File.WriteAllText(csv, "student,notebook,section,score,max,comment\nalice,A1-sampling-loops,\"1.1 a, b\",2,4,\"said \"\"hi\"\"\"\nmallory,A1-sampling-loops,x,1,4,\n");
        var e = Assert.Throws<InvalidDataException>(() => RubricScore.Read([csv], ["alice"], [A1]));
        Assert.Contains("line 3", e.Message);
        Assert.Contains("mallory", e.Message);
        File.WriteAllText(csv, "student,notebook,section,score,max,comment\nalice,A1-sampling-loops,\"1.1 a, b\",2,4,\"said \"\"hi\"\"\"\nbob,A1-sampling-loops,x,,4,\n");
        var read = Assert.Single(RubricScore.Read([csv], ["alice", "bob"], [A1]));   // bob's row has no score yet: left out
        Assert.Equal(("1.1 a, b", 2.0, "said \"hi\""), (read.Section, read.Score, read.Comment));
    }
}

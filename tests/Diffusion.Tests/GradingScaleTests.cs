using System.IO.Compression;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Diffusion.Kit.Grading;
using Diffusion.Kit.Grading.Gallery;
using Diffusion.Kit.Grading.Scale;
using Diffusion.Runtime;
using Json.Schema;
using static Diffusion.Tests.GradingScaleFixture;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>
/// Grading at course scale (issue 22), over one set of graded runs (<see cref="GradingScaleFixture"/>): Gradescope's
/// results.json against its documented schema and against `grade`, shards merged against one run, the manual-grading
/// gallery and the similarity report in a headless browser, offline.
/// </summary>
[Collection(nameof(GradingScaleFixture))]
public class GradingScaleTests(GradingScaleFixture f)
{

    static JsonElement Json(string path) => JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();

    [Fact]
    public void TheAutograderZipHasGradescopesLayout()
    {
        using var zip = ZipFile.OpenRead(Path.Combine(f.Package, "autograder.zip"));
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        foreach (var file in new[] { "setup.sh", "run_autograder", "Dockerfile", "autograder.json", $"notebooks/{A1}.dib", "global.json", "tools/Diffusion.Kit/Diffusion.Kit.csproj", "data/mnist/README.md" })
            Assert.True(names.Contains(file), $"the zip has no {file} at its root");
        Assert.DoesNotContain(names, n => n.Contains("/bin/") || n.Contains("/obj/"));
        Assert.DoesNotContain(names, n => n.StartsWith("data/sittings/") || n.StartsWith("data/figures/") || n.EndsWith("/resume.ckpt"));
        foreach (var script in new[] { "setup.sh", "run_autograder" })
            Assert.True(((zip.GetEntry(script)!.ExternalAttributes >> 16) & 0b001_001_001) != 0, $"{script} is not executable in the zip");
        // The container image is built by the very script Gradescope runs.
        Assert.Contains("RUN bash /autograder/source/setup.sh", File.ReadAllText(Path.Combine(f.Package, "source", "Dockerfile")));
    }

    [Fact]
    public void ResultsJsonValidatesAgainstGradescopesSchema()
    {
        var schema = GradescopeSchema.Instance;
        foreach (var student in Students)
        {
            var node = Json(f.ResultsJson(student));
            var result = schema.Evaluate(node, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{student}: results.json breaks Gradescope's schema: " +
                string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation}: {string.Join(", ", d.Errors!.Values)}")));
        }
        // The schema is not a rubber stamp: a test without a known status, or a top level with no score anywhere, fails it.
        Assert.False(schema.Evaluate(JsonDocument.Parse("""{"tests":[{"name":"x","score":1,"status":"ok"}]}""").RootElement).IsValid);
        Assert.False(schema.Evaluate(JsonDocument.Parse("""{"tests":[{"name":"x","max_score":1}]}""").RootElement).IsValid);
    }

    [Fact]
    public void ResultsJsonScoresEachSubmissionAsGradeDoes()
    {
        foreach (var student in Students)
        {
            var tests = Json(f.ResultsJson(student)).GetProperty("tests").EnumerateArray().ToList();
            var graded = f.SingleRun.ByStudent[student].Single().Tests;
            Assert.True(tests.Count == graded.Count, $"{student}: {tests.Count} tests in results.json, {graded.Count} hidden tests graded\n{f.AutograderLogs[student]}");
            foreach (var (json, test) in tests.Zip(graded))
            {
                Assert.Equal($"{A1}: {test.Section}", json.GetProperty("name").GetString());
                Assert.True(json.GetProperty("score").GetDouble() == test.Earned,
                    $"{student} {test.Section}: Gradescope {json.GetProperty("score").GetDouble()}, grade {test.Earned} ({json.GetProperty("output").GetString()})");
                Assert.Equal(test.Points, json.GetProperty("max_score").GetDouble());
                Assert.Equal(test.Earned >= test.Points ? "passed" : "failed", json.GetProperty("status").GetString());
                Assert.Equal("visible", json.GetProperty("visibility").GetString());
            }
        }
        var wrong = Json(f.ResultsJson("wrong")).GetProperty("tests").EnumerateArray().Single(t => t.GetProperty("name").GetString()!.EndsWith("1.1 Forward process"));
        Assert.Contains("mean", wrong.GetProperty("output").GetString());
        Assert.Contains(Json(f.ResultsJson("untouched")).GetProperty("tests").EnumerateArray(), t => t.GetProperty("output").GetString()!.Contains("NotImplementedException"));
        var solution = Json(f.ResultsJson("solution"));
        Assert.Equal(18, solution.GetProperty("tests").EnumerateArray().Sum(t => t.GetProperty("score").GetDouble()));
        Assert.Contains("<img src=\"data:image/png;base64,", solution.GetProperty("output").GetString());   // the figures, where Gradescope shows HTML
    }

    /// <summary>Everything a run writes that depends on when and how fast it ran, made equal.</summary>
    static string Timeless(string text) => Regex.Replace(Regex.Replace(Regex.Replace(text,
        @"Generated \d{4}-\d\d-\d\d \d\d:\d\d", "Generated (time)"),
        @"<td>\d+(\.\d+)? s</td>", "<td>(time)</td>"),
        @"""seconds"":\s*[-0-9.eE+]+", "\"seconds\": 0");

    [Fact]
    public void ShardsMergedEqualOneRun()
    {
        var shard1 = ShardRecord.Read(f.ShardDir(1));
        var shard2 = ShardRecord.Read(f.ShardDir(2));
        Assert.Equal(["solution", "wrong"], shard1.Grades.Select(g => g.Student).Order(StringComparer.Ordinal));
        Assert.Equal(["untouched"], shard2.Grades.Select(g => g.Student));

        var merged = Path.Combine(f.Root, "merged");
        ShardMerge.Run([f.ShardDir(2), f.ShardDir(1)], f.Key, merged, [], GalleryPages.DefaultRubricPoints, _ => { });

        Assert.Equal(File.ReadAllText(Path.Combine(f.Single, "grades.csv")), File.ReadAllText(Path.Combine(merged, "grades.csv")));
        var files = (string dir) => Directory.GetFiles(dir, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(dir, p)).Where(p => p.StartsWith("feedback") || p.StartsWith("gallery") || p.StartsWith("similarity") || p == "grades.json")
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(files(f.Single), files(merged));
        foreach (var file in files(f.Single))
        {
            var a = File.ReadAllBytes(Path.Combine(f.Single, file));
            var b = File.ReadAllBytes(Path.Combine(merged, file));
            if (a.AsSpan().SequenceEqual(b)) continue;
            Assert.True(!file.EndsWith(".png") && Timeless(File.ReadAllText(Path.Combine(f.Single, file))) == Timeless(File.ReadAllText(Path.Combine(merged, file))),
                $"{file} differs between the single run and the merged shards");
        }
    }

    [Fact]
    public void MergingRefusesAMissingShardAndNamesIt()
    {
        var e = Assert.Throws<InvalidDataException>(() => ShardMerge.Run([f.ShardDir(1)], f.Key, Path.Combine(f.Root, "half"), [], 4, _ => { }));
        Assert.Contains("2/2 missing", e.Message);
    }

    [Fact]
    public void ShardsAreDisjointCoverTheClassAndDifferByOneStudentAtMost()
    {
        var students = Enumerable.Range(0, 103).Select(i => $"s{i * 7919 % 1000:000}").ToList();
        var shares = Enumerable.Range(1, 8).Select(k => new Shard(k, 8).Take(students)).ToList();
        Assert.Equal(students.Order(StringComparer.Ordinal), shares.SelectMany(s => s).Order(StringComparer.Ordinal));
        Assert.True(shares.Max(s => s.Count) - shares.Min(s => s.Count) <= 1);
        Assert.Equal(shares[2], new Shard(3, 8).Take(Enumerable.Reverse(students)));   // the folder's listing order does not matter
        Assert.Equal("--shard", Assert.Throws<ArgumentException>(() => Shard.Parse("9/8")).ParamName);
        Assert.Equal(new Shard(3, 8), Shard.Parse("3/8"));
    }

    [Fact]
    public void TheGalleryAndTheSimilarityReportOpenOfflineWithoutScriptErrors()
    {
        var pages = new[] { Path.Combine(f.Single, "gallery", "index.html"), Path.Combine(f.Single, "gallery", "section-01.html"), Path.Combine(f.Single, "similarity", "index.html") };
        foreach (var page in pages)
        {
            var html = File.ReadAllText(page);
            Assert.DoesNotMatch(@"<(script|link|img)[^>]+(src|href)=""(https?:)?//", html);
            var status = HeadlessChromium.ReportStatus(page);
            Assert.True(status.Ok && status.Errors.Count == 0, $"{page}: {status.Raw}");
        }
        Assert.True(HeadlessChromium.ReportStatus(pages[1]).Images >= 3, "a gallery page shows no figures");
        Assert.True(HeadlessChromium.ReportStatus(pages[2]).Images >= 2, "the similarity report shows no near-identical figures");
    }

    [Fact]
    public void TheSimilarityReportPutsTheTwoSubmissionsThatShareTheirCodeFirst()
    {
        var report = Json(Path.Combine(f.Single, "similarity", "similarity.json"));
        var top = report.GetProperty("code").EnumerateArray().First();
        Assert.Equal(("solution", "wrong"), (top.GetProperty("a").GetString(), top.GetProperty("b").GetString()));
        Assert.True(top.GetProperty("jaccard").GetDouble() > 0.8, top.ToString());
        // The handout holds no code of its own, so it shares none.
        Assert.DoesNotContain(report.GetProperty("code").EnumerateArray(), p => p.GetProperty("a").GetString() == "untouched" || p.GetProperty("b").GetString() == "untouched");
        Assert.Equal(("solution", "wrong"), report.GetProperty("figures").EnumerateArray().Select(p => (p.GetProperty("a").GetString(), p.GetProperty("b").GetString())).First());
        var html = File.ReadAllText(Path.Combine(f.Single, "similarity", "index.html"));
        Assert.Contains("<mark>", html);   // the matching lines, marked side by side
    }

    [Fact]
    public void ScoresGivenInTheGalleryJoinTheGradesAndComeBackOutOfThePage()
    {
        var section = RubricSectionTitle();
        var csv = Path.Combine(f.Root, "rubric.csv");
        File.WriteAllText(csv, $"student,notebook,section,score,max,comment\nsolution,{A1},{Csv.Field(section)},3,4,\"clear, <b>bold</b> figures\"\nwrong,{A1},{Csv.Field(section)},1.5,4,noisy\n");
        var outDir = Path.Combine(f.Root, "with-rubric");
        ShardMerge.Run([f.Single], f.Key, outDir, [csv], 4, _ => { });

        var rows = File.ReadAllLines(Path.Combine(outDir, "grades.csv"));
        Assert.Contains($"by hand (4)", rows[0]);
        Assert.Contains(rows, r => r.StartsWith("solution,") && r.EndsWith(",3,21,22"));
        Assert.Contains(rows, r => r.StartsWith("wrong,") && r.EndsWith(",1.5,15.5,22"));
        Assert.Contains(rows, r => r.StartsWith("untouched,") && Regex.IsMatch(r, @",,[0-9.]+,18$"));   // not scored by hand: nothing added
        Assert.Contains("clear, <b>bold</b> figures", File.ReadAllText(Path.Combine(outDir, "feedback", "solution", "feedback.md")));
        Assert.DoesNotContain("<b>bold</b>", File.ReadAllText(Path.Combine(outDir, "feedback", "solution", "index.html")));   // escaped in HTML

        // The gallery page shows the scores it was given and exports them again, the same, from the browser.
        var page = Path.Combine(outDir, "gallery", "section-01.html");
        var (dom, _, _) = HeadlessChromium.Load(page);
        var exported = WebUtility.HtmlDecode(Regex.Match(dom, "<textarea id=\"csv\"[^>]*>(.*?)</textarea>", RegexOptions.Singleline).Groups[1].Value);
        var again = Path.Combine(f.Root, "exported.csv");
        File.WriteAllText(again, exported);
        var read = RubricScore.Read([again], f.SingleRun.ByStudent.Keys.ToList(), [A1]);
        Assert.Equal([("solution", 3.0, "clear, <b>bold</b> figures"), ("wrong", 1.5, "noisy")], read.Select(r => (r.Student, r.Score, r.Comment)));

        File.WriteAllText(csv, $"student,notebook,section,score,max,comment\nsolution,{A1},{Csv.Field(section)},5,4,too many\n");
        var e = Assert.Throws<InvalidDataException>(() => ShardMerge.Run([f.Single], f.Key, Path.Combine(f.Root, "bad-rubric"), [csv], 4, _ => { }));
        Assert.Contains("line 2", e.Message);
    }

    string RubricSectionTitle()
    {
        var html = File.ReadAllText(Path.Combine(f.Single, "gallery", "section-01.html"));
        return WebUtility.HtmlDecode(Regex.Match(html, "<h1>(.*?)</h1>").Groups[1].Value);
    }

    [Fact]
    public void GradeReportsItsThroughput()
    {
        var speed = f.SingleRun.Throughput!;
        Assert.Equal(3, speed.Notebooks);
        Assert.Equal("smoke", speed.Mode);
        Assert.True(speed.NotebooksPerHour > 0 && speed.NotebooksPerHour == 3 * 3600 / speed.WallSeconds);
        Assert.Equal(speed.NotebooksPerHour, Json(Path.Combine(f.Single, Throughput.FileName)).GetProperty("notebooksPerHour").GetDouble(), 0.1);
    }
}

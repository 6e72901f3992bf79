using Diffusion.Kit.Grading;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>The grader's parts that need no notebook run: the reference-call check, the probe report reader, reading results without links, the .ipynb reader.</summary>
public class GradingCheckTests
{
    static readonly string[] ForwardReferences = ["Ddpm.Forward"];
    static readonly string[] Handout = ["var x = Ddpm.Forward(schedule, x0, 10, g);   // the handout compares with the library on purpose"];

    static IReadOnlyList<ReferenceCalls.Finding> Find(string code, string[]? references = null) =>
        ReferenceCalls.Find([(5, code)], Handout, references ?? ForwardReferences);

    [Theory]
    [InlineData("Tensor Forward(Tensor x0, int t, Generator g) => Ddpm.Forward(schedule, x0, t, g);", "Ddpm.Forward")]
    [InlineData("Tensor Forward(Tensor x0, int t, Generator g) => global::Diffusion.Sampling.Ddpm.Forward(schedule, x0, t, g);", "Ddpm.Forward")]
    [InlineData("using D = Diffusion.Sampling.Ddpm;\nTensor Forward(Tensor x0, int t, Generator g) => D.Forward(schedule, x0, t, g);", "Ddpm.Forward")]
    [InlineData("using static Diffusion.Sampling.Ddpm;", "Ddpm.Forward (through `using static`)")]
    [InlineData("Func<NoiseSchedule, Tensor, int, Generator, Tensor> f = Ddpm.Forward;", "Ddpm.Forward")]
    [InlineData("var m = typeof(Sampler).GetMethod(\"Fo\" + \"rward\");", "reflection (GetMethod)")]
    [InlineData("dynamic d = null;", "reflection (dynamic)")]
    public void AReferenceCallIsFoundHoweverItIsWritten(string code, string expected)
    {
        var found = Find(code);
        Assert.True(found.Any(x => x.Reference == expected), $"`{code}`: found [{string.Join(", ", found.Select(x => x.Reference))}], expected {expected}");
        Assert.All(found, x => Assert.Equal(5, x.Cell));
    }

    [Theory]
    [InlineData("var x = Ddpm.Forward(schedule, x0, 10, g);   // the handout compares with the library on purpose")]
    [InlineData("Tensor Forward(Tensor x0, int t, Generator g) => Math.Sqrt(schedule.AlphaBar(t)) * x0 + Math.Sqrt(1 - schedule.AlphaBar(t)) * Noise.Like(x0, g);")]
    [InlineData("var y = Ddpm.Step(schedule, x, 10, 0, p);")]
    public void TheHandoutsOwnCodeAndOtherLibraryCallsAreNotFlagged(string code) =>
        Assert.Empty(Find(code));

    [Fact]
    public void AnExtensionReferenceIsFoundOnAnyReceiver() =>
        Assert.Single(ReferenceCalls.Find([(2, "NoisePrediction G(Tensor x, int t) => model.Predictor.Guided(p, 3).Estimate(x, t);")], [], ["*.Guided"]));

    [Theory]
    [InlineData("{\"figures\":1,\"probes\":[{\"index\":1,\"status\":\"Finished\",\"values\":[{\"shape\":[2,2],\"data\":[1,2,3]}]}]}")]   // shape says 4, data has 3
    [InlineData("{\"figures\":1,\"probes\":[{\"index\":1,\"status\":\"Finished\",\"values\":[{\"shape\":[-1],\"data\":[]}]}]}")]
    [InlineData("{\"figures\":1,\"probes\":[{\"index\":1,\"status\":\"Finished\",\"values\":[{\"shape\":[100000,100000],\"data\":[]}]}]}")]
    [InlineData("not json")]
    [InlineData("{\"figures\":1}")]
    public void AProbeReportThatDoesNotHoldTogetherIsRefused(string text) => Assert.Null(ProbeReport.Parse(text));

    [Fact]
    public void AProbeReportRoundTrips()
    {
        var report = new ProbeReport(3, [new ProbeRun(1, ProbeStatus.Finished, null, [new([2], [1.5, -2], null), new(null, null, "[8x3x3x3]"), new(null, null, null)])]);
        var back = ProbeReport.Parse(report.ToJson());
        Assert.NotNull(back);
        Assert.Equal(3, back!.Figures);
        Assert.Equal([1.5, -2], back.Probes[0].Values[0].Data!);
        Assert.Equal("[8x3x3x3]", back.Probes[0].Values[1].Text);
        Assert.True(back.Probes[0].Values[2].IsNull);
    }

    [Fact]
    public void ResultsAreReadWithoutFollowingALinkAnywhereOnThePath()
    {
        var trusted = TempDir("nofollow");
        var secret = Path.Combine(TempDir("secret"), "secret.txt");
        File.WriteAllText(secret, "a classmate's work");
        Directory.CreateDirectory(Path.Combine(trusted, "out"));
        File.WriteAllText(Path.Combine(trusted, "out", "plain.json"), "mine");
        File.CreateSymbolicLink(Path.Combine(trusted, "out", "link.json"), secret);
        Directory.CreateSymbolicLink(Path.Combine(trusted, "linked-dir"), Path.GetDirectoryName(secret)!);
        Directory.CreateDirectory(Path.Combine(trusted, "out", "a-folder.json"));

        using (var plain = Unix.OpenPlainFileNoFollow(trusted, "out/plain.json"))
            Assert.Equal("mine", new StreamReader(plain!).ReadToEnd());
        Assert.Null(Unix.OpenPlainFileNoFollow(trusted, "out/link.json"));
        Assert.Null(Unix.OpenPlainFileNoFollow(trusted, "linked-dir/secret.txt"));
        Assert.Null(Unix.OpenPlainFileNoFollow(trusted, "out/a-folder.json"));
        Assert.Null(Unix.OpenPlainFileNoFollow(trusted, "out/../out/plain.json"));
        Assert.Null(Unix.OpenPlainFileNoFollow(trusted, "out/missing.json"));
    }

    [Fact]
    public async Task TheIpynbReaderTakesTheRealKernelsShapeAndDropsItsOutputsAndHiddenTests()
    {
        var fixture = Path.Combine(KitPaths.Root, "tests", "Diffusion.Tests", "Fixtures", "real-kernel.ipynb");
        var document = await NotebookExecutor.LoadAsync(fixture);
        Assert.Equal(["markdown", "csharp", "csharp", "csharp", "csharp"], document.Elements.Select(e => e.KernelName));
        Assert.Equal("int Answer() => 42;\nAnswer()", document.Elements[2].Contents);
        Assert.Contains(document.Elements, e => e.Outputs.Count > 0);   // it read the outputs ...

        var prepared = await SubmissionRunner.PrepareAsync(fixture);
        Assert.All(prepared.Elements, e => Assert.Empty(e.Outputs));   // ... and the grader runs none of them
        Assert.Equal(4, prepared.Elements.Count);                      // the forged hidden-test cell is gone
        Assert.DoesNotContain(prepared.Elements, e => e.Contents.Contains("HIDDEN TEST"));
        Assert.StartsWith("#r \"../artifacts/lib/Diffusion.Lib.dll\"", prepared.Elements[1].Contents);
    }

    [Fact]
    public async Task ANotebookWhoseHiddenTestsHaveNoJudgementIsNeverGradedAndNamingItIsAnError()
    {
        var key = RunnerTestSupport.TempDir("key-unjudged");
        File.Copy(Path.Combine(KitPaths.Notebooks, "A1-sampling-loops.dib"), Path.Combine(key, "A1-sampling-loops.dib"));
        RunnerTestSupport.WriteNotebook(key, "Z9-new-section", ("csharp", "// HIDDEN TEST: 9.9 A section with no judge [3 points]\nvar probe = 1;"));

        var loaded = await GradingKey.LoadAsync(key);

        Assert.DoesNotContain("Z9-new-section", loaded.Notebooks);
        Assert.Contains("A1-sampling-loops", loaded.Notebooks);
        Assert.Contains("9.9 A section with no judge", loaded.Ungradable["Z9-new-section"]);
        var named = await Assert.ThrowsAsync<ArgumentException>(() => GradingKey.LoadAsync(key, ["Z9-new-section"]));
        Assert.Contains("no judgement", named.Message);
    }
}

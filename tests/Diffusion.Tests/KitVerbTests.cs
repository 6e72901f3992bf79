using Diffusion.Kit.Notebooks;
using Diffusion.Kit.Verbs;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>The part B verbs from the command line: bad input is refused with the argument named, nothing is written.</summary>
public class KitVerbTests
{
    static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData("sample --model class --class 12", "--class")]
    [InlineData("sample --model class --guidance nan", "--guidance")]
    [InlineData("sample --model class --guidance inf", "--guidance")]
    [InlineData("sample --model one-step", "--model")]
    [InlineData("sample --model class --count 0", "--count")]
    [InlineData("train pancakes", "model must be one-step, time, class, classifier, pure-noise, fm-time or fm-class")]
    [InlineData("train fm-class --threads 0", "--threads")]
    [InlineData("student --track diffusion", "--track")]
    [InlineData("student B2-time-conditioned-ddpm --track fm", "--track")]
    [InlineData("train time --epochs 0", "--epochs")]
    [InlineData("train time --lr -1", "--lr")]
    [InlineData("train time --bacth 64", "--bacth")]
    [InlineData("train text-64 --channels 32,64,7,8", "--channels")]
    [InlineData("train text-64 --continue no/such/sitting.weights", "--continue")]
    [InlineData("train text-64 --threads 0", "--threads")]
    [InlineData("sample --model text-64 --prompt a-rocket --weights no/such.weights", "no/such.weights")]
    public void BadInputIsRefusedNamingTheArgument(string command, string named)
    {
        var (code, _, stderr) = RunKit(Limit, command.Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(named, stderr);
    }

    [Fact]
    public void TracksHandOutTheSharedNotebooksAndTheirOwnPartB()
    {
        string[] all = ["00-setup", "A1-sampling-loops", "B1-single-step-denoiser", "B2-time-conditioned-ddpm", "B3-class-conditioned-ddpm",
            "B4-flow-matching-time", "B5-flow-matching-class"];
        Assert.Equal(all, all.Where(n => CourseTrack.Both.Includes(n)));
        Assert.Equal(["00-setup", "A1-sampling-loops", "B1-single-step-denoiser", "B2-time-conditioned-ddpm", "B3-class-conditioned-ddpm"],
            all.Where(n => CourseTrack.Ddpm.Includes(n)));
        Assert.Equal(["00-setup", "A1-sampling-loops", "B1-single-step-denoiser", "B4-flow-matching-time", "B5-flow-matching-class"],
            all.Where(n => CourseTrack.FlowMatching.Includes(n)));
        Assert.Equal("the flow-matching version (B4, B5)", CourseTracks.Describe(["notebooks/B1-single-step-denoiser.dib", "B4-flow-matching-time"]));
        Assert.Equal("the DDPM version (B2, B3)", CourseTracks.Describe(["B3-class-conditioned-ddpm"]));
        Assert.StartsWith("both versions", CourseTracks.Describe(["B2-time-conditioned-ddpm", "B5-flow-matching-class"]));
    }

    [Fact]
    public void TheFlowMatchingTrackHandsOutB4AndB5AndNotB2()
    {
        var outDir = TempDir("student-fm");
        var (code, stdout, stderr) = RunKit(Limit, "student", "B1", "B2", "B4", "B5", "--track", "fm", "--out", outDir);
        Assert.True(code == 0, $"student --track fm exited {code}: {stderr}");
        Assert.Contains("Track fm: the flow-matching version (B4, B5)", stdout);
        Assert.Equal(["B1-single-step-denoiser.dib", "B4-flow-matching-time.dib", "B5-flow-matching-class.dib"],
            Directory.GetFiles(outDir, "*.dib").Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void SamplingFromAMissingSnapshotSaysHowToTrainIt()
    {
        var empty = TempDir("no-model");
        var (code, _, stderr) = RunKit(Limit, "sample", "--model", "class", "--from", empty, "--epoch", "7");
        Assert.Equal(2, code);
        Assert.Contains("after epoch 7", stderr);
        Assert.Contains("train class", stderr);
    }

    [Theory]
    [InlineData("7", new[] { 7 })]
    [InlineData("3,5,8", new[] { 3, 5, 8 })]
    [InlineData("0-3,9", new[] { 0, 1, 2, 3, 9 })]
    public void ClassListsParse(string spec, int[] expected) => Assert.Equal(expected, SampleVerb.ParseClasses(spec));

    [Theory]
    [InlineData("5-2")]
    [InlineData("a")]
    [InlineData("10")]
    [InlineData("")]
    public void BadClassListsNameTheOption(string spec)
    {
        var e = Assert.Throws<ArgumentException>(() => SampleVerb.ParseClasses(spec));
        Assert.Contains("--class", e.Message);
    }

    [Fact]
    public void TrainAndSampleEndToEndWriteWhatTheyPromise()
    {
        // A two-step "training" of a tiny class model, then sampling from it with the PNG naming the README gives.
        var run = TempDir("train-sample");
        var model = Path.Combine(run, "model");
        var (code, stdout, stderr) = RunKit(TimeSpan.FromMinutes(5), "train", "class", "--epochs", "2", "--max-steps", "1", "--hidden", "4", "--out", model);
        Assert.True(code == 0, stderr);
        foreach (var f in new[] { "epoch-02.weights", "history.json", "manifest.json", "resume.ckpt" })
            Assert.True(File.Exists(Path.Combine(model, f)), $"{f} missing; stdout: {stdout}");
        var manifest = File.ReadAllText(Path.Combine(model, "manifest.json"));
        Assert.Contains("train class --epochs 2", manifest);
        Assert.Contains("sha256:", manifest);

        // The shipped recipe has D 64, so sampling this D 4 model must be refused with both architectures named.
        var samples = Path.Combine(run, "samples");
        (code, _, stderr) = RunKit(Limit, "sample", "--model", "class", "--from", model, "--epoch", "2", "--out", samples);
        Assert.Equal(2, code);
        Assert.Contains("ClassConditioned(D=4)", stderr);
        Assert.Contains("expected ClassConditioned(D=64)", stderr);
    }
}

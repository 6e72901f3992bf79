using Diffusion.Kit;
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
    [InlineData("sample --model text --prompt a-rocket --class 3", "--model text does not take --class")]
    [InlineData("run --frobnicate", "unknown option '--frobnicate'")]
    [InlineData("train text-64 --save-sitting --epochs 3", "does not take --epochs")]
    [InlineData("frobnicate", "Unknown verb 'frobnicate'")]
    [InlineData("student @no-such-notebook", "No notebook '@no-such-notebook'")]
    public void BadInputIsRefusedNamingTheArgument(string command, string named)
    {
        var (code, _, stderr) = RunKit(Limit, command.Split(' '));
        Assert.Equal(2, code);
        Assert.Contains(named, stderr);
    }

    [Theory]
    [InlineData("grade --jobs 0 submissions", "grade: --jobs must be a whole number from 1 to 64, got '0'.")]
    [InlineData("grade --jobs many submissions", "grade: --jobs must be a whole number from 1 to 64, got 'many'.")]
    [InlineData("train time --batch 1.5", "train time: --batch must be a whole number from 1 to 65536, got '1.5'.")]
    [InlineData("train class --p-uncond 2", "train class: --p-uncond must be a finite number from 0 to 1, got '2'.")]
    [InlineData("grade --seed -3 submissions", "grade: --seed must be a whole number of at least 0, got '-3'.")]
    [InlineData("sample --model time --count", "sample: Required argument missing for option: '--count'.")]
    public void AnOutOfRangeOrIllTypedValueIsRefusedWithWhatWasExpected(string command, string message)
    {
        var (code, stdout, stderr) = RunKit(Limit, command.Split(' '));
        Assert.True(code == 2, $"{command} exited {code}, not 2; stdout: {stdout}; stderr: {stderr}");
        Assert.Contains(message, stderr);
        Assert.Contains("--help' shows what it takes", stderr);
        Assert.Equal("", stdout);   // refused before the verb ran
    }

    [Fact]
    public void AFlagDoesNotSwallowTheNotebookNameAfterIt()
    {
        // The parse alone: --no-report is a flag and B2 stays a name.
        var parse = KitCommandLine.Build().Parse(["run", "--no-report", "B2-time-conditioned-ddpm"]);
        Assert.Empty(parse.Errors);
        Assert.Equal(["B2-time-conditioned-ddpm"], parse.GetValue<string[]>("NAMES") ?? []);
        Assert.True(parse.GetValue<bool>("--no-report"), "--no-report was not read as set");
        // And the kit: B2 is not on the flow-matching track, so naming it there is refused; had the flag taken it as
        // its value, no notebook would be named and all five fm-track notebooks would run instead.
        var (code, _, stderr) = RunKit(Limit, "run", "--no-report", "B2-time-conditioned-ddpm", "--track", "fm");
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.Contains("none of the notebooks named is on the fm track", stderr);
    }

    [Fact]
    public void HelpIsMadeFromTheDeclaredOptions()
    {
        var (code, stdout, _) = RunKit(Limit, "run", "--help");
        Assert.Equal(0, code);
        foreach (var expected in new[] { "--no-report", "--track <ddpm|fm|both>", "[default: both]", "--mode <smoke|pretrained|full>", "[default: pretrained]", "<NAMES>" })
            Assert.True(stdout.Contains(expected), $"run --help lacks '{expected}':\n{stdout}");
        // Each part B model's defaults are the course's for that model (20 epochs for time, 5 for one-step).
        (code, stdout, _) = RunKit(Limit, "train", "time", "--help");
        Assert.Equal(0, code);
        Assert.Matches(@"--epochs <N>\s+.*\[default: 20\]", stdout);
        (_, stdout, _) = RunKit(Limit, "train", "one-step", "--help");
        Assert.Matches(@"--epochs <N>\s+.*\[default: 5\]", stdout);
        // The verb list names every verb people run and hides the internal ones.
        (code, stdout, _) = RunKit(Limit, "--help");
        Assert.Equal(0, code);
        foreach (var verb in new[] { "run", "grade", "train", "sample", "doctor", "bench" }) Assert.Contains($"  {verb} ", stdout);
        Assert.DoesNotContain("run-one", stdout);
        Assert.DoesNotContain("grade-one", stdout);
    }

    [Fact]
    public void TheCommandsTheDocsAndManifestsGiveStillParse()
    {
        // Every `dotnet run --project tools/Diffusion.Kit -- ...` in the README and the model folders' notes, and every
        // command a shipped model's manifest records, must still be a valid command line (placeholders like <verb> aside).
        var root = Diffusion.Runtime.KitPaths.Root;
        var texts = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "data"), "*.md", SearchOption.AllDirectories))
            .Concat(Directory.GetFiles(Path.Combine(root, "data", "models"), "manifest.json", SearchOption.AllDirectories))
            .Select(f => (File: Path.GetRelativePath(root, f), Text: File.ReadAllText(f)));
        var commands = texts.SelectMany(t => System.Text.RegularExpressions.Regex.Matches(t.Text, @"Diffusion\.Kit -- ([^`#|""\n\\>]+)")
                .Select(m => (t.File, Line: m.Groups[1].Value.Trim())))
            .Where(c => !c.Line.Contains('<') && !c.Line.Contains('{') && c.Line.Length > 0)
            .Distinct().ToList();
        Assert.True(commands.Count >= 15, $"found only {commands.Count} kit commands in the docs and manifests");
        var root0 = KitCommandLine.Build();
        foreach (var (file, line) in commands)
        {
            var parse = root0.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.True(parse.Errors.Count == 0, $"{file}: '{line}' no longer parses: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        }
        // The README's verb table (its "Other verbs" section) names verbs, and train's models, that exist.
        var verbs = root0.Subcommands.ToDictionary(c => c.Name);
        var readme = File.ReadAllText(Path.Combine(root, "README.md"));
        int start = readme.IndexOf("## Other verbs", StringComparison.Ordinal);
        Assert.True(start >= 0, "README has no 'Other verbs' section");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var table = readme[start..(end < 0 ? readme.Length : end)];
        int rows = 0;
        foreach (System.Text.RegularExpressions.Match row in System.Text.RegularExpressions.Regex.Matches(table, @"(?m)^\| `([a-z0-9-]+)( [a-z0-9\\|-]+)?[^`]*` \|"))
        {
            rows++;
            Assert.True(verbs.ContainsKey(row.Groups[1].Value), $"README's verb table names '{row.Groups[1].Value}', which is no verb");
            if (row.Groups[1].Value == "train")
                foreach (var model in row.Groups[2].Value.Trim().Split("\\|"))
                    Assert.True(verbs["train"].Subcommands.Any(c => c.Name == model || c.Aliases.Contains(model)), $"README names 'train {model}', which is no model");
        }
        Assert.True(rows >= 10, $"README's verb table has {rows} rows");
    }

    [Fact]
    public void PipedOutputHasNoEscapeCodes()
    {
        // The tests read the kit through pipes, as CI and logs do: tables and progress must be plain lines there.
        var run = TempDir("plain-train");
        var (code, stdout, stderr) = RunKit(TimeSpan.FromMinutes(5), "train", "class", "--epochs", "2", "--max-steps", "1", "--hidden", "4", "--out", run);
        Assert.True(code == 0, stderr);
        Assert.DoesNotContain('\u001b', stdout + stderr);
        Assert.Matches(@"(?m)^epoch 1/2  step 1/1  loss \d+\.\d{5}", stderr);
        Assert.Matches(@"(?m)^epoch 2/2  step 1/1  loss \d+\.\d{5}", stderr);
        (code, stdout, _) = RunKit(Limit, "doctor");
        Assert.DoesNotContain('\u001b', stdout);
        Assert.Matches(@"(?m)^ok      TorchSharp ", stdout);
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

using Diffusion.Data;
using Diffusion.Models;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public sealed class TrainingTests : IDisposable
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), "diffusion-training-tests-" + Guid.NewGuid().ToString("N"));
    readonly Tensor _images, _labels;

    public TrainingTests()
    {
        manual_seed(3);
        _images = rand(40, 1, 28, 28);
        _labels = randint(0, 10, [40], dtype: ScalarType.Int64);
    }

    public void Dispose()
    {
        _images.Dispose();
        _labels.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
    }

    static TrainingSettings Settings(int epochs = 2) => new(epochs, 16, 1e-3, 0.5, Seed: 11, Snapshots: [1, epochs]);

    DigitUNet NewNet() { manual_seed(11); return new DigitUNet(DigitUNetKind.ClassConditioned, 4); }

    LossHistory Train(string folder, TrainingSettings settings, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        using var net = NewNet();
        var trainer = new Trainer<DigitUNet>(folder, "ClassConditioned(D=4)", settings);
        return trainer.Train(net, new DdpmObjective(DigitRecipe.Schedule), _images, _labels, progress, cancel);
    }

    [Fact]
    public void SameSeedGivesTheSameLosses()
    {
        var a = Train(Path.Combine(_folder, "a"), Settings());
        var b = Train(Path.Combine(_folder, "b"), Settings());
        Assert.Equal(a.StepLosses, b.StepLosses);
        Assert.Equal(6, a.StepLosses.Count); // 40 images in batches of 16: 3 steps per epoch
    }

    [Fact]
    public void ARunStoppedMidEpochResumesToTheSameNumbers()
    {
        var straight = Train(Path.Combine(_folder, "straight"), Settings(3));

        var interrupted = Path.Combine(_folder, "interrupted");
        using var stop = new CancellationTokenSource();
        var stopInEpochTwo = new Progress(p => { if (p.Epoch == 2 && p.Step == 2) stop.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => Train(interrupted, Settings(3), stopInEpochTwo, stop.Token));
        Assert.Equal(1, LossHistory.Load(Path.Combine(interrupted, Trainer<DigitUNet>.HistoryFile)).EpochsDone);

        var resumed = Train(interrupted, Settings(3));
        Assert.Equal(straight.StepLosses, resumed.StepLosses);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_folder, "straight", "epoch-03.weights")),
                     File.ReadAllBytes(Path.Combine(interrupted, "epoch-03.weights")));
    }

    [Fact]
    public void ADigitRunSpanningSittingsGoesOnInItsCommittedFolderWithoutResumeCheckpoint()
    {
        // A flow-matching recipe of a few steps; the run folder is what a sitting commits (all but resume.ckpt).
        var recipe = TrainedDigitModel.SmokeRecipe(DigitModelKind.FlowClass, seed: 5).WithEpochs(3);
        using var data = new LabelledImages("test digits", _images.alias(), _labels.data<long>().ToArray(), [.. Enumerable.Range(0, 10).Select(d => d.ToString())]);
        var run = Path.Combine(_folder, "fm-run");
        using var stop = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => DigitTraining.Run(recipe, data, run, "test", new Progress(p => { if (p.Epoch == 3) stop.Cancel(); }),
            stop.Token, writeSitting: true));
        var sitting = Path.Combine(run, Trainer<DigitUNet>.SittingFile);
        Assert.True(File.Exists(sitting), "a run told to write sittings writes sitting.weights after every epoch");
        Assert.Equal("2", WeightsFile.ReadHeader(sitting)["epoch"]);
        Assert.Contains(Trainer<DigitUNet>.SittingFile, TrainingManifest.Load(run).Snapshots);
        var before = LossHistory.Load(Path.Combine(run, Trainer<DigitUNet>.HistoryFile));

        // The next sitting, on a fresh clone: the same folder without resume.ckpt (never committed), continued in place.
        File.Delete(Path.Combine(run, Trainer<DigitUNet>.ResumeFile));
        var after = DigitTraining.Run(recipe, data, run, "test", continueFrom: SittingStart.Beside(sitting));
        Assert.Equal(3, after.EpochsDone);
        Assert.Equal(before.StepLosses, after.StepLosses.Take(before.StepLosses.Count));
        var manifest = TrainingManifest.Load(run);
        Assert.Equal(3, manifest.EpochsDone);
        Assert.True(manifest.Data.ContainsKey("continued from"), "the manifest says which sitting the run went on from");
        Assert.Equal("3", WeightsFile.ReadHeader(sitting)["epoch"]);
    }

    [Fact]
    public void TheWeightAverageFollowsItsFormulaAndLeavesTrainingAsItWas()
    {
        // A large learning rate, so that the average is far from the last weights (the check below can tell them apart).
        var settings = Settings() with { LearningRate = 0.05 };
        var plain = Train(Path.Combine(_folder, "plain"), settings);
        // The same run with an average: every step's weights recorded, the average recomputed here from its formula.
        var folder = Path.Combine(_folder, "averaged");
        using var net = NewNet();
        var steps = new List<Tensor[]>();
        var record = new Progress(_ => { using var _g = no_grad(); steps.Add([.. net.parameters().Select(p => p.detach().clone())]); });
        var trainer = new Trainer<DigitUNet>(folder, "ClassConditioned(D=4)", settings) { AverageDecay = 0.5 };
        var averaged = trainer.Train(net, new DdpmObjective(DigitRecipe.Schedule), _images, _labels, record);
        Assert.Equal(plain.StepLosses, averaged.StepLosses);   // the average only reads the weights

        using var initial = NewNet();
        var expected = initial.parameters().Select(p => p.detach().clone()).ToArray();
        for (int k = 0; k < steps.Count; k++)
        {
            double d = Math.Min(0.5, (1.0 + k) / (10.0 + k));   // the warm-up, then the decay
            for (int i = 0; i < expected.Length; i++) expected[i] = d * expected[i] + (1 - d) * steps[k][i];
        }
        using var written = NewNet();
        WeightsFile.Load(Path.Combine(folder, Trainer<DigitUNet>.AverageFile), written, "ClassConditioned(D=4)");
        var got = written.parameters().ToArray();
        double farthest = 0, fromLast = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = Math.Max(1e-3, expected[i].abs().max().item<float>());
            farthest = Math.Max(farthest, (got[i] - expected[i]).abs().max().item<float>() / scale);
            fromLast = Math.Max(fromLast, (steps[^1][i] - expected[i]).abs().max().item<float>() / scale);
        }
        Assert.True(farthest < 2e-3, $"the written average is {farthest:g3} (relative) from the formula's; half precision keeps about 1e-3");
        Assert.True(fromLast > 0.05, $"the last weights are only {fromLast:g3} (relative) from the average: the check could not tell them apart");
        // The snapshots hold the trained weights, not the average.
        Assert.Equal(File.ReadAllBytes(Path.Combine(_folder, "plain", "epoch-02.weights")), File.ReadAllBytes(Path.Combine(folder, "epoch-02.weights")));
    }

    [Fact]
    public void AFinishedRunIsNotTrainedAgain()
    {
        var folder = Path.Combine(_folder, "done");
        var first = Train(folder, Settings());
        var stamp = File.GetLastWriteTimeUtc(Path.Combine(folder, Trainer<DigitUNet>.ResumeFile));
        var again = Train(folder, Settings());
        Assert.Equal(first.StepLosses, again.StepLosses);
        Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(folder, Trainer<DigitUNet>.ResumeFile)));
    }

    [Fact]
    public void OtherSettingsInTheSameFolderAreRefusedAndNothingIsLost()
    {
        var folder = Path.Combine(_folder, "kept");
        Train(folder, Settings());
        var before = File.ReadAllBytes(Path.Combine(folder, Trainer<DigitUNet>.ResumeFile));
        var e = Assert.Throws<InvalidOperationException>(() => Train(folder, Settings() with { LearningRate = 0.5 }));
        Assert.Contains("Nothing was changed", e.Message);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(folder, Trainer<DigitUNet>.ResumeFile)));
    }

    [Fact]
    public void ANaNLossStopsWithAClearMessage()
    {
        var folder = Path.Combine(_folder, "nan");
        using var net = NewNet();
        var trainer = new Trainer<DigitUNet>(folder, "ClassConditioned(D=4)", Settings());
        var e = Assert.Throws<TrainingDivergedException>(() => trainer.Train(net, new NaNObjective(), _images, _labels));
        Assert.Contains("NaN", e.Message);
        Assert.Contains("epoch 1, step 1", e.Message);
    }

    sealed class NaNObjective : ITrainingObjective<DigitUNet>
    {
        public string Name => "always NaN";
        public Tensor Loss(DigitUNet model, Tensor images, Tensor labels, Generator generator) =>
            model.forward(images, zeros(images.shape[0]), zeros(images.shape[0], 10)).mean() * float.NaN;
    }

    sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    [Fact]
    public void WeightsRoundTripInHalfPrecision()
    {
        var path = Path.Combine(_folder, "w.weights");
        using var a = NewNet();
        WeightsFile.Save(path, a, "ClassConditioned(D=4)", half: true);
        manual_seed(99);
        using var b = new DigitUNet(DigitUNetKind.ClassConditioned, 4);
        WeightsFile.Load(path, b, "ClassConditioned(D=4)");
        foreach (var ((name, pa), (_, pb)) in a.state_dict().Zip(b.state_dict()))
        {
            using var diff = (pa.to(ScalarType.Float32) - pb.to(ScalarType.Float32)).abs().max();
            // half precision keeps 11 significant bits: relative error <= 2^-11 of values well below 1 here
            Assert.True(diff.item<float>() <= 1e-3f, $"{name} differs by {diff.item<float>()}");
        }
    }

    [Fact]
    public void LoadingAnotherArchitectureNamesBoth()
    {
        var path = Path.Combine(_folder, "arch.weights");
        using var a = NewNet();
        WeightsFile.Save(path, a, "ClassConditioned(D=4)", half: true);
        using var b = new DigitUNet(DigitUNetKind.TimeConditioned, 4);
        var e = Assert.Throws<InvalidDataException>(() => WeightsFile.Load(path, b, "TimeConditioned(D=4)"));
        Assert.Contains("ClassConditioned(D=4)", e.Message);
        Assert.Contains("expected TimeConditioned(D=4)", e.Message);
    }

    [Fact]
    public void ATruncatedWeightsFileSaysSo()
    {
        var path = Path.Combine(_folder, "cut.weights");
        using var a = NewNet();
        WeightsFile.Save(path, a, "ClassConditioned(D=4)", half: false);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        using var b = NewNet();
        var e = Assert.Throws<InvalidDataException>(() => WeightsFile.Load(path, b, "ClassConditioned(D=4)"));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void GarbageIsNotAWeightsFile()
    {
        var path = Path.Combine(_folder, "junk.weights");
        Directory.CreateDirectory(_folder);
        File.WriteAllText(path, "hello, not weights");
        using var b = NewNet();
        var e = Assert.Throws<InvalidDataException>(() => WeightsFile.Load(path, b, "ClassConditioned(D=4)"));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void OneStepObjectiveIsTheMeanSquaredErrorToTheCleanImage()
    {
        // With sigma 0 the input is the clean image, so the loss is exactly mse(D(x), x).
        manual_seed(5);
        using var net = new DigitUNet(DigitUNetKind.Unconditional, 4);
        net.eval();
        using var g = new Generator(1);
        using var scope = NewDisposeScope();
        var loss = new OneStepDenoisingObjective(0).Loss(net, _images, _labels, g).item<float>();
        var expected = (net.forward(_images) - _images).pow(2).mean().item<float>();
        Assert.Equal(expected, loss, 6);
    }

    [Fact]
    public void CourseRecipesCarryTheCourseSettings()
    {
        var one = DigitRecipe.Course(DigitModelKind.OneStep).Settings;
        Assert.Equal((5, 256, 1e-4), (one.Epochs, one.BatchSize, one.LearningRate));
        var time = DigitRecipe.Course(DigitModelKind.Time);
        Assert.Equal((20, 128, 1e-3, 64), (time.Settings.Epochs, time.Settings.BatchSize, time.Settings.LearningRate, time.Hidden));
        // Exponential decay 0.1^(1/epochs) per epoch: after all epochs the rate is a tenth.
        Assert.Equal(1e-4, time.Settings.LearningRateAt(20), 12);
        Assert.Equal(300, DigitRecipe.Schedule.Steps);
    }

    [Fact]
    public void FlowRecipesTrainAsManyStepsAsThePageOnTheKitsSplit()
    {
        // The page: 10 epochs of MNIST's 60,000 digits in batches of 64 (938 steps an epoch, the last batch partial), with
        // samples after epochs 1, 5 and 10. The kit trains on 9,000 digits (141 steps an epoch).
        static int Steps(int epochs, int digits) => epochs * ((digits + 63) / 64);
        var flow = DigitRecipe.Course(DigitModelKind.FlowClass).Settings;
        Assert.Equal((64, 1e-2), (flow.BatchSize, flow.LearningRate));
        Assert.Equal(1e-3, flow.LearningRateAt(flow.Epochs), 12);
        int[] pageEpochs = [1, 5, 10];
        Assert.Equal(pageEpochs.Length, flow.Snapshots.Count());
        foreach (var (page, kit) in pageEpochs.Zip(flow.Snapshots))
            Assert.True(Math.Abs(Steps(kit, 9_000) - Steps(page, 60_000)) <= 141 / 2,
                $"kit epoch {kit} ends {Steps(kit, 9_000)} steps in, the page's epoch {page} {Steps(page, 60_000)}: more than half an epoch apart");
        Assert.Equal(flow.Epochs, flow.Snapshots[^1]);
    }
}

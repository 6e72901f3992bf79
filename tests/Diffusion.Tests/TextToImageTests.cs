using Diffusion.Data;
using Diffusion.Kit;
using Diffusion.Kit.Verbs;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Text;
using Diffusion.TextToImage;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>The prompt encoder, the text-conditioned UNet, its objective, adapter, training and bad-input messages.</summary>
public sealed class TextToImageTests : IDisposable
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), "diffusion-t2i-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
    }

    static double Cosine(float[] a, float[] b) => a.Zip(b).Sum(p => (double)p.First * p.Second) /
        Math.Sqrt(a.Sum(v => (double)v * v) * b.Sum(v => (double)v * v));

    [SkippableFact]
    public void EncoderIsDeterministicAndPutsSimilarPromptsCloser()
    {
        using var encoder = new TextEncoder(new PromptEmbeddings(TextEncoder.ModelName, TextEncoder.Dimension));
        Skip.IfNot(encoder.IsLive, "the live MiniLM encoder (ONNX Runtime) could not load here; the table tests still run.");
        var a = encoder.EncodeLive(["a rocket ship", "a rocket", "a skull", "a rocket ship"]);
        Assert.Equal(TextEncoder.Dimension, a[0].Length);
        Assert.Equal(a[0], a[3]);
        Assert.Equal(a[0], encoder.EncodeLive(["a rocket ship"])[0]);
        Assert.True(Cosine(a[0], a[1]) > Cosine(a[0], a[2]) + 0.3, $"rocket ship~rocket {Cosine(a[0], a[1]):F2}, rocket ship~skull {Cosine(a[0], a[2]):F2}");
        // The shipped table holds the same vectors (to half precision).
        var table = PromptEmbeddings.Load(TextEncoder.DefaultTablePath);
        double agreement = Cosine(table.Find("a rocket ship")!, a[0]);
        Assert.True(agreement > 0.9999, $"shipped table vs live encoder for \"a rocket ship\": cosine {agreement:F6}, expected > 0.9999");
    }

    [Fact]
    public void EncoderWithoutTheLiveModelUsesTheTableAndNamesWhatExists()
    {
        var table = new PromptEmbeddings(TextEncoder.ModelName, TextEncoder.Dimension);
        table.Add("", Enumerable.Repeat(0.5f, 384).ToArray());
        table.Add("a rocket ship", Enumerable.Range(0, 384).Select(i => (float)i).ToArray());
        using var encoder = new TextEncoder(table, allowLive: false);
        Assert.Equal(2f, encoder.Embed("  A Rocket  ship ")[2]);           // normalised like the uncased tokenizer
        Assert.Equal(0.5f, encoder.NullEmbedding[0]);
        var e = Assert.Throws<ArgumentException>(() => encoder.Embed("a purple elephant"));
        Assert.Contains("a purple elephant", e.Message);
        Assert.Contains("\"a rocket ship\"", e.Message);
        Assert.Contains("unavailable", e.Message);
        var empty = Assert.Throws<ArgumentException>(() => encoder.Embed("   "));
        Assert.Contains("null prompt", empty.Message);
    }

    [Fact]
    public void PromptTableRoundTripsThroughItsFile()
    {
        var table = new PromptEmbeddings("test", 4);
        table.Add("a cat", [1, 2, 3, 0.5f]);
        table.Add("", [0, 0, 0, 1]);
        var path = Path.Combine(_folder, "p.emb");
        Directory.CreateDirectory(_folder);
        table.Save(path);
        var back = PromptEmbeddings.Load(path);
        Assert.Equal(["a cat", ""], back.Prompts);
        Assert.Equal(new float[] { 1, 2, 3, 0.5f }, back.Find("A CAT"));
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..30]);
        Assert.Throws<InvalidDataException>(() => PromptEmbeddings.Load(path));
    }

    [Fact]
    public void UNetPredictsNoiseOfTheImagesShapeAndChecksItsInputs()
    {
        manual_seed(1);
        using var net = new TextUNet(8, 16);
        using var scope = NewDisposeScope();
        var x = randn(3, 3, 32, 32);
        var y = net.call(x, tensor(new long[] { 0, 500, 999 }), randn(3, 384));
        Assert.Equal(x.shape, y.shape);
        Assert.False(y.isnan().any().item<bool>());
        Assert.All(net.parameters(), p => Assert.False(p.isnan().any().item<bool>()));
        var e = Assert.Throws<ArgumentException>(() => net.call(randn(3, 1, 28, 28), tensor(new long[] { 0, 1, 2 }), randn(3, 384)));
        Assert.Contains("3 x 32 x 32", e.Message);
        e = Assert.Throws<ArgumentException>(() => net.call(x, tensor(new long[] { 0, 1, 2 }), randn(3, 512)));
        Assert.Contains("384", e.Message);
    }

    [Fact]
    public void GroupNormKeepsEachSampleIndependentOfItsBatch()
    {
        manual_seed(2);
        using var net = new TextUNet(8, 16);
        net.eval();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = randn(2, 3, 32, 32);
        var e = randn(2, 384);
        var both = net.call(x, tensor(new long[] { 100, 100 }), e);
        var first = net.call(x.narrow(0, 0, 1), tensor(new long[] { 100 }), e.narrow(0, 0, 1));
        Assert.True(both.narrow(0, 0, 1).allclose(first, rtol: 1e-4, atol: 1e-5), $"batched vs alone: max difference {SamplingTestKit.MaxAbsDiff(both.narrow(0, 0, 1), first):E2}");
    }

    [Fact]
    public void TextIsStandardisedByItsTrainingCaptionsAndTheStandardisationTravelsWithTheWeights()
    {
        manual_seed(6);
        using var scope = NewDisposeScope();
        var captions = randn(50, 384) * 0.05 + 0.3;
        using var net = new TextUNet(8, 16);
        net.StandardiseText(captions);
        var state = net.state_dict();
        // Independently: the centre is the column mean, the scale the RMS of all deviations from it.
        var rows = Enumerable.Range(0, 50).Select(i => captions[i].data<float>().ToArray()).ToArray();
        var mean = Enumerable.Range(0, 384).Select(d => rows.Average(r => (double)r[d])).ToArray();
        var rms = Math.Sqrt(rows.Sum(r => r.Select((v, d) => (v - mean[d]) * (v - mean[d])).Sum()) / (50.0 * 384));
        Assert.Equal(mean[7], state["text_centre"][7].item<float>(), 5);
        Assert.Equal(rms, state["text_scale"][0].item<float>(), 4);

        // Shifting every caption (and the prompt) by one vector changes nothing: only differences between prompts count.
        net.eval();
        using var _ = no_grad();
        var x = randn(2, 3, 32, 32);
        var t = tensor(new long[] { 10, 900 });
        var before = net.call(x, t, captions.narrow(0, 0, 2));
        var shift = randn(1, 384);
        net.StandardiseText(captions + shift);
        var shifted = net.call(x, t, captions.narrow(0, 0, 2) + shift);
        Assert.True(shifted.allclose(before, rtol: 1e-3, atol: 1e-4), $"shifted captions after standardising: max difference {SamplingTestKit.MaxAbsDiff(shifted, before):E2}");

        // The buffers are saved with the weights, so a loaded model embeds prompts as the trained one did.
        var path = Path.Combine(_folder, "standardised.weights");
        Directory.CreateDirectory(_folder);
        WeightsFile.Save(path, net, net.Architecture, half: false);
        using var back = TextToImageModel.LoadNetwork(path);
        var loaded = back.call(x, t, captions.narrow(0, 0, 2) + shift);
        Assert.True(loaded.allclose(before, rtol: 1e-3, atol: 1e-4), $"loaded network: max difference {SamplingTestKit.MaxAbsDiff(loaded, before):E2}");

        var e = Assert.Throws<ArgumentException>(() => net.StandardiseText(randn(5, 100)));
        Assert.Equal("embeddings", e.ParamName);
        Assert.Throws<ArgumentException>(() => net.StandardiseText(ones(5, 384)));
    }

    static TextToImageObjective TinyObjective(double pNull, double pGeneric) =>
        new(TextToImageRecipe.Schedule,
            [[[1f, .. new float[383]], [2f, .. new float[383]]], [[3f, .. new float[383]]]],
            [-1f, .. new float[383]], [-2f, .. new float[383]], pNull, pGeneric);

    [Fact]
    public void PromptDropoutUsesTheEmptyPromptsEmbedding()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(4);
        var labels = tensor(Enumerable.Range(0, 200).Select(i => (long)(i % 2)).ToArray());
        Assert.All(TinyObjective(1, 0).Captions(labels, g)[.., 0].data<float>().ToArray(), v => Assert.Equal(-1f, v));
        Assert.All(TinyObjective(0, 1).Captions(labels, g)[.., 0].data<float>().ToArray(), v => Assert.Equal(-2f, v));
        var plain = TinyObjective(0, 0).Captions(labels, g)[.., 0].data<float>().ToArray();
        for (int i = 0; i < 200; i++) Assert.Contains(plain[i], i % 2 == 0 ? new[] { 1f, 2f } : new[] { 3f });
        Assert.Contains(1f, plain);
        Assert.Contains(2f, plain);
        var mixed = TinyObjective(0.1, 0.05).Captions(tensor(new long[2000]), g)[.., 0].data<float>().ToArray();
        Assert.InRange(mixed.Count(v => v == -1f), 140, 260);      // ~10% of 2000
        Assert.InRange(mixed.Count(v => v == -2f), 60, 140);       // ~5%
    }

    [Fact]
    public void AugmentationShiftsAndScalesButNeverFlipsAndFillsWithWhite()
    {
        using var scope = NewDisposeScope();
        using var g = new Generator(5);
        var none = new TextToImageObjective(TextToImageRecipe.Schedule, [[new float[384]]], new float[384], new float[384], 0, 0, maxShift: 0, maxScale: 0);
        var image = rand(4, 3, 32, 32) * 2 - 1;
        var unchanged = none.Augment(image, g);
        Assert.True(unchanged.allclose(image, atol: 1e-5), $"augmentation with no shift or scale changed the image by up to {SamplingTestKit.MaxAbsDiff(unchanged, image):E2}");
        var shifted = TinyObjective(0, 0).Augment(-ones(64, 3, 32, 32), g);
        // A black picture moved or shrunk shows white at some border, never anything outside [-1, 1].
        float low = shifted.min().item<float>(), high = shifted.max().item<float>();
        Assert.True(high <= 1.0001f && low >= -1.0001f, $"augmented pixels span [{low}, {high}], expected within [-1, 1]");
        Assert.True(high > 0.5f, $"no white border showed on a moved or shrunk black picture (brightest pixel {high})");
        // Top-heavy picture: after augmentation its top half stays darker than its bottom half (no flips).
        var topDark = cat([-ones(64, 3, 16, 32), ones(64, 3, 16, 32)], 2);
        var a = TinyObjective(0, 0).Augment(topDark, g);
        Assert.True((a[.., .., ..16, ..].mean([1, 2, 3]) < a[.., .., 16.., ..].mean([1, 2, 3])).all().item<bool>(), "a top-dark picture came out with its top half brighter: augmentation flipped it");
    }

    static TextNoisePredictor OfflinePredictor()
    {
        var table = new PromptEmbeddings(TextEncoder.ModelName, TextEncoder.Dimension);
        table.Add("", new float[384]);
        table.Add("a rocket ship", Enumerable.Repeat(0.05f, 384).ToArray());
        manual_seed(3);
        return new TextNoisePredictor(new TextUNet(8, 16), new TextEncoder(table, allowLive: false));
    }

    [Fact]
    public void AdapterRejectsUnknownPromptsWhenOnlyPrecomputedEmbeddingsExist()
    {
        using var model = OfflinePredictor();
        Assert.Null(model.Reject(Conditioning.Prompt("a rocket ship")));
        Assert.Null(model.Reject(Conditioning.Null));
        var why = model.Reject(Conditioning.Prompt("a purple elephant on the moon"));
        Assert.NotNull(why);
        Assert.Contains("\"a rocket ship\"", why);
        Assert.Contains("prompt", model.Reject(Conditioning.Class(3))!);
        Assert.Contains("empty", model.Reject(Conditioning.Prompt(""))!);
        Assert.Contains("384", model.Reject(Conditioning.Prompt("x", zeros(1, 10)))!);
        var e = Assert.Throws<ArgumentException>(() => model.Guided(Conditioning.Prompt("a purple elephant on the moon"), 7));
        Assert.Contains("a purple elephant", e.Message);
    }

    [Fact]
    public void AdapterSamplesAndBatchedGuidanceEqualsTheKitsGuidance()
    {
        using var model = OfflinePredictor();
        Assert.Equal((3, 32, 32), (model.Channels, model.Height, model.Width));
        Assert.Equal(1000, model.Schedule.Steps);
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 32, 32);
        var prompt = Conditioning.Prompt("a rocket ship");
        // The one-pass pair the guided estimate uses equals two separate passes.
        var (conditional, unconditional) = model.PredictPair(x, 690, prompt, Conditioning.Null);
        using var c2 = model.Predict(x, 690, prompt);
        using var u2 = model.Predict(x, 690, Conditioning.Null);
        Assert.True(conditional.Noise.allclose(c2.Noise, rtol: 1e-4, atol: 1e-4), $"conditional, pair vs alone: max difference {SamplingTestKit.MaxAbsDiff(conditional.Noise, c2.Noise):E2}");
        Assert.True(unconditional.Noise.allclose(u2.Noise, rtol: 1e-4, atol: 1e-4), $"unconditional, pair vs alone: max difference {SamplingTestKit.MaxAbsDiff(unconditional.Noise, u2.Noise):E2}");
        conditional.Dispose();
        unconditional.Dispose();
        using var result = TextToImageSampling.Sample(model, "a rocket ship", 2, 7, steps: 3, seed: 1);
        Assert.Equal([2L, 3, 32, 32], result.Image.shape);
        Assert.Equal([950, 900, 850, 800, 750, 700, 650, 600, 550, 500, 450, 400, 350, 300, 250, 200, 150, 100, 50, 0], TextToImageSampling.StridedSteps(model.Schedule, 20));
        Assert.Equal(34, TextToImageSampling.StridedSteps(model.Schedule, 34).Length);
        Assert.Equal(990, TextToImageSampling.StridedSteps(model.Schedule, 34)[0]);
    }

    static TextToImageRecipe TinyRecipe(int epochs) =>
        new(8, 16, 1, new TrainingSettings(epochs, 32, 1e-3, 0.5, 7, [epochs], MaxStepsPerEpoch: 2));

    [Fact]
    public void TrainingStoppedMidRunResumesToTheSameNumbers()
    {
        using var set = EmojiSet.Load();
        var table = PromptEmbeddings.Load(TextEncoder.DefaultTablePath);
        var straight = TextToImageTraining.Run(TinyRecipe(3), set, table, Path.Combine(_folder, "straight"), "test");
        Assert.Equal(6, straight.StepLosses.Count);
        Assert.All(straight.StepLosses, l => Assert.InRange(l, 0.05f, 5f));

        var interrupted = Path.Combine(_folder, "interrupted");
        using var stop = new CancellationTokenSource();
        var stopInEpochTwo = new Progress(p => { if (p.Epoch == 2) stop.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => TextToImageTraining.Run(TinyRecipe(3), set, table, interrupted, "test", stopInEpochTwo, stop.Token));
        Assert.Equal(1, TrainingManifest.Load(interrupted).EpochsDone);
        var resumed = TextToImageTraining.Run(TinyRecipe(3), set, table, interrupted, "test");
        Assert.Equal(straight.StepLosses, resumed.StepLosses);

        // The snapshot loads as a noise predictor; another recipe in the same folder is refused, nothing changed.
        using (var model = TextToImageModel.Load(interrupted, encoder: new TextEncoder(table, allowLive: false)))
            Assert.Equal("TextUNet(C=8,E=16,standardised,layout)", model.Network!.Architecture);
        var other = TinyRecipe(3) with { NullProbability = 0.3 };
        var e = Assert.Throws<InvalidOperationException>(() => TextToImageTraining.Run(other, set, table, interrupted, "test"));
        Assert.Contains("pnull=0.1", e.Message);
    }

    [Fact]
    public void ARunStartedFromAnotherRunsSnapshotBeginsWithItsWeightsAndResumesOnlyFromThem()
    {
        using var set = EmojiSet.Load();
        var table = PromptEmbeddings.Load(TextEncoder.DefaultTablePath);
        var first = Path.Combine(_folder, "first");
        TextToImageTraining.Run(TinyRecipe(1), set, table, first, "test");
        var start = StartWeights.Of(Path.Combine(first, "epoch-01.weights"));

        // A learning rate far below half precision's resolution: the snapshot after one epoch is the start, exactly,
        // while the same run from a fresh network is not (the first run moved its weights).
        TextToImageRecipe Still(StartWeights? from) => TinyRecipe(1) with { StartFrom = from, Settings = TinyRecipe(1).Settings with { LearningRate = 1e-12 } };
        var continued = Path.Combine(_folder, "continued");
        var fresh = Path.Combine(_folder, "fresh");
        TextToImageTraining.Run(Still(start), set, table, continued, "test");
        TextToImageTraining.Run(Still(null), set, table, fresh, "test");
        static float[] Weights(string folder)
        {
            using var net = TextToImageModel.LoadNetwork(TextToImageModel.WeightsPath(folder));
            return net.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
        }
        var startWeights = Weights(first);
        Assert.Equal(startWeights, Weights(continued));
        Assert.NotEqual(startWeights, Weights(fresh));
        Assert.Contains(start.Hash, TrainingManifest.Load(continued).Settings);
        Assert.Equal(2, TextToImageModel.EpochsInAll(TextToImageModel.WeightsPath(continued)));   // one of its own after one of the first run's
        Assert.Equal(1, TextToImageModel.EpochsInAll(TextToImageModel.WeightsPath(fresh)));

        // The run folder remembers which weights it began from: another start is refused, nothing changed.
        var other = StartWeights.Of(Path.Combine(fresh, "epoch-01.weights"));
        var e = Assert.Throws<InvalidOperationException>(() => TextToImageTraining.Run(Still(other), set, table, continued, "test"));
        Assert.Contains(start.Hash, e.Message);
        Assert.Equal(startWeights, Weights(continued));
    }

    [Fact]
    public void ArchitectureNamesParseBackToTheirSizesAndOthersAreRefused()
    {
        Assert.True(TextUNet.TryParseArchitecture(TextUNet.ArchitectureName(48, 192), out int c, out int e), $"{TextUNet.ArchitectureName(48, 192)} did not parse back");
        Assert.Equal((48, 192), (c, e));
        Assert.False(TextUNet.TryParseArchitecture("TextUNet(C=64,E=256)", out _, out _));   // the pre-layout name
        Assert.False(TextUNet.TryParseArchitecture("TimeConditioned(D=64)", out _, out _));
    }

    [Fact]
    public void LoadingAnotherModelsCheckpointSaysWhichModelItHolds()
    {
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "epoch-01.weights");
        using (var digit = new DigitUNet(DigitUNetKind.TimeConditioned, 4))
            WeightsFile.Save(path, digit, "TimeConditioned(D=4)", half: true);
        var e = Assert.Throws<InvalidDataException>(() => TextToImageModel.Load(_folder));
        Assert.Contains("TimeConditioned(D=4)", e.Message);
        Assert.Contains("TextUNet", e.Message);
        var missing = Assert.Throws<FileNotFoundException>(() => TextToImageModel.Load(_folder, epoch: 9));
        Assert.Contains("epoch-01.weights", missing.Message);
        Assert.Contains("train text", Assert.Throws<FileNotFoundException>(() => TextToImageModel.Load(Path.Combine(_folder, "none"))).Message);
    }

    [Fact]
    public async Task VerbsNameTheProblemWithBadInput()
    {
        // The kit in this process: bad input ends with exit code 2 and a message on its error writer.
        async Task<string> Refused(params string[] args)
        {
            var error = new StringWriter();
            int code = await KitCommandLine.RunAsync(args, error);
            Assert.True(code == KitCommandLine.ExitBadInput, $"kit {string.Join(' ', args)} exited {code}, not {KitCommandLine.ExitBadInput}: {error}");
            return error.ToString();
        }
        Assert.Contains("text", await Refused("sample", "--model", "txt"));
        Assert.Contains("null prompt", await Refused("sample", "--model", "text", "--prompt", ""));
        Assert.Contains("--prompt", await Refused("sample", "--model", "text"));
        var start = await Refused("train", "text", "--start-from", Path.Combine(_folder, "missing.weights"));
        Assert.Contains("--start-from", start);
        Assert.Contains("missing.weights", start);
        Assert.Contains("unicorns", await Refused("evaluate-text", "--concepts", "rocket,unicorns", "--from", _folder));
        Assert.Contains("text-64", await Refused("evaluate-text", "--model", "text-99"));
        Assert.Contains("--weights", await Refused("evaluate-text", "--model", "text-64", "--from", _folder));
        Assert.Contains("missing.weights", await Refused("evaluate-text", "--model", "text-64", "--weights", Path.Combine(_folder, "missing.weights")));
        Assert.Contains("text-64", await Refused("evaluate-text", "--classifier", Path.Combine(_folder, "c.weights")));
    }

    [Fact]
    public void TheRecordedAdherenceIsReadBackAndQuoted()
    {
        var dir = RunnerTestSupport.TempDir("card");
        Assert.Null(ModelCard.ShippedHitRate(dir));
        Assert.Null(ModelCard.ShippedAdherence(dir));
        File.WriteAllText(Path.Combine(dir, ModelCard.AdherenceFile),
            """{ "Epoch": 50, "HitRate": 0.4375, "Top5Rate": 0.75, "Samples": 692, "SamplesPerConcept": 4, "Guidance": 7, "Steps": 34, "Seed": 0, "Chance": 0.00578 }""");
        Assert.Equal(0.4375, ModelCard.ShippedHitRate(dir));
        var quoted = ModelCard.ShippedAdherence(dir)!;
        Assert.Contains("43.8", quoted);
        Assert.Contains("top-5 75.0", quoted);
        Assert.Contains("692 samples", quoted);
        Assert.Contains("epoch 50", quoted);
    }

    sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

using Diffusion.Data;
using Diffusion.Kit.DataBuilding;
using Diffusion.Sampling;
using Diffusion.Text;
using Diffusion.TextToImage;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>The part A model v2: its data set, network, hybrid loss, variance output, sittings and bad input.</summary>
public sealed class TextToImage64Tests : IDisposable
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), "diffusion-t2i64-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
    }

    static TextUNet64 TinyNet(long seed = 5)
    {
        manual_seed(seed);
        return new TextUNet64([8, 8, 8, 8], 16);
    }

    [Fact]
    public void GaussianKlMatchesItsClosedForm()
    {
        // KL(N(1, 1) || N(0, 4)) = 0.5 (-1 + log 4 - log 1 + 1/4 + (1 - 0)^2 / 4) = 0.5 (log 4 - 0.5)
        using var kl = HybridObjective.GaussianKl(tensor(1f), tensor(0f), tensor(0f), tensor((float)Math.Log(4)));
        Assert.True(Math.Abs(kl.item<float>() - 0.5 * (Math.Log(4) - 0.5)) < 1e-6, $"KL was {kl.item<float>()}, expected {0.5 * (Math.Log(4) - 0.5)}");
        using var same = HybridObjective.GaussianKl(tensor(0.3f), tensor(-2f), tensor(0.3f), tensor(-2f));
        Assert.True(Math.Abs(same.item<float>()) < 1e-7, $"KL of a Gaussian to itself was {same.item<float>()}, not 0");
    }

    [Fact]
    public void VlbTermIsTheKlFromThePosteriorToTheModelsStepInBits()
    {
        var schedule = TextToImage64Recipe.Schedule;
        var objective = new HybridObjective(DataObjective(schedule));
        int t = 500;
        float[] x0 = [0.5f, -0.25f, 1f, -1f], eps = [0.1f, -1.2f, 0.7f, 0.3f], noise = [0.2f, -1f, 0.5f, 0.4f], v = [-1f, 0f, 0.5f, 1f];
        var c = schedule.Step(t, t - 1);
        double expected = 0;
        for (int i = 0; i < 4; i++)
        {
            double xt = Math.Sqrt(c.AlphaBar) * x0[i] + Math.Sqrt(1 - c.AlphaBar) * eps[i];
            double x0Hat = (xt - Math.Sqrt(1 - c.AlphaBar) * noise[i]) / Math.Sqrt(c.AlphaBar);
            double mu = c.X0Coefficient * x0[i] + c.XtCoefficient * xt, muHat = c.X0Coefficient * x0Hat + c.XtCoefficient * xt;
            double frac = (v[i] + 1) / 2, logVar = frac * Math.Log(c.Beta) + (1 - frac) * Math.Log(c.BetaTilde);
            double lq = Math.Log(c.BetaTilde);
            expected += 0.5 * (-1 + logVar - lq + Math.Exp(lq - logVar) + (mu - muHat) * (mu - muHat) / Math.Exp(logVar));
        }
        expected /= 4 * Math.Log(2);
        using var scope = NewDisposeScope();
        var x0T = tensor(x0).view(1, 1, 2, 2);
        var xtT = Math.Sqrt(c.AlphaBar) * x0T + Math.Sqrt(1 - c.AlphaBar) * tensor(eps).view(1, 1, 2, 2);
        var got = objective.VlbTerm(x0T, xtT, tensor(new long[] { t }), tensor(noise).view(1, 1, 2, 2), tensor(v).view(1, 1, 2, 2)).item<float>();
        Assert.True(Math.Abs(got - expected) < 1e-4 * Math.Max(1, Math.Abs(expected)), $"L_t at t = {t} was {got} bits/dim, by hand {expected}");
    }

    [Fact]
    public void DecoderLikelihoodAtTZeroIsTheMassOfThePixelsBin()
    {
        // x = 0, mean 0, sigma = 1/255: the bin [-1/255, 1/255] holds P(|z| < 1) = 0.6827 of a standard normal.
        using var scope = NewDisposeScope();
        float logVar = (float)(2 * Math.Log(1.0 / 255));
        var log = HybridObjective.DiscretisedGaussianLogLikelihood(tensor(0f), tensor(0f), tensor(logVar)).item<float>();
        Assert.True(Math.Abs(Math.Exp(log) - 0.6827) < 2e-3, $"the bin's probability was {Math.Exp(log)}, expected 0.6827");
        // The white edge bin reaches to +inf: x = 1 with its mean at 1 keeps more than half the mass.
        var edge = HybridObjective.DiscretisedGaussianLogLikelihood(tensor(1f), tensor(1f), tensor(logVar)).item<float>();
        Assert.True(Math.Abs(Math.Exp(edge) - 0.8413) < 2e-3, $"the edge bin's probability was {Math.Exp(edge)}, expected P(z > -1) = 0.8413");
    }

    [Fact]
    public void TheModelsVarianceOutputFeedsTheCoursesAddVariance()
    {
        using var net = TinyNet();
        using var encoder = new TextEncoder(new PromptEmbeddings(TextEncoder.ModelName, TextEncoder.Dimension), allowLive: false);
        using var model = new TextNoisePredictor(net, encoder);
        Assert.Equal(64, model.Height);
        using var scope = NewDisposeScope();
        manual_seed(1);
        var xt = randn(2, 3, 64, 64);
        var prompt = Conditioning.Prompt("a test prompt", randn(1, 384));
        int t = 690, tNext = 660;
        using var prediction = model.Predict(xt, t, prompt);
        Assert.NotNull(prediction.Variance);
        var raw = model.Forward(xt, t, prompt.EmbeddingFor(2));
        Assert.True(raw.narrow(1, 3, 3).allclose(prediction.Variance!), "the prediction's variance is not the network's channels 3-5");
        Assert.True(raw.narrow(1, 0, 3).allclose(prediction.Noise), "the prediction's noise is not the network's channels 0-2");

        var stepped = Ddpm.Step(model.Schedule, xt, t, tNext, prediction, generator: new Generator(7));
        // SPEC.md's add_variance by hand: frac = (v + 1) / 2, log_var = frac log beta + (1 - frac) log beta_tilde.
        var c = model.Schedule.Step(t, tNext);
        var x0Hat = (xt - Math.Sqrt(1 - c.AlphaBar) * prediction.Noise) / Math.Sqrt(c.AlphaBar);
        var frac = (prediction.Variance! + 1) / 2;
        var logVar = frac * Math.Log(c.Beta) + (1 - frac) * Math.Log(c.BetaTilde);
        var z = randn(xt.shape, generator: new Generator(7));
        var expected = c.X0Coefficient * x0Hat + c.XtCoefficient * xt + (0.5 * logVar).exp() * z;
        var difference = (stepped - expected).abs().max().item<float>();
        Assert.True(difference < 1e-5, $"the step with the model's variance differs from add_variance by hand by {difference}");
        // And the variance is used: with a fixed beta_tilde the step differs.
        var fixedStep = Ddpm.Step(model.Schedule, xt, t, tNext, prediction, new StepVariance { UseModelVariance = false }, new Generator(7));
        Assert.True((fixedStep - stepped).abs().max().item<float>() > 1e-4, "the step ignored the model's variance output");
    }

    [Fact]
    public void GuidanceKeepsTheConditionalPassVariance()
    {
        using var net = TinyNet();
        using var encoder = new TextEncoder(new PromptEmbeddings(TextEncoder.ModelName, TextEncoder.Dimension), allowLive: false);
        using var model = new TextNoisePredictor(net, encoder);
        using var scope = NewDisposeScope();
        manual_seed(2);
        var xt = randn(1, 3, 64, 64);
        var embedding = randn(1, 384);
        var nullEmbedding = randn(1, 384);
        var prompt = Conditioning.Prompt("a test prompt", embedding);
        var empty = Conditioning.Prompt("the null stand-in", nullEmbedding);
        using var conditional = model.Predict(xt, 500, prompt);
        using var guided = NoiseEstimators.Guided(model, prompt, 7, empty).Estimate(xt, 500);
        Assert.NotNull(guided.Variance);
        // One pass of 2 (both conditionings) against a pass of 1: equal up to float rounding.
        var difference = (guided.Variance - conditional.Variance!).abs().max().item<float>();
        Assert.True(difference < 1e-4, $"the guided variance differs from the conditional pass's by {difference}");
        using var unconditional = model.Predict(xt, 500, empty);
        var fromUnconditional = (guided.Variance - unconditional.Variance!).abs().max().item<float>();
        Assert.True(fromUnconditional > 1e-3, $"the guided variance is also the unconditional pass's (they differ by {fromUnconditional}): the test cannot tell them apart");
    }

    [Fact]
    public void A32By32CheckpointIsRefusedNamingBothModels()
    {
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "small.weights");
        using (var small = new TextUNet(8, 16)) WeightsFile.Save(path, small, small.Architecture, half: true);
        var e = Assert.Throws<InvalidDataException>(() => TextToImage64Training.LoadNetwork(path));
        Assert.Contains("TextUNet(C=8,E=16", e.Message);
        Assert.Contains("TextUNet64", e.Message);
        Assert.Contains("32x32", e.Message);
    }

    [Fact]
    public void ArchitectureNameRoundTrips()
    {
        using var net = TinyNet();
        Assert.True(TextUNet64.TryParseArchitecture(net.Architecture, out var channels, out int embedding), $"'{net.Architecture}' did not parse");
        Assert.Equal([8, 8, 8, 8], channels);
        Assert.Equal(16, embedding);
        Assert.False(TextUNet64.TryParseArchitecture("TextUNet(C=64,E=256,standardised,layout)", out _, out _), "the 32x32 name parsed as the 64x64 one");
        foreach (var head in new[] { HeadTarget.Noise, HeadTarget.V })
        {
            var name = TextUNet64.ArchitectureName([8, 16, 24, 32], 40, head);
            Assert.True(TextUNet64.TryParseArchitecture(name, out var c, out int e, out var parsed), $"'{name}' did not parse");
            Assert.Equal([8, 16, 24, 32], c);
            Assert.Equal((40, head), (e, parsed));
        }
        // The first run's files carry the name without a head suffix: they stay noise predictors.
        Assert.True(TextUNet64.TryParseArchitecture("TextUNet64(C=32/64/128/192,E=256,learned-variance,text-attention)", out _, out _, out var first));
        Assert.Equal(HeadTarget.Noise, first);
    }

    [Fact]
    public void VParameterisationGivesBackTheNoiseAndThePicture()
    {
        // Salimans and Ho 2022: v = sqrt(abar) eps - sqrt(1 - abar) x0, and x_t, v determine eps and x0 exactly.
        using var scope = NewDisposeScope();
        manual_seed(12);
        var x0 = rand(5, 3, 4, 4) * 2 - 1;
        var eps = randn(5, 3, 4, 4);
        var alphaBar = tensor(new[] { 0.9999f, 0.7f, 0.3f, 0.02f, 0.0003f }).view(5, 1, 1, 1);
        var xt = alphaBar.sqrt() * x0 + (1 - alphaBar).sqrt() * eps;
        var v = VPrediction.Target(x0, eps, alphaBar);
        Assert.True(VPrediction.ToNoise(v, xt, alphaBar).allclose(eps, rtol: 0, atol: 1e-5), "eps read off v is not the noise");
        Assert.True(VPrediction.ToX0(v, xt, alphaBar).allclose(x0, rtol: 0, atol: 1e-5), "x0 read off v is not the picture");
        // At the ends v is the noise (abar -> 1) and minus the picture (abar -> 0).
        Assert.True(v[0].allclose(eps[0], rtol: 0, atol: 0.02), "v at abar ~ 1 should be about eps");
        Assert.True(v[4].allclose(-x0[4], rtol: 0, atol: 0.05), "v at abar ~ 0 should be about -x0");
    }

    [Fact]
    public void AVHeadModelGivesStudentsTheNoiseItsOutputStandsFor()
    {
        using var net = TinyNet(8);
        using var scope = NewDisposeScope();
        manual_seed(2);
        var xt = randn(2, 3, 64, 64);
        var text = randn(2, 384) * 0.05;
        const int t = 700;
        Tensor raw;
        using (no_grad()) { net.eval(); raw = net.call(xt, full(2, (long)t, dtype: ScalarType.Int64), text); }
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "v.weights");
        using (var v = new TextUNet64([8, 8, 8, 8], 16, HeadTarget.V))
        {
            using (no_grad()) foreach (var (a, b) in v.parameters().Zip(net.parameters())) a.copy_(b);
            WeightsFile.Save(path, v, v.Architecture, half: false);
        }
        using var model = TextToImage64Training.Load(path);
        Assert.Equal(HeadTarget.V, model.Network64!.Head);
        var output = model.Forward(xt, t, text);
        double abar = TextToImage64Recipe.Schedule.AlphaBar(t);
        var expected = Math.Sqrt(1 - abar) * xt + Math.Sqrt(abar) * raw.narrow(1, 0, 3);
        Assert.True(output.narrow(1, 0, 3).allclose(expected, rtol: 0, atol: 1e-4), "the predictor's noise is not sqrt(1 - abar) x_t + sqrt(abar) v");
        Assert.True(output.narrow(1, 3, 3).allclose(raw.narrow(1, 3, 3), rtol: 0, atol: 1e-5), "the variance output changed");
    }

    [Fact]
    public void ANewRunStartsFromANoiseHeadsWeightsAndRefusesOtherSizes()
    {
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "noise.weights");
        using (var first = TinyNet(3)) WeightsFile.Save(path, first, first.Architecture, half: false);
        using var net = new TextUNet64([8, 8, 8, 8], 16, HeadTarget.V);
        TextToImage64Training.LoadStartWeights(net, path);
        using var again = TinyNet(3);
        Assert.All(net.parameters().Zip(again.parameters()), pair => Assert.True(pair.First.allclose(pair.Second, rtol: 0, atol: 0), "a weight differs from the file's"));
        using var wide = new TextUNet64([8, 8, 8, 16], 16, HeadTarget.V);
        var e = Assert.Throws<InvalidDataException>(() => TextToImage64Training.LoadStartWeights(wide, path));
        Assert.Contains("C=8/8/8/8", e.Message);
        Assert.Contains("C=8/8/8/16", e.Message);
        var recipe = TextToImage64Recipe.Default();
        Assert.EndsWith(";head=v", recipe.Fingerprint());
        Assert.NotEqual(recipe.Fingerprint(), (recipe with { StartFrom = StartWeights.Of(path) }).Fingerprint());
        Assert.DoesNotContain("head", (recipe with { Head = HeadTarget.Noise }).Fingerprint());
    }

    [Fact]
    public void NetworkOutputsNoiseAndVarianceAndRefusesOtherSizes()
    {
        using var net = TinyNet();
        using var scope = NewDisposeScope();
        var output = net.call(randn(2, 3, 64, 64), tensor(new long[] { 0, 999 }), randn(2, 384));
        Assert.Equal([2L, 6, 64, 64], output.shape);
        var e = Assert.Throws<ArgumentException>(() => net.call(randn(2, 3, 32, 32), tensor(new long[] { 0, 1 }), randn(2, 384)));
        Assert.Contains("64 x 64", e.Message);
    }

    [Fact]
    public void ASourceWithoutARecordedLicenceIsRefused()
    {
        Directory.CreateDirectory(_folder);
        var mystery = new EmojiArtSource("mystery", "npm mystery-emoji 1.0.0", _folder, (_, _) => null);
        var e = Assert.Throws<InvalidDataException>(() => EmojiArtStyles.CheckLicence(mystery));
        Assert.Contains("'mystery'", e.Message);
        Assert.Contains("no recorded licence", e.Message);

        // A recorded style whose package no longer says what the record quotes is refused too.
        Directory.CreateDirectory(Path.Combine(_folder, "package"));
        File.WriteAllText(Path.Combine(_folder, "package", "LICENSE.txt"), "All rights reserved.");
        var changed = new EmojiArtSource(EmojiArtStyles.OpenMoji, "npm openmoji 99", _folder, (_, _) => null);
        var e2 = Assert.Throws<InvalidDataException>(() => EmojiArtStyles.CheckLicence(changed));
        Assert.Contains("no longer says so", e2.Message);

        // The build stops before writing anything.
        var output = Path.Combine(_folder, "set");
        var debian = new EmojiSources { NotoFontPath = "", NotoVersion = "", EmojiOneFolder = "", EmojiOneVersion = "", EmojiTestPath = "" };
        Assert.Throws<InvalidDataException>(() => EmojiSet64Builder.Build([mystery], debian, output));
        Assert.False(Directory.Exists(output), "the build wrote files although a source had no recorded licence");
    }

    [Fact]
    public void TheCommittedSetHasTheConceptsPicturesAndPromptsItPromises()
    {
        using var set = EmojiSet.Load(TextToImage64Training.DefaultDataFolder);
        Assert.Equal(EmojiSet.FormatName64, set.File.Format);
        Assert.Equal(64, set.File.Size);
        Assert.Equal([3L, 64, 64], set.Images.shape.Skip(1).ToArray());
        Assert.Null(EmojiSet64Builder.Problem());
        Assert.True(set.Concepts.Count >= 300, $"{set.Concepts.Count} concepts, fewer than 300");
        for (int c = 0; c < set.Concepts.Count; c++)
        {
            Assert.True(set.TrainingPicturesOf(c).Length >= 5, $"{set.Concepts[c].Key} has {set.TrainingPicturesOf(c).Length} training pictures, fewer than 5");
            Assert.True(set.HeldOutPicturesOf(c).Length >= 1, $"{set.Concepts[c].Key} has no held-out picture");
        }
        var owner = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var concept in set.Concepts)
            foreach (var caption in concept.Captions)
                Assert.True(owner.TryAdd(caption, concept.Key), $"\"{caption}\" is a caption of both {owner.GetValueOrDefault(caption)} and {concept.Key}");
        foreach (var prompt in EmojiConcepts.CoursePrompts.Where(p => p != "" && p != EmojiConcepts.GenericPrompt))
            Assert.True(owner.ContainsKey(PromptEmbeddings.Key(prompt)), $"the course prompt \"{prompt}\" is no concept's caption");
        var table = PromptEmbeddings.Load(Path.Combine(TextToImage64Training.DefaultDataFolder, TextEncoder.TableFile));
        foreach (var prompt in owner.Keys.Concat(EmojiConcepts.CoursePrompts))
            Assert.True(table.Contains(prompt), $"prompts.emb has no embedding for \"{prompt}\"");
    }

    [Fact]
    public void PromptUseScoresAModelThatKnowsItsConceptsAndOneThatIgnoresThePrompt()
    {
        using var set = EmojiSet.Load(TextToImage64Training.DefaultDataFolder);
        var schedule = TextToImage64Recipe.Schedule;
        var conceptOf = set.Concepts.SelectMany((c, i) => c.Captions.Select(caption => (caption, i))).ToDictionary(p => p.caption, p => p.i);
        Tensor Embedding(string caption) => nn.functional.one_hot(tensor(new long[] { conceptOf[caption] }), 384).to(ScalarType.Float32);
        using var nullEmbedding = zeros(1, 384);
        // An oracle that knows every concept's training pictures: given a concept's caption it denoises to that concept's
        // picture nearest x_t, exactly; given "" it estimates x0 = 0. Its right caption has no error, a wrong one has.
        Tensor Oracle(Tensor xt, int t, Tensor text)
        {
            double abar = schedule.AlphaBar(t);
            var rows = new List<Tensor>();
            for (int i = 0; i < xt.shape[0]; i++)
            {
                var x = xt[i];
                var x0 = zeros_like(x);
                if (text[i].max().item<float>() > 0)
                {
                    var pictures = set.Images.index_select(0, tensor(set.TrainingPicturesOf((int)text[i].argmax().item<long>()).Select(p => (long)p).ToArray()));
                    var distance = (x.unsqueeze(0) - Math.Sqrt(abar) * pictures).square().sum([1, 2, 3]);
                    x0 = pictures[distance.argmin().item<long>()];
                }
                rows.Add((x - Math.Sqrt(abar) * x0) / Math.Sqrt(1 - abar));
            }
            return stack(rows);
        }
        using var scope = NewDisposeScope();
        var knows = PromptUse.Measure(Oracle, schedule, set, Embedding, nullEmbedding, concepts: 6, times: [300]).Single();
        Assert.True(knows.Right < 1e-8, $"the oracle's error with the right caption was {knows.Right}, not 0");
        Assert.True(knows.Wrong > 0.02 && knows.Empty > 0.02, $"errors with a wrong caption {knows.Wrong} and with \"\" {knows.Empty} should be well above 0");
        Assert.True(knows.Gain > 0.999, $"gain {knows.Gain}");
        // A model that ignores its prompt (here: always x0 = 0) scores the three alike.
        var ignores = PromptUse.Measure((xt, t, _) => xt / Math.Sqrt(1 - schedule.AlphaBar(t)), schedule, set, Embedding, nullEmbedding, concepts: 6, times: [300, 900]);
        Assert.All(ignores, row => Assert.Equal((row.Right, row.Right, 0.0), (row.Wrong, row.Empty, row.Gain)));
        Assert.Throws<ArgumentOutOfRangeException>(() => PromptUse.Measure(Oracle, schedule, set, Embedding, nullEmbedding, concepts: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PromptUse.Measure(Oracle, schedule, set, Embedding, nullEmbedding, times: [1000]));
    }

    [Fact]
    public void TheHeldOutStyleIsNeverInTheTrainingOrder()
    {
        using var set = EmojiSet.Load(TextToImage64Training.DefaultDataFolder);
        Assert.Equal(EmojiArtStyles.HeldOut, set.File.HeldOutStyle);
        var order = TextToImage64Training.TrainingOrder(set, 12);
        Assert.Equal(12 * set.Concepts.Count, order.Length);
        var styles = order.Select(i => set.File.Pictures[(int)i].Style).Distinct().Order().ToArray();
        Assert.DoesNotContain(EmojiArtStyles.HeldOut, styles);
        Assert.Equal(5, styles.Length);
        Assert.Equal(Enumerable.Range(0, set.Concepts.Count).SelectMany(c => Enumerable.Repeat((long)c, 12)), order.Select(i => set.Labels[i]));
    }

    [Fact]
    public void ASittingContinuesFromItsCompactCheckpointWithTheScheduleGoingOn()
    {
        var settings = new TrainingSettings(4, 4, 1e-3, 0.5, Seed: 3, Snapshots: []);
        using var scope = NewDisposeScope();
        manual_seed(4);
        var images = rand(8, 3, 64, 64) * 2 - 1;
        var labels = tensor(new long[] { 0, 1, 0, 1, 0, 1, 0, 1 });
        var objective = new HybridObjective(DataObjective(TextToImage64Recipe.Schedule, concepts: 2));
        const string architecture = "TextUNet64(C=8/8/8/8,E=16,learned-variance,text-attention)";
        LossHistory Train(string folder, TrainingSettings s, SittingStart? from = null, CancellationToken cancel = default, IProgress<TrainingProgress>? progress = null)
        {
            using var net = TinyNet(9);
            return new Trainer<TextUNet64>(folder, architecture, s) { ContinueFrom = from, WriteSitting = true }.Train(net, objective, images, labels, progress, cancel);
        }
        // Sitting 1 ends during epoch 3 (the session ends): epochs 1-2 are on disk.
        var first = Path.Combine(_folder, "sitting-1");
        using var stop = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => Train(first, settings, cancel: stop.Token,
            progress: new Progress(p => { if (p.Epoch == 3) stop.Cancel(); })));
        var sitting = Path.Combine(first, Trainer<TextUNet64>.SittingFile);
        Assert.Equal("2", WeightsFile.ReadHeader(sitting)["epoch"]);
        // What is committed: sitting.weights and history.json, nothing else (no resume.ckpt).
        var committed = Path.Combine(_folder, "committed");
        File.WriteAllText(Path.Combine(first, TrainingManifest.FileName), "{}");   // the verb's manifest; copied as is
        Assert.Equal(2, TextToImage64Training.SaveSitting(first, committed));
        Assert.Equal(["history.json", "manifest.json", "sitting.weights"], Directory.GetFiles(committed).Select(f => Path.GetFileName(f)!).Order().ToArray());
        var before = LossHistory.Load(Path.Combine(committed, Trainer<TextUNet64>.HistoryFile));

        // Sitting 2 on a "fresh machine": a new run folder, continued from the committed files.
        var from = SittingStart.Beside(Path.Combine(committed, Trainer<TextUNet64>.SittingFile));
        var refused = Assert.Throws<InvalidOperationException>(() => Train(Path.Combine(_folder, "other"), settings with { LearningRate = 5e-4 }, from));
        Assert.Contains("Continue it with the command in its manifest", refused.Message);
        var after = Train(Path.Combine(_folder, "sitting-2"), settings, from);
        Assert.Equal(4, after.EpochsDone);
        Assert.Equal(before.StepLosses.Take(before.EpochEnds[1]), after.StepLosses.Take(after.EpochEnds[1]));
        Assert.Equal(4 * 2, after.StepLosses.Count);   // 8 images in batches of 4: 2 steps an epoch, epochs 3-4 trained anew
    }

    sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    [Fact]
    public void TheConceptClassifierRanksEveryConceptAndRefusesOtherSizesAndModels()
    {
        manual_seed(6);
        using var classifier = new ConceptClassifier(12, 8);
        using var scope = NewDisposeScope();
        var top = classifier.TopK(randn(3, 3, 64, 64), 5);
        Assert.Equal(3, top.Length);
        Assert.All(top, row => Assert.Equal(5, row.Distinct().Count()));
        Assert.All(top, row => Assert.All(row, c => Assert.InRange(c, 0, 11)));
        var e = Assert.Throws<ArgumentException>(() => classifier.call(randn(1, 3, 32, 32)));
        Assert.Contains("64 x 64", e.Message);
        Directory.CreateDirectory(_folder);
        var path = Path.Combine(_folder, "net.weights");
        using (var net = TinyNet()) WeightsFile.Save(path, net, net.Architecture, half: true);
        Assert.Contains("not a ConceptClassifier", Assert.Throws<InvalidDataException>(() => ConceptClassifierTraining.Load(path)).Message);
    }

    static TextToImageObjective DataObjective(Schedules.NoiseSchedule schedule, int concepts = 1)
    {
        var captions = Enumerable.Range(0, concepts).Select(c => (IReadOnlyList<float[]>)[Enumerable.Range(0, 384).Select(i => (float)Math.Sin(i + c)).ToArray()]).ToList();
        return new TextToImageObjective(schedule, captions, new float[384], Enumerable.Repeat(0.05f, 384).ToArray());
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Diffusion.Data;
using Diffusion.Kit.Bench;
using Diffusion.Kit.Terminal;
using Diffusion.Models;
using Diffusion.Models.Inference;
using Diffusion.Runtime;
using Diffusion.Sampling;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Diffusion.Kit.Verbs;

/// <summary>
/// `bench`: the part B targets, measured and printed as numbers (and JSON), never asserted in timed tests.
/// Ratios are taken within one run (kit trainer vs. a bare loop, interleaved) because the machine is shared.
/// </summary>
public sealed class BenchVerb : IVerb
{
    static readonly string[] Phases = ["quality", "flow", "preview", "throughput", "sampling", "memory", "notebooks"];
    /// <summary>Every phase but notebooks, which takes minutes.</summary>
    static readonly string[] DefaultPhases = Phases.Where(p => p != "notebooks").ToArray();

    readonly Option<string> _only = KitOptions.Word("--only", "the phases to run, comma-separated", ParsePhases,
        string.Join(',', DefaultPhases), string.Join(',', Phases));
    readonly Option<string?> _out = KitOptions.TextOrNull("--out", "where the JSON goes (default out/bench/bench.json)", "FILE");
    readonly Option<long> _seed = KitOptions.Long("--seed", "the samples' seed", 0);

    public Command Command { get; }

    public BenchVerb() => Command = KitOptions.Verb("bench", """
        measure part B quality, training throughput, sampling speed and memory (prints numbers and JSON)
          quality     classifier accuracy on the 1,000 test digits; class model (epoch 20, guidance 5): share of
                      100 samples classified as asked; time model: distinct digits among 100 samples
          flow        flow-matching models (their last shipped epoch): class model, guidance 5, share of 100 samples
                      classified as asked; time model: distinct digits among 100; FM against DDPM class models at
                      10, 30, 100 and 300 network evaluations (Euler steps / strided DDPM steps), in one table
          throughput  kit trainer vs. a bare TorchSharp loop, same model and batch, interleaved rounds (DDPM
                      time model, one-step model, flow-matching time model)
          preview     seconds of B2-B5's preview cells (20 samples, 30 steps; target <= 10 s) and at 300 steps
          sampling    seconds to sample 40 class-conditioned digits with guidance over 300 steps
          memory      resident memory after 200 and 2,000 training steps (DDPM and flow-matching objectives); after
                      1 and 8 sampling runs
          notebooks   the main job: every notebook, pretrained, its seconds and its first cell's (cold start); the
                      total (target <= 300 s). Not in the default set (it takes minutes): name it with --only
        Writes JSON to out/bench/bench.json (or --out).
        """, Run, _only, _out, _seed);

    static HashSet<string> ParsePhases(string text)
    {
        var only = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        if (only.Except(Phases).FirstOrDefault() is { } bad)
            throw new ArgumentException($"--only takes {string.Join(", ", Phases)}; got '{bad}'.", "only");
        return only;
    }

    readonly Dictionary<string, object> _results = new();

    int Run(ParseResult parse, CancellationToken cancel)
    {
        var only = ParsePhases(parse.GetValue(_only)!);
        string outFile = parse.GetValue(_out) ?? Path.Combine(KitPaths.Out, "bench", "bench.json");
        long seed = parse.GetValue(_seed);

        TorchRuntime.Ensure();
        _results["machine"] = TrainingManifest.MachineDescription();
        if (only.Contains("quality")) Quality(seed);
        if (only.Contains("flow")) Flow(seed);
        if (only.Contains("preview")) PreviewBench.Run(Report, seed);
        if (only.Contains("sampling")) SamplingSpeed(seed);
        // Memory before throughput, so its readings start after the small evaluation phases, not the batch-256 rounds.
        if (only.Contains("memory")) Memory(seed, cancel);
        if (only.Contains("throughput")) Throughput(seed, cancel);
        if (only.Contains("notebooks")) NotebookBench.RunAsync(Report, cancel).GetAwaiter().GetResult();

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
        File.WriteAllText(outFile, JsonSerializer.Serialize(_results, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"\nJSON: {outFile}");
        return 0;
    }

    void Report(string key, object value, string text)
    {
        _results[key] = value;
        Console.WriteLine($"{key,-36} {text}");
    }

    void Quality(long seed)
    {
        using var classifier = ShippedModels.LoadClassifier();
        using (var test = Mnist.Load("test"))
        {
            var predicted = classifier.Classify(test.Images);
            double accuracy = predicted.Zip(test.Labels).Count(p => p.First == p.Second) / (double)test.Count;
            Report("classifier_test_accuracy", accuracy, $"{accuracy:P1} of {test.Count} held-out digits (target >= 97%)");
        }
        using (var model = ShippedModels.LoadNoisePredictor(DigitModelKind.Class, 20))
        {
            var asked = DigitSampling.EachDigit(10);
            using var result = DigitSampling.Sample(model, seed, asked, gamma: 5);
            using var images = result.Image.clamp(0, 1);
            var got = classifier.Classify(images);
            double hit = asked.Zip(got).Count(p => p.First == p.Second) / (double)asked.Length;
            Report("class_guided_hit_rate", hit, $"{hit:P0} of {asked.Length} class-conditioned samples (epoch 20, guidance 5) classified as asked (target >= 95%)");
        }
        using (var model = ShippedModels.LoadNoisePredictor(DigitModelKind.Time, 20))
        {
            using var result = DigitSampling.Sample(model, seed, count: 100);
            using var images = result.Image.clamp(0, 1);
            var got = classifier.Classify(images);
            var counts = Enumerable.Range(0, 10).Select(d => got.Count(g => g == d)).ToArray();
            Report("time_unconditional_digits_covered", counts.Count(c => c > 0),
                $"{counts.Count(c => c > 0)} of 10 digits among 100 unconditional samples (counts {string.Join(" ", counts)}; target 10)");
        }
    }

    /// <summary>The last epoch of a shipped model that has its snapshot (a run still in progress ships fewer).</summary>
    static int LastShippedEpoch(DigitModelKind kind)
    {
        var shipped = TrainedDigitModel.Shipped(kind);
        var epochs = shipped.Snapshots.Where(e => File.Exists(Path.Combine(shipped.Folder, Trainer<nn.Module>.SnapshotName(e)))).ToList();
        if (epochs.Count == 0)
            throw new FileNotFoundException($"no snapshot of {DigitRecipe.FolderName(kind)} in {shipped.Folder}: train it with " +
                $"dotnet run --project tools/Diffusion.Kit -- train {ShippedModels.TrainName(kind)} --out {shipped.Folder}");
        return epochs[^1];
    }

    void Flow(long seed)
    {
        using var classifier = ShippedModels.LoadClassifier();
        var asked = DigitSampling.EachDigit(10);
        double HitRate(Tensor samples)
        {
            using var images = samples.clamp(0, 1);
            return asked.Zip(classifier.Classify(images)).Count(p => p.First == p.Second) / (double)asked.Length;
        }
        int classEpoch = LastShippedEpoch(DigitModelKind.FlowClass), timeEpoch = LastShippedEpoch(DigitModelKind.FlowTime);
        using var flowClass = TrainedDigitModel.Shipped(DigitModelKind.FlowClass).LoadVelocityField(classEpoch);
        using (var result = DigitFlowSampling.Sample(flowClass, seed, asked))
        {
            double hit = HitRate(result.Image);
            Report("fm_class_guided_hit_rate", hit,
                $"{hit:P0} of {asked.Length} flow-matching class samples (epoch {classEpoch}, guidance 5, 300 Euler steps) classified as asked (target >= 95%)");
        }
        using (var flowTime = TrainedDigitModel.Shipped(DigitModelKind.FlowTime).LoadVelocityField(timeEpoch))
        using (var result = DigitFlowSampling.Sample(flowTime, seed, count: 100))
        {
            using var images = result.Image.clamp(0, 1);
            var got = classifier.Classify(images);
            var counts = Enumerable.Range(0, 10).Select(d => got.Count(g => g == d)).ToArray();
            Report("fm_time_unconditional_digits_covered", counts.Count(c => c > 0),
                $"{counts.Count(c => c > 0)} of 10 digits among 100 flow-matching samples (epoch {timeEpoch}; counts {string.Join(" ", counts)}; target 10)");
        }

        // Equal sampling cost: the same number of guided network evaluations. DDPM takes strided steps of A.3 over its
        // T = 300 (stride 300 / n, the last one to the clean image); flow matching takes n Euler steps.
        using var ddpm = ShippedModels.LoadNoisePredictor(DigitModelKind.Class, 20);
        var table = new List<Dictionary<string, object>>();
        string fmColumn = $"flow matching (epoch {classEpoch})", ddpmColumn = "DDPM (epoch 20)";
        var shown = new TerminalTable("steps", fmColumn, ddpmColumn).AlignRight(0, 1, 2);
        foreach (var n in new[] { 10, 30, 100, 300 })
        {
            double fm, dd;
            using (var r = DigitFlowSampling.Sample(flowClass, seed, asked, steps: n)) fm = HitRate(r.Image);
            using (var generator = new Generator((ulong)seed))
            using (var r = Sampling.Sampler.Sample(ddpm.Guided(Sampling.Conditioning.Classes(asked), 5), asked.Length, generator,
                Diffusion.Schedules.Timesteps.Spaced(ddpm.Schedule, n), Sampling.SamplerOptions.PartB))
                dd = HitRate(r.Image);
            table.Add(new() { ["steps"] = n, ["flow_matching"] = fm, ["ddpm"] = dd });
            shown.Add($"{n,-8}{fm,-28:P0}{dd,-20:P0}", n.ToString(), fm.ToString("P0"), dd.ToString("P0"));
        }
        shown.Write("class samples classified as asked, by network evaluations", $"{"steps",-8}{fmColumn,-28}{ddpmColumn,-20}");
        _results["fm_vs_ddpm_class_hit_rate_by_steps"] = table;
    }

    void SamplingSpeed(long seed)
    {
        using var model = ShippedModels.LoadNoisePredictor(DigitModelKind.Class, 20);
        using (DigitSampling.Sample(model, seed, [0], gamma: 5)) { } // warm-up: first-call costs are not the steady state
        var clock = Stopwatch.StartNew();
        using (DigitSampling.Sample(model, seed, DigitSampling.EachDigit(4), gamma: 5)) { }
        double seconds = clock.Elapsed.TotalSeconds;
        Report("sample_40_guided_seconds", seconds, $"{seconds:F1} s for 40 class-conditioned digits, guidance 5, 300 steps (target <= 30 s)");

        // How far that is from the machine: guidance encodes the 40 once and decodes them twice per step, the skips once.
        double work = 300 * DigitUNetMultiplyAdds.PerImage(model.Network.Hidden).Step(images: 40, copies: 2);
        double conv = ConvolutionThroughput(model.Network.Hidden);
        Report("sample_40_guided_gmac_per_s", work / seconds / 1e9, $"{work / seconds / 1e9:F1} G multiply-adds/s while sampling ({work / 1e12:F2} T in all)");
        Report("conv3x3_gmac_per_s", conv / 1e9, $"{conv / 1e9:F1} G multiply-adds/s for the model's largest layer alone (3x3 conv, D to D at 28x28, batch 80)");
        Report("sample_40_guided_floor_seconds", work / conv, $"{work / conv:F1} s if every layer ran as fast as that conv (no norms, activations or copies)");
    }

    /// <summary>Multiply-adds per second of one 3x3 convolution D -> D on 80 images of 28x28, in the layout sampling uses.</summary>
    static double ConvolutionThroughput(int hidden)
    {
        using var _ = no_grad();
        using var conv = nn.Conv2d(hidden, hidden, 3, padding: 1);
        MemoryLayout.UseChannelsLast(conv);
        using var input = randn(80, hidden, 28, 28);
        using var x = MemoryLayout.ChannelsLast(input);
        using (var scope = NewDisposeScope()) conv.call(x);     // warm-up
        const int repeats = 20;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < repeats; i++)
        {
            using var scope = NewDisposeScope();
            conv.call(x);
        }
        return repeats * 80.0 * 28 * 28 * 9 * hidden * hidden / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Kit trainer and a bare loop, same model, objective maths and batch, in rounds that alternate which goes first so
    /// drift hits both. Each loop's speed is its median step over all rounds: a step disturbed by another process on
    /// this shared machine moves a median of 12-75 steps less than a round's mean. The kit's end of epoch (checkpoint,
    /// history, memory trim) is timed apart and charged at its real rate, once per epoch over the whole training split;
    /// a bench epoch of a few steps would charge it 3-9 times over.
    /// </summary>
    void Throughput(long seed, CancellationToken cancel)
    {
        // An even number of rounds, so each loop goes first as often as second (with 3 the bare loop went first twice,
        // and the one-step model's ratio read 93.9-100.9% over five runs); each loop starts from a settled heap, not
        // from what the other left.
        const int Rounds = 4;
        using var data = Mnist.Load("train");
        foreach (var (name, kind, hidden, batch, steps, flow) in new[]
        {
            ("time_d64_b128", DigitUNetKind.TimeConditioned, 64, 128, 25, false),
            ("uncond_d128_b256", DigitUNetKind.Unconditional, 128, 256, 4, false),
            ("fm_time_d64_b64", DigitUNetKind.TimeConditioned, 64, 64, 40, true),
        })
        {
            var kitSteps = new List<double>();
            var kitEpochEnds = new List<double>();
            var bareSteps = new List<double>();
            for (int round = 0; round < Rounds; round++)
            {
                void Bare()
                {
                    Settle();
                    bareSteps.AddRange(BareLoop(data, kind, hidden, batch, steps, seed, flow));
                }
                void Kit()
                {
                    Settle();
                    var (stepSeconds, epochEndSeconds) = KitLoop(data, kind, hidden, batch, steps, seed, cancel, flow);
                    kitSteps.AddRange(stepSeconds);
                    kitEpochEnds.Add(epochEndSeconds);
                }
                if (round % 2 == 0) { Bare(); Kit(); } else { Kit(); Bare(); }
            }
            int stepsPerEpoch = (data.Count + batch - 1) / batch;
            double epochEnd = Median(kitEpochEnds);
            double k = batch / (Median(kitSteps) + epochEnd / stepsPerEpoch), b = batch / Median(bareSteps);
            Report($"throughput_{name}_kit_images_per_s", k,
                $"{k:F1} images/s (kit trainer, median of {kitSteps.Count} steps in {Rounds} rounds, its epoch end charged once per {stepsPerEpoch} steps)");
            Report($"throughput_{name}_kit_epoch_end_seconds", epochEnd, $"{epochEnd:F2} s at the end of each epoch (checkpoint, history, memory trim)");
            Report($"throughput_{name}_bare_images_per_s", b, $"{b:F1} images/s (bare TorchSharp loop, median of {bareSteps.Count} steps)");
            Report($"throughput_{name}_kit_over_bare", k / b, $"{k / b:P1} (target >= 95%)");
        }
    }

    static double Median(List<double> xs) { var s = xs.Order().ToList(); return s[s.Count / 2]; }

    /// <summary>The seconds of each of <paramref name="steps"/> steps after a warm-up step, and from the last step to the end of the epoch.</summary>
    static (List<double> StepSeconds, double EpochEndSeconds) KitLoop(LabelledImages data, DigitUNetKind kind, int hidden, int batch, int steps, long seed,
        CancellationToken cancel, bool flow)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"diffusion-bench-{Environment.ProcessId}");
        if (Directory.Exists(folder)) Directory.Delete(folder, true);
        manual_seed(seed);
        using var model = new DigitUNet(kind, hidden);
        var settings = new TrainingSettings(1, batch, 1e-3, null, seed, [], MaxStepsPerEpoch: steps + 1);
        ITrainingObjective<DigitUNet> objective = kind == DigitUNetKind.Unconditional
            ? new OneStepDenoisingObjective(0.5)
            : flow ? new FlowMatching.FlowMatchingObjective(0) : new DdpmObjective(DigitRecipe.Schedule, 0);
        var trainer = new Trainer<DigitUNet>(folder, $"bench-{kind}", settings);
        // The first step is warm-up for both loops; each later step runs from one progress report to the next.
        var clock = new Stopwatch();
        var stepSeconds = new List<double>();
        var progress = new Progress(p =>
        {
            if (p.Step > 1) stepSeconds.Add(clock.Elapsed.TotalSeconds);
            clock.Restart();
        });
        using var labels = tensor(data.Labels);
        trainer.Train(model, objective, data.Images, labels, progress, cancel);
        double epochEndSeconds = clock.Elapsed.TotalSeconds;
        Directory.Delete(folder, true);
        return (stepSeconds, epochEndSeconds);
    }

    sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>The same work written as the shortest TorchSharp loop: no objective object, no trainer, no checkpoint.</summary>
    static List<double> BareLoop(LabelledImages data, DigitUNetKind kind, int hidden, int batch, int steps, long seed, bool flow)
    {
        manual_seed(seed);
        using var model = new DigitUNet(kind, hidden);
        model.train();
        var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
        using var generator = new Generator((ulong)seed);
        using var abar = tensor(Enumerable.Range(0, 300).Select(i => (float)DigitRecipe.Schedule.AlphaBar(i)).ToArray());
        var stepSeconds = new List<double>();
        for (int step = 0; step <= steps; step++)
        {
            var clock = Stopwatch.StartNew();
            using (NewDisposeScope())
            {
                var index = randint(0, data.Count, [batch], dtype: ScalarType.Int64, generator: generator);
                var x = data.Images.index_select(0, index);
                optimizer.zero_grad();
                Tensor loss;
                if (kind == DigitUNetKind.Unconditional)
                    loss = mse_loss(model.forward(x + 0.5 * randn(x.shape, generator: generator)), x);
                else if (flow)
                {
                    var noise = randn(x.shape, generator: generator);
                    var t = rand([batch], generator: generator);
                    var tt = t.view(batch, 1, 1, 1);
                    loss = mse_loss(model.forward((1 - tt) * noise + tt * x, t), x - noise);
                }
                else
                {
                    var t = randint(1, 301, [batch], dtype: ScalarType.Int64, generator: generator);
                    var a = abar.index_select(0, t - 1).view(batch, 1, 1, 1);
                    var eps = randn(x.shape, generator: generator);
                    loss = mse_loss(model.forward(a.sqrt() * x + (1 - a).sqrt() * eps, t.to(ScalarType.Float32) / 300), eps);
                }
                loss.backward();
                optimizer.step();
                loss.item<float>();
            }
            if (step > 0) stepSeconds.Add(clock.Elapsed.TotalSeconds);   // step 0 is warm-up, as in the kit's loop; both count the scope's disposal
        }
        return stepSeconds;
    }

    /// <summary>A full .NET collection, then freed native memory given back (<see cref="NativeHeap"/>).</summary>
    static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        NativeHeap.ReturnFreeMemory();
    }

    void Memory(long seed, CancellationToken cancel)
    {
        using var data = Mnist.Load("train");
        TrainingMemory("", new DdpmObjective(DigitRecipe.Schedule), data, seed, cancel);
        TrainingMemory("fm_", new FlowMatching.FlowMatchingObjective(), data, seed, cancel);
        SamplingMemory(seed);
    }

    void TrainingMemory(string prefix, ITrainingObjective<DigitUNet> objective, LabelledImages data, long seed, CancellationToken cancel)
    {
        // Start from what this phase needs, not what the phases before it kept: their last tensors are freed only when
        // .NET finalises them.
        Settle();
        // Many small steps: a leak is per step, so small batches show it as clearly and finish sooner.
        var folder = Path.Combine(Path.GetTempPath(), $"diffusion-bench-mem-{Environment.ProcessId}");
        if (Directory.Exists(folder)) Directory.Delete(folder, true);
        manual_seed(seed);
        using var model = new DigitUNet(DigitUNetKind.ClassConditioned, 64);
        // 9,000 digits in batches of 16 are 563 steps an epoch: 4 epochs pass step 2,000 (counted across epochs).
        var settings = new TrainingSettings(4, 16, 1e-3, null, seed, []);
        var trainer = new Trainer<DigitUNet>(folder, "bench-memory", settings);
        // The trainer gives memory back every 100 steps (LoopMemory), so a reading at step 200 or 2,000 is
        // the low point of that cycle; the highest reading over the 100 steps before each is reported beside it.
        double at200 = 0, at2000 = 0, peak200 = 0, peak2000 = 0, peak = 0;
        int steps = 0;
        var progress = new Progress(p =>
        {
            steps++;
            double now = ProcessMemory.ResidentMiB();
            peak = Math.Max(peak, now);
            if (steps == 200) (at200, peak200) = (now, peak);
            if (steps == 2000) (at2000, peak2000) = (now, peak);
            if (steps % LoopMemory.StepsBetweenReturns == 0) peak = 0;
        });
        using var labels = tensor(data.Labels);
        trainer.Train(model, objective, data.Images, labels, progress, cancel);
        Directory.Delete(folder, true);
        string what = prefix == "" ? "class model, DDPM, batch 16" : "class model, flow matching, batch 16";
        Report($"{prefix}memory_train_rss_mib_200", at200, $"{at200:F0} MiB after 200 training steps ({what})");
        Report($"{prefix}memory_train_rss_mib_2000", at2000, $"{at2000:F0} MiB after 2,000 steps: {at2000 / at200 - 1:+0.0%;-0.0%} (target: at most +10%)");
        Report($"{prefix}memory_train_peak_mib_200", peak200, $"{peak200:F0} MiB, the highest reading after steps 101-200 (freed memory the heap keeps between the trainer's returns)");
        Report($"{prefix}memory_train_peak_mib_2000", peak2000, $"{peak2000:F0} MiB, the highest after steps 1,901-2,000: {peak2000 / peak200 - 1:+0.0%;-0.0%}");
    }

    void SamplingMemory(long seed)
    {
        using var predictor = ShippedModels.LoadNoisePredictor(DigitModelKind.Class, 20);
        double afterFirst = 0;
        for (int run = 1; run <= 8; run++)
        {
            using (DigitSampling.Sample(predictor, seed + run, [1, 2, 3, 4], gamma: 5)) { }
            if (run == 1) afterFirst = ProcessMemory.ResidentMiB();
        }
        double afterLast = ProcessMemory.ResidentMiB();
        Report("memory_sampling_rss_mib_1_run", afterFirst, $"{afterFirst:F0} MiB after 1 sampling run (300 guided steps)");
        Report("memory_sampling_rss_mib_8_runs", afterLast, $"{afterLast:F0} MiB after 8 runs (2,400 steps): {afterLast / afterFirst - 1:+0.0%;-0.0%} (target: at most +10%)");
    }
}

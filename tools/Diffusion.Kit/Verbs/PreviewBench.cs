using System.Diagnostics;
using Diffusion.FlowMatching;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Schedules;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Kit.Verbs;

/// <summary>
/// `bench --only preview`: the part B notebooks' preview cells (B2-B5, "Try it"), timed with the shipped models at the
/// notebooks' preview setting (30 steps) and at the course's 300, so the notebooks' "seconds" claims are measured.
/// The quality a preview costs is the steps table of the flow phase (classifier accuracy at 10, 30, 100, 300 steps).
/// </summary>
public static class PreviewBench
{
    public const int PreviewSteps = 30;
    public const double TargetSeconds = 10;

    public static void Run(Action<string, object, string> report, long seed)
    {
        using var ddpmTime = ShippedModels.LoadNoisePredictor(DigitModelKind.Time, 20);
        using var ddpmClass = ShippedModels.LoadNoisePredictor(DigitModelKind.Class, 20);
        using var flowTime = ShippedModels.LoadVelocityField(DigitModelKind.FlowTime, TrainedDigitModel.Shipped(DigitModelKind.FlowTime).Snapshots[^1]);
        using var flowClass = ShippedModels.LoadVelocityField(DigitModelKind.FlowClass, TrainedDigitModel.Shipped(DigitModelKind.FlowClass).Snapshots[^1]);
        var asked = Conditioning.Classes(DigitSampling.EachDigit(2));

        var cells = new (string Key, string What, Func<int, Generator, SamplingResult> Sample)[]
        {
            ("b2", "B2: 20 samples", (n, g) => Sampler.Sample(ddpmTime.Unconditional(), 20, g, Timesteps.Spaced(ddpmTime.Schedule, n), SamplerOptions.PartB)),
            ("b3", "B3: 20 guided samples", (n, g) => Sampler.Sample(ddpmClass.Guided(asked, 5), 20, g, Timesteps.Spaced(ddpmClass.Schedule, n), SamplerOptions.PartB)),
            ("b4", "B4: 20 flow samples", (n, g) => EulerSampler.Sample(flowTime.Unconditional(), 20, g, n)),
            ("b5", "B5: 20 guided flow samples", (n, g) => EulerSampler.Sample(flowClass.Guided(asked, 5), 20, g, n)),
        };
        foreach (var (key, what, sample) in cells)
        {
            using (var g = new Generator((ulong)seed)) using (sample(2, g)) { }   // warm-up: first calls are not the steady state
            foreach (var steps in new[] { PreviewSteps, DigitRecipe.FlowSamplingSteps })
            {
                using var generator = new Generator((ulong)seed);
                var clock = Stopwatch.StartNew();
                using (sample(steps, generator)) { }
                double seconds = clock.Elapsed.TotalSeconds;
                string target = steps == PreviewSteps ? $" (preview; target <= {TargetSeconds:0} s)" : " (the course's steps)";
                report($"preview_{key}_{steps}_steps_seconds", seconds, $"{seconds:F1} s: {what}, {steps} steps{target}");
            }
        }
    }
}

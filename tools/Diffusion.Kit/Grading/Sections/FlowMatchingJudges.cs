using Diffusion.FlowMatching;
using Diffusion.Grading;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Kit.Grading.Sections;

/// <summary>The flow-matching track's hidden tests (B4, B5), judged by the grader; inputs from <see cref="FlowMatchingProbes"/>.</summary>
public static class FlowMatchingJudges
{
    const string B4 = "B4-flow-matching-time", B5 = "B5-flow-matching-class";

    public static IReadOnlyList<SectionJudge> All { get; } =
    [
        new(B4, "2.2 Flow-matching loss", ["FlowMatchingObjective"], Loss),
        new(B4, "2.3 Euler sampling", ["EulerSampler.Sample", "EulerSampler.Integrate", "DigitFlowSampling.Sample"], Sample),
        new(B4, "Figures", [], e => PartBJudges.FiguresPerEpoch(e, DigitModelKind.FlowTime, 4, "B4's figures (1.2.3, samples after epochs {0}, the preview, the step sweep, the GIF)")),
        new(B5, "2.6 Flow guidance", ["VelocityEstimators.Guided", "*.Guided", "GuidedVelocity", "DigitFlowSampling.Sample"], Guided),
        new(B5, "Figures", [], e => PartBJudges.FiguresPerEpoch(e, DigitModelKind.FlowClass, 3, "B5's figures (guided samples after epochs {0}, the preview, the guidance sweep, the GIF)")),
    ];

    /// <summary>2.2: the loss keeps its graph, and on the shipped model it is the course's loss up to sampling noise.</summary>
    static void Loss(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        var c = FlowMatchingProbes.Loss(e.Seed);
        using var network = c.Network;
        Check.That(e.Number(0, "FlowMatchingLoss(model, 8 digits, generator).requires_grad") == 1,
            "FlowMatchingLoss must keep the autograd graph (training backpropagates through it).");
        var what = $"FlowMatchingLoss(the shipped model after epoch {FlowMatchingProbes.LossEpoch}, 512 training digits)";
        double mine = e.Number(1, what);
        double reference;
        using (no_grad())
            reference = new FlowMatchingObjective(0).Loss(network, c.Digits, zeros(c.Digits.shape[0], dtype: ScalarType.Int64), c.Generator()).item<float>();
        Check.Near(mine, reference, 0.25, what);
    }

    /// <summary>
    /// 2.3: with Gaussian data's exact velocity, Euler maps every pixel of the noise linearly
    /// (<see cref="GaussianDataVelocity.EulerMap"/>): one step lands every pixel on the mean, and n steps give mean Offset
    /// and spread |Slope|, allowed five standard errors of the sample's statistics.
    /// </summary>
    static void Sample(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        foreach (var (c, k) in FlowMatchingProbes.Sample(e.Seed).Select((c, k) => (c, k)))
        {
            var field = c.Field;
            var data = FormattableString.Invariant($"Gaussian data N({field.Mean:0.###}, {field.Std:0.###}^2)");
            var what = $"SampleFlow(exact velocity of {data}, {c.Count}, generator, {c.Steps}).Image";
            var mine = e.Tensor(k, what);
            Check.Shape(mine, [c.Count, field.Channels, field.Height, field.Width], what);
            var (slope, offset) = field.EulerMap(c.Steps);
            if (c.Steps == 1)
            {
                Check.Close(mine, full(mine.shape, field.Mean, dtype: ScalarType.Float64), $"{what} (one step lands every pixel on the mean)", 1e-5);
                continue;
            }
            double spread = Math.Abs(slope);
            Check.Statistics(mine, offset, spread, what, Check.SampleTolerance(spread, mine.numel(), floor: 1e-4));
        }
    }

    /// <summary>2.6: the course's combination u_u + gamma (u_c - u_u) of the exact class and null velocities.</summary>
    static void Guided(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        foreach (var (c, k) in FlowMatchingProbes.Guided(e.Seed).Select((c, k) => (c, k)))
        {
            var what = FormattableString.Invariant($"FlowGuidance(model, x_t, t {c.T}, digits, gamma {c.Gamma})");
            using var expected = c.Field.Guided(c.Classes, c.Gamma).Estimate(c.Xt, c.T);
            Check.Close(e.Tensor(k, what), expected, what, 1e-4);
        }
    }
}

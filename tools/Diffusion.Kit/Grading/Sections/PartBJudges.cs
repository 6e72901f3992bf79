using Diffusion.Grading;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Schedules;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Kit.Grading.Sections;

/// <summary>Part B's hidden tests, judged by the grader: one method per section, inputs from <see cref="PartBProbes"/>.</summary>
public static class PartBJudges
{
    const string B1 = "B1-single-step-denoiser", B2 = "B2-time-conditioned-ddpm", B3 = "B3-class-conditioned-ddpm";

    public static IReadOnlyList<SectionJudge> All { get; } =
    [
        new(B1, "1.1 UNet blocks", ["Blocks.Conv", "Blocks.DownConv", "Blocks.ConvBlock", "Blocks.DownBlock"], UNetBlocks),
        new(B1, "1.2 Noising", [], Noising),
        new(B1, "Figures", [], e => PartAJudges.Figures(e, 3, "B1's figures (noising, results after epochs 1 and 5, out-of-distribution sigmas)")),
        new(B2, "2.2 Training loss (B.1)", ["DdpmObjective"], Loss),
        new(B2, "2.3 Sampling (B.2)", ["Sampler.Sample", "Sampler.IterativeDenoise", "DigitSampling.Sample"], Sample),
        new(B2, "Figures", [], e => FiguresPerEpoch(e, DigitModelKind.Time, 2, "B2's figures (samples after epochs {0}, the preview, the GIF)")),
        new(B3, "2.5 Classifier-free guidance (B.4)", ["NoiseEstimators.Guided", "*.Guided", "DigitSampling.Sample"], Guided),
        new(B3, "Figures", [], e => FiguresPerEpoch(e, DigitModelKind.Class, 3, "B3's figures (samples after epochs {0} with guidance, the preview, the guidance sweep, the GIF)")),
    ];

    /// <summary>
    /// A figure per epoch the notebook shows in the grading mode (<see cref="TrainedDigitModel.EpochsShown"/>), plus
    /// <paramref name="others"/>; <paramref name="what"/> names them, {0} standing for the epochs.
    /// </summary>
    public static void FiguresPerEpoch(ProbeEvidence e, DigitModelKind kind, int others, string what)
    {
        var epochs = TrainedDigitModel.EpochsShown(kind, e.Mode);
        PartAJudges.Figures(e, epochs.Count + others, string.Format(System.Globalization.CultureInfo.InvariantCulture, what, string.Join(", ", epochs)));
    }

    /// <summary>ConvBlock and DownBlock: the course's parameter shapes in order, and its output with the same seeded weights.</summary>
    static void UNetBlocks(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        var c = PartBProbes.Blocks(e.Seed);
        var references = new (string Name, nn.Module<Tensor, Tensor> Block)[]
        {
            ("ConvBlock", Blocks.ConvBlock(c.InChannels, c.OutChannels)),
            ("DownBlock", Blocks.DownBlock(c.InChannels, c.OutChannels)),
        };
        for (int k = 0; k < references.Length; k++)
        {
            var (name, block) = references[k];
            var what = $"{name}({c.InChannels}, {c.OutChannels})";
            string mine = e.Text(2 * k, what), expected = Probes.ParameterShapes(block);
            Check.That(mine == expected, $"{what} has parameters {mine}, expected {expected} (layers, sizes, biases and order as the course's table).");
            Check.Close(e.Tensor(2 * k + 1, what), Probes.RunWithSeededWeights(block, c.Input, e.Seed),
                $"{what} (with the same seeded weights as the course's block) on a random input", 1e-4);
            block.Dispose();
        }
    }

    static void Noising(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        foreach (var (c, k) in PartBProbes.Noising(e.Seed).Select((c, k) => (c, k)))
        {
            var what = FormattableString.Invariant($"AddNoise(x = {c.Value:0.###} everywhere, sigma = {c.Sigma}, generator)");
            var z = e.Tensor(k, what);
            Check.Shape(z, c.X.shape, what);
            Check.Statistics(z, c.Value, c.Sigma, what, Check.SampleTolerance(c.Sigma, z.numel()) + 0.005);
        }
    }

    static void Loss(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        var c = PartBProbes.Loss(e.Seed);
        using var network = c.Network;
        Check.That(e.Number(0, "DdpmLoss(model, 8 digits, generator).requires_grad") == 1,
            "DdpmLoss must keep the autograd graph (training backpropagates through it).");
        double mine = e.Number(1, "DdpmLoss(the shipped model, 512 training digits)");
        double reference;
        using (no_grad())
            reference = new DdpmObjective(DigitRecipe.Schedule, 0).Loss(network, c.Digits, zeros(c.Digits.shape[0], dtype: ScalarType.Int64), c.Generator()).item<float>();
        Check.Near(mine, reference, 0.25, "DdpmLoss(the shipped model, 512 training digits)");
    }

    static void Sample(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        var c = PartBProbes.Sample(e.Seed);
        var what = $"SampleDdpm(model, {c.Count}, generator).Image";
        var mine = e.Tensor(0, what);
        Check.Shape(mine, [c.Count, 1, 28, 28], what);
        using var reference = Sampler.Sample(c.Model.Unconditional(), c.Count, c.Generator(), Timesteps.Full(c.Model.Schedule), SamplerOptions.PartB);
        double spread = reference.Image.std().item<float>();
        Check.Statistics(mine, reference.Image.mean().item<float>(), spread,
            FormattableString.Invariant($"SampleDdpm with the exact noise predictor of Gaussian data N({c.Model.Mean:0.###}, {c.Model.Std:0.###}^2)"),
            Check.SampleTolerance(Math.Sqrt(2) * spread, mine.numel(), floor: 0.02));
    }

    static void Guided(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        foreach (var (c, k) in PartBProbes.Guided(e.Seed).Select((c, k) => (c, k)))
        {
            var what = FormattableString.Invariant($"GuidedNoise(model, x_t, {c.T}, digits, gamma {c.Gamma}).Noise");
            using var expected = c.Model.Guided(c.Classes, c.Gamma).Estimate(c.Xt, c.T);
            Check.Close(e.Tensor(k, what), expected.Noise, what, 1e-4);
        }
    }
}

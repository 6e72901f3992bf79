using Diffusion.Grading;
using Diffusion.Sampling;
using static TorchSharp.torch;

namespace Diffusion.Kit.Grading.Sections;

/// <summary>Part A's hidden tests, judged by the grader: one method per section, inputs from <see cref="PartAProbes"/>.</summary>
public static class PartAJudges
{
    const string A1 = "A1-sampling-loops", A2 = "A2-guidance-and-editing", A3 = "A3-illusions";

    public static IReadOnlyList<SectionJudge> All { get; } =
    [
        new(A1, "1.1 Forward process", ["Ddpm.Forward"], Forward),
        new(A1, "1.3 One-step denoising", ["Sampler.OneStepDenoise", "Ddpm.EstimateX0"], OneStep),
        new(A1, "1.4 Iterative denoising: the step's variance", ["Ddpm.Step"], Variance),
        new(A1, "1.4 Iterative denoising", ["Sampler.IterativeDenoise", "Sampler.Sample", "Ddpm.Step"], Denoise),
        new(A1, "Figures", [], e => Figures(e, 7, "A1's figures (sampling, forward process, blur, one-step, iterative, samples)")),
        new(A2, "1.6 Classifier-free guidance", ["NoiseEstimators.Guided", "*.Guided"], Guided),
        new(A2, "1.7.2 Inpainting", ["Editing.Inpaint"], Inpaint),
        new(A2, "Figures", [], e => Figures(e, 7, "A2's figures (guidance, SDEdit, image-to-image, inpainting, text-conditional translation)")),
        new(A3, "1.8 Visual anagrams", ["NoiseEstimators.Anagram"], Anagram),
        new(A3, "1.9 Hybrid images", ["NoiseEstimators.Hybrid"], Hybrid),
        new(A3, "Figures", [], e => Figures(e, 6, "A3's figures (anagrams, hybrids)")),
    ];

    public static void Figures(ProbeEvidence e, int atLeast, string what) =>
        Check.That(e.Figures >= atLeast, $"{what}: {e.Figures} figures were shown, expected at least {atLeast}.");

    /// <summary>1.1: (x_t - sqrt(abar) x0) / sqrt(1 - abar) must be standard normal (A.2).</summary>
    static void Forward(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        var cases = PartAProbes.Forward(e.Seed, e.PartA);
        for (int k = 0; k < cases.Count; k++)
        {
            var (x0, t) = (cases[k].X0, cases[k].T);
            var what = $"Forward(x0, {t}, generator)";
            var xt = e.Tensor(k, what);
            Check.Shape(xt, x0.shape, what);
            double abar = e.PartA.Schedule.AlphaBar(t);
            var residual = (xt - Math.Sqrt(abar) * x0.to(ScalarType.Float64)) / Math.Sqrt(1 - abar);
            // A 1 x 28 x 28 probe has only 784 pixels (a fixed 0.08 failed right answers in ~7% of runs); a wrong
            // scaling moves the standard deviation far more than five standard errors.
            double tolerance = Check.SampleTolerance(1, residual.numel(), floor: 0.03);
            Check.Statistics(residual, 0, 1, $"(Forward(x0, {t}, generator) - sqrt(abar) x0) / sqrt(1 - abar), standard normal by A.2,", tolerance);
        }
    }

    static void OneStep(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        foreach (var (c, k) in PartAProbes.OneStep(e.Seed, e.PartA).Select((c, k) => (c, k)))
        {
            var what = $"OneStepDenoise(estimator, x_t, {c.T})";
            Check.Close(e.Tensor(k, what), Sampler.OneStepDenoise(c.Estimator, c.Xt.unsqueeze(0), c.T)[0], what, 1e-4);
        }
    }

    /// <summary>The added noise has std sqrt(beta_tilde), or exp(v log beta / 2 + (1 - v) log beta_tilde / 2) with v mapped to [0, 1].</summary>
    static void Variance(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        foreach (var (c, k) in PartAProbes.Variance(e.Seed).Select((c, k) => (c, k)))
        {
            double std = c.VarianceOutput is { } v
                ? Math.Exp(0.5 * ((v + 1) / 2 * Math.Log(c.Beta) + (1 - v) / 2 * Math.Log(c.BetaTilde)))
                : Math.Sqrt(c.BetaTilde);
            var what = FormattableString.Invariant($"AddVariance({(c.VarianceOutput is { } w ? $"variance output v = {w:0.###}" : "no variance output")}, beta {c.Beta:0.####}, beta_tilde {c.BetaTilde:0.####})");
            var added = e.Tensor(k, what);
            Check.Shape(added, c.Prediction.Noise.shape, what);
            Check.Statistics(added, 0, std, what, Check.SampleTolerance(std, added.numel(), floor: 0.05 * std));
        }
    }

    static void Denoise(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        var c = PartAProbes.Denoise(e.Seed, e.PartA);
        const string what = "IterativeDenoise(estimator, x, 0, timesteps, generator)";
        var mine = e.Tensor(0, what);
        Check.Shape(mine, c.X.shape, what);
        using var reference = Sampler.IterativeDenoise(c.Estimator, c.X, 0, c.Generator(), c.Timesteps);
        // Both runs are random: their difference has sqrt(2) times one run's standard error.
        double spread = reference.Image.std().item<float>();
        Check.Statistics(mine, reference.Image.mean().item<float>(), spread,
            FormattableString.Invariant($"IterativeDenoise from pure noise with the exact noise predictor of Gaussian data N({c.Mean:0.###}, {c.Std:0.###}^2)"),
            Check.SampleTolerance(Math.Sqrt(2) * spread, mine.numel(), floor: 0.02));
    }

    static void Guided(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        var g = PartAProbes.Guided(e.Seed, e.PartA);
        foreach (var (c, k) in g.Cases.Select((c, k) => (c, k)))
        {
            var what = FormattableString.Invariant($"GuidedNoise(x_t, {c.T}, prompt, gamma {c.Gamma}).Noise");
            using var expected = g.Model.Predictor.Guided(c.Prompt, c.Gamma, Conditioning.Null).Estimate(c.Xt, c.T);
            Check.Close(e.Tensor(k, what), expected.Noise, what, 1e-3);
        }
    }

    static void Inpaint(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        var c = PartAProbes.Inpaint(e.Seed, e.PartA);
        const string what = "Inpaint(estimator, original, mask, generator)";
        var mine = e.Tensor(0, what);
        Check.Shape(mine, c.Original.shape, what);
        var outside = c.Mask.eq(0);
        Check.Close(mine.masked_select(outside), c.Original.masked_select(outside), "Inpaint(...) outside the mask (must be the original, exactly)", 1e-5);
        using var reference = Editing.Inpaint(c.Estimator, c.Original, c.Mask, c.Generator(), 0, c.Timesteps);
        var inside = reference.Image.reshape(c.Original.shape).masked_select(c.Mask.gt(0));
        double spread = inside.std().item<float>();
        Check.Statistics(mine.masked_select(c.Mask.gt(0)), inside.mean().item<float>(), spread,
            "Inpaint(...) inside the mask, with the exact noise predictor of Gaussian data N(0.3, 0.2^2)",
            Check.SampleTolerance(Math.Sqrt(2) * spread, inside.numel(), floor: 0.04));
    }

    static void Anagram(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        foreach (var (c, k) in PartAProbes.Combine(e.Seed, e.PartA).Select((c, k) => (c, k)))
        {
            var what = $"Anagram(e1, e2, x_t, {c.T}).Noise";
            using var expected = NoiseEstimators.Anagram(c.First, c.Second).Estimate(c.Xt, c.T);
            Check.Close(e.Tensor(k, what), expected.Noise, what, 1e-4);
        }
    }

    static void Hybrid(ProbeEvidence e)
    {
        using var scope = NewDisposeScope();
        var prompts = e.PartA.Prompts;
        foreach (var (c, k) in PartAProbes.Combine(e.Seed, e.PartA).Select((c, k) => (c, k)))
        {
            var what = $"Hybrid(e1, e2, x_t, {c.T}).Noise";
            using var expected = NoiseEstimators.Hybrid(c.First, c.Second, prompts.HybridKernel, prompts.HybridSigma).Estimate(c.Xt, c.T);
            Check.Close(e.Tensor(k, what), expected.Noise, what, 1e-4);
        }
    }
}

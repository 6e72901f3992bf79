using Diffusion.Models;
using Diffusion.Sampling;
using static TorchSharp.torch;

namespace Diffusion.Grading;

/// <summary>
/// The inputs part A's hidden tests feed the student's functions, drawn from a probe's seed. The probe cell in the
/// submission's kernel and the grader build them with the same call, so the grader knows every input without trusting
/// the submission for any. Schedules, timesteps and sizes come from <see cref="PartAModel.DefaultSettings"/>.
/// </summary>
public static class PartAProbes
{
    /// <summary>An input with noise to draw: <see cref="Generator"/> starts a fresh generator from its seed each time.</summary>
    public abstract record WithNoise(long NoiseSeed)
    {
        public Generator Generator() => new((ulong)NoiseSeed);
    }

    public sealed record ForwardCase(Tensor X0, int T, long NoiseSeed) : WithNoise(NoiseSeed);
    public sealed record OneStepCase(INoiseEstimator Estimator, Tensor Xt, int T);
    public sealed record VarianceCase(NoisePrediction Prediction, double Beta, double BetaTilde, double? VarianceOutput, long NoiseSeed) : WithNoise(NoiseSeed);
    public sealed record DenoiseCase(INoiseEstimator Estimator, Tensor X, int[] Timesteps, double Mean, double Std, long NoiseSeed) : WithNoise(NoiseSeed);
    public sealed record GuidanceCase(Tensor Xt, int T, Conditioning Prompt, double Gamma);
    public sealed record Guidance(PartAModel Model, IReadOnlyList<GuidanceCase> Cases);
    public sealed record InpaintCase(INoiseEstimator Estimator, Tensor Original, Tensor Mask, int[] Timesteps, long NoiseSeed) : WithNoise(NoiseSeed);
    public sealed record CombineCase(INoiseEstimator First, INoiseEstimator Second, Tensor Xt, int T);

    /// <summary>1.1: three x0 drawn at random, each with a t from the early, middle and late thirds of the schedule.</summary>
    public static IReadOnlyList<ForwardCase> Forward(Probe probe) => Forward(probe.Seed, PartAModel.DefaultSettings(probe.Mode));

    public static IReadOnlyList<ForwardCase> Forward(long seed, PartASettings settings)
    {
        var random = new Random((int)(seed & int.MaxValue));
        int steps = settings.Schedule.Steps;
        return Enumerable.Range(0, 3).Select(k =>
        {
            int t = steps / 10 + k * steps * 4 / 15 + random.Next(steps / 5);
            var x0 = Probes.Images(Shape(settings), 1, ProbeSeeds.Derive(seed, 10 + k))[0].clamp(-1, 1);
            return new ForwardCase(x0, t, ProbeSeeds.Derive(seed, 20 + k));
        }).ToList();
    }

    /// <summary>1.3: an estimator with no symmetry and one x_t, at two t.</summary>
    public static IReadOnlyList<OneStepCase> OneStep(Probe probe) => OneStep(probe.Seed, PartAModel.DefaultSettings(probe.Mode));

    public static IReadOnlyList<OneStepCase> OneStep(long seed, PartASettings settings)
    {
        var random = new Random((int)(seed & int.MaxValue));
        var shape = new GaussianDataPredictor(settings.Schedule, 0.3, 0.2, 3, 8, 8);
        var estimator = Probes.Patterned(shape, ProbeSeeds.Derive(seed, 1));
        var xt = Probes.Images(shape, 1, ProbeSeeds.Derive(seed, 2))[0];
        int steps = settings.Schedule.Steps;
        return [new OneStepCase(estimator, xt, steps / 8 + random.Next(steps / 4)), new OneStepCase(estimator, xt, steps / 2 + random.Next(steps * 3 / 8))];
    }

    /// <summary>1.4, the step's variance: zero noise with no variance output and with outputs -1, a value between, and 1.</summary>
    public static IReadOnlyList<VarianceCase> Variance(Probe probe) => Variance(probe.Seed);

    public static IReadOnlyList<VarianceCase> Variance(long seed)
    {
        var random = new Random((int)(seed & int.MaxValue));
        double beta = 0.01 + 0.02 * random.NextDouble(), betaTilde = 0.002 + 0.006 * random.NextDouble();
        var zeros = TorchSharp.torch.zeros(4, 3, 32, 32);
        return new double?[] { null, -1.0, 2 * random.NextDouble() - 1, 1.0 }.Select((v, k) => new VarianceCase(
            new NoisePrediction(zeros, v is { } value ? full_like(zeros, value) : null), beta, betaTilde, v, ProbeSeeds.Derive(seed, 30 + k))).ToList();
    }

    /// <summary>1.4: denoising pure noise with the exact noise predictor of Gaussian data, over the grader's strided timesteps.</summary>
    public static DenoiseCase Denoise(Probe probe) => Denoise(probe.Seed, PartAModel.DefaultSettings(probe.Mode));

    public static DenoiseCase Denoise(long seed, PartASettings settings)
    {
        var random = new Random((int)(seed & int.MaxValue));
        double mean = 0.1 + 0.4 * random.NextDouble(), std = 0.1 + 0.2 * random.NextDouble();
        var predictor = new GaussianDataPredictor(settings.Schedule, mean, std, 1, 16, 16);
        var x = Probes.Images(predictor, 64, ProbeSeeds.Derive(seed, 1));
        return new DenoiseCase(predictor.Unconditional(), x, settings.Timesteps, mean, std, ProbeSeeds.Derive(seed, 2));
    }

    /// <summary>1.6: a stand-in for the notebook's <c>model</c> that answers every prompt differently, two (x_t, t, prompt, gamma).</summary>
    public static Guidance Guided(Probe probe) => Guided(probe.Seed, PartAModel.DefaultSettings(probe.Mode));

    public static Guidance Guided(long seed, PartASettings settings)
    {
        var random = new Random((int)(seed & int.MaxValue));
        var predictor = Probes.PromptSensitive(settings.Schedule, settings.Channels, settings.Size, ProbeSeeds.Derive(seed, 1));
        var xt = Probes.Images(predictor, 2, ProbeSeeds.Derive(seed, 2));
        var timesteps = settings.Timesteps;
        var cases = Enumerable.Range(0, 2).Select(k => new GuidanceCase(xt, timesteps[1 + random.Next(timesteps.Length - 2)],
            Conditioning.Prompt($"probe prompt {random.Next(1000)}"), Math.Round(2 + 6 * random.NextDouble(), 2))).ToList();
        return new Guidance(Probes.PartAModelAround(predictor, settings), cases);
    }

    /// <summary>1.7.2: a flat picture with a random half to regenerate, under the exact noise predictor of Gaussian data.</summary>
    public static InpaintCase Inpaint(Probe probe) => Inpaint(probe.Seed, PartAModel.DefaultSettings(probe.Mode));

    public static InpaintCase Inpaint(long seed, PartASettings settings)
    {
        var random = new Random((int)(seed & int.MaxValue));
        var predictor = new GaussianDataPredictor(settings.Schedule, 0.3, 0.2, 1, 32, 32);
        var original = full(new long[] { 1, 32, 32 }, 0.6 + 0.3 * random.NextDouble());
        var mask = TorchSharp.torch.zeros(1, 32, 32);
        mask.narrow(random.Next(2) + 1, random.Next(2) * 16, 16).fill_(1);   // one half, along rows or columns
        return new InpaintCase(predictor.Unconditional(), original, mask, settings.Timesteps, ProbeSeeds.Derive(seed, 1));
    }

    /// <summary>1.8 and 1.9: two estimators with no symmetry and x_t of the backend's shape, at two of its timesteps.</summary>
    public static IReadOnlyList<CombineCase> Combine(Probe probe) => Combine(probe.Seed, PartAModel.DefaultSettings(probe.Mode));

    public static IReadOnlyList<CombineCase> Combine(long seed, PartASettings settings)
    {
        var random = new Random((int)(seed & int.MaxValue));
        var shape = new GaussianDataPredictor(settings.Schedule, 0, 1, settings.Channels, settings.Size, settings.Size);
        var first = Probes.Patterned(shape, ProbeSeeds.Derive(seed, 1));
        var second = Probes.Patterned(shape, ProbeSeeds.Derive(seed, 2));
        var xt = Probes.Images(shape, 2, ProbeSeeds.Derive(seed, 3));
        var timesteps = settings.Timesteps;
        return [new CombineCase(first, second, xt, timesteps[1 + random.Next(timesteps.Length / 2)]),
                new CombineCase(first, second, xt, timesteps[timesteps.Length / 2 + random.Next(timesteps.Length / 2 - 1)])];
    }

    static GaussianDataPredictor Shape(PartASettings settings) =>
        new(settings.Schedule, 0, 1, settings.Channels, settings.Size, settings.Size);
}

using Diffusion.Data;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Grading;

/// <summary>
/// The inputs part B's hidden tests feed the student's functions, drawn from a probe's seed (see <see cref="PartAProbes"/>).
/// The schedule is the course's part B one (<see cref="DigitRecipe.Schedule"/>); the trained network is the shipped one.
/// </summary>
public static class PartBProbes
{
    public sealed record BlockCase(int InChannels, int OutChannels, Tensor Input);
    public sealed record NoiseCase(Tensor X, double Value, double Sigma, long NoiseSeed) : PartAProbes.WithNoise(NoiseSeed);
    public sealed record LossCase(DigitUNet Network, Tensor Digits, long NoiseSeed) : PartAProbes.WithNoise(NoiseSeed);
    public sealed record SampleCase(GaussianDataPredictor Model, int Count, long NoiseSeed) : PartAProbes.WithNoise(NoiseSeed);
    public sealed record GuidanceCase(GaussianDataPredictor Model, Tensor Xt, int T, Conditioning Classes, double Gamma);

    /// <summary>1.1: channel counts and an input for ConvBlock and DownBlock.</summary>
    public static BlockCase Blocks(Probe probe) => Blocks(probe.Seed);

    public static BlockCase Blocks(long seed)
    {
        var random = new Random((int)(seed & int.MaxValue));
        int input = 2 + random.Next(7), output = 8 + random.Next(9);
        var images = Probes.Images(new GaussianDataPredictor(DigitRecipe.Schedule, 0, 1, input, 14, 14), 2, ProbeSeeds.Derive(seed, 1));
        return new BlockCase(input, output, images);
    }

    /// <summary>1.2: a flat batch and two sigmas.</summary>
    public static IReadOnlyList<NoiseCase> Noising(Probe probe) => Noising(probe.Seed);

    public static IReadOnlyList<NoiseCase> Noising(long seed)
    {
        var random = new Random((int)(seed & int.MaxValue));
        double value = 0.1 + 0.8 * random.NextDouble();
        var x = full(new long[] { 16, 1, 28, 28 }, value);
        return Enumerable.Range(0, 2).Select(k => new NoiseCase(x, value, Math.Round(0.2 + 0.7 * random.NextDouble(), 3), ProbeSeeds.Derive(seed, 10 + k))).ToList();
    }

    /// <summary>2.2 (B.1): the shipped time-conditioned UNet and 512 training digits drawn at random.</summary>
    public static LossCase Loss(Probe probe) => Loss(probe.Seed);

    public static LossCase Loss(long seed) =>
        new(ShippedModels.LoadUNet(DigitModelKind.Time, 20), TrainingDigits(seed, 512), ProbeSeeds.Derive(seed, 1));

    /// <summary><paramref name="count"/> training digits drawn at random (with repeats) from <paramref name="seed"/>: the loss probes' batch.</summary>
    public static Tensor TrainingDigits(long seed, int count)
    {
        using var train = Mnist.Load("train");
        var random = new Random((int)(seed & int.MaxValue));
        var indices = Enumerable.Range(0, count).Select(_ => (long)random.Next(train.Count)).ToArray();
        var (digits, labels) = train.Batch(indices);
        labels.Dispose();
        return digits;
    }

    /// <summary>2.3 (B.2): the exact noise predictor of Gaussian data, 32 samples.</summary>
    public static SampleCase Sample(Probe probe) => Sample(probe.Seed);

    public static SampleCase Sample(long seed)
    {
        var random = new Random((int)(seed & int.MaxValue));
        var model = new GaussianDataPredictor(DigitRecipe.Schedule, 0.1 + 0.4 * random.NextDouble(), 0.1 + 0.2 * random.NextDouble(), 1, 28, 28);
        return new SampleCase(model, 32, ProbeSeeds.Derive(seed, 1));
    }

    /// <summary>2.5 (B.4): a class-conditioned Gaussian-data predictor, ten x_t with shuffled classes, two (t, gamma).</summary>
    public static IReadOnlyList<GuidanceCase> Guided(Probe probe) => Guided(probe.Seed);

    public static IReadOnlyList<GuidanceCase> Guided(long seed)
    {
        var random = new Random((int)(seed & int.MaxValue));
        var means = Enumerable.Range(0, 10).Select(_ => Math.Round(random.NextDouble(), 3)).ToArray();
        var model = new GaussianDataPredictor(DigitRecipe.Schedule, 0.4, 0.3, 1, 28, 28, classMeans: means);
        var xt = Probes.Images(model, 10, ProbeSeeds.Derive(seed, 1));
        var classes = Conditioning.Classes(Enumerable.Range(0, 10).OrderBy(_ => random.Next()).ToArray());
        return Enumerable.Range(0, 2).Select(k => new GuidanceCase(model, xt, 20 + k * 140 + random.Next(120), classes, Math.Round(1 + 6 * random.NextDouble(), 2))).ToList();
    }
}

using Diffusion.Data;
using Diffusion.FlowMatching;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Grading;

/// <summary>
/// The inputs the flow-matching track's hidden tests (B4, B5) feed the student's functions, drawn from a probe's seed
/// (see <see cref="PartAProbes"/>). The known answers come from <see cref="GaussianDataVelocity"/>: for Gaussian data
/// the optimal velocity has a closed form, so Euler sampling and guidance can be checked exactly.
/// </summary>
public static class FlowMatchingProbes
{
    public sealed record LossCase(DigitUNet Network, Tensor Digits, long NoiseSeed) : PartAProbes.WithNoise(NoiseSeed);
    public sealed record SampleCase(GaussianDataVelocity Field, int Count, int Steps, long NoiseSeed) : PartAProbes.WithNoise(NoiseSeed);
    public sealed record GuidanceCase(GaussianDataVelocity Field, Tensor Xt, double T, Conditioning Classes, double Gamma);

    /// <summary>The epoch whose shipped weights the loss probe uses: the shipped run's last.</summary>
    public static int LossEpoch => Models.TrainedDigitModel.Shipped(DigitModelKind.FlowTime).Snapshots[^1];

    /// <summary>B4 2.2: the shipped time-conditioned flow model and 512 training digits drawn at random.</summary>
    public static LossCase Loss(Probe probe) => Loss(probe.Seed);

    public static LossCase Loss(long seed) =>
        new(ShippedModels.LoadUNet(DigitModelKind.FlowTime, LossEpoch), PartBProbes.TrainingDigits(seed, 512), ProbeSeeds.Derive(seed, 1));

    /// <summary>
    /// B4 2.3: Gaussian data of a drawn mean and spread, 32 samples, at one step (every pixel must land on the mean)
    /// and at two drawn step counts (few, where a misplaced t shows, and many).
    /// </summary>
    public static IReadOnlyList<SampleCase> Sample(Probe probe) => Sample(probe.Seed);

    public static IReadOnlyList<SampleCase> Sample(long seed)
    {
        var random = new Random((int)(seed & int.MaxValue));
        var field = new GaussianDataVelocity(Math.Round(0.1 + 0.5 * random.NextDouble(), 3), Math.Round(0.1 + 0.3 * random.NextDouble(), 3), 1, 28, 28);
        int[] steps = [1, 2 + random.Next(4), 15 + random.Next(20)];
        return steps.Select((n, k) => new SampleCase(field, 32, n, ProbeSeeds.Derive(seed, 1 + k))).ToList();
    }

    /// <summary>B5 2.6: Gaussian data with a drawn mean per digit, ten x_t with shuffled classes, two (t, gamma).</summary>
    public static IReadOnlyList<GuidanceCase> Guided(Probe probe) => Guided(probe.Seed);

    public static IReadOnlyList<GuidanceCase> Guided(long seed)
    {
        var random = new Random((int)(seed & int.MaxValue));
        var means = Enumerable.Range(0, 10).Select(_ => Math.Round(random.NextDouble(), 3)).ToArray();
        var field = new GaussianDataVelocity(0.4, 0.3, 1, 28, 28, classMeans: means);
        Tensor xt;
        using (var generator = new Generator((ulong)ProbeSeeds.Derive(seed, 1)))
            xt = randn(new long[] { 10, 1, 28, 28 }, generator: generator);
        var classes = Conditioning.Classes(Enumerable.Range(0, 10).OrderBy(_ => random.Next()).ToArray());
        return Enumerable.Range(0, 2).Select(k => new GuidanceCase(field, xt,
            Math.Round(0.05 + 0.45 * k + 0.4 * random.NextDouble(), 3), classes, Math.Round(1 + 6 * random.NextDouble(), 2))).ToList();
    }
}

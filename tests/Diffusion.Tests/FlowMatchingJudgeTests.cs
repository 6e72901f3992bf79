using Diffusion.FlowMatching;
using Diffusion.Grading;
using Diffusion.Kit.Grading.Sections;
using Diffusion.Models;
using Diffusion.Runtime;
using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// The flow-matching track's judges, fed in-process with what a probe cell would keep: the library's implementation
/// (the kit's solution) must pass for every seed, and the usual mistakes must fail with a reason. The full notebook
/// path (probe cells in a graded kernel) is the grading tests'; these check the judgements themselves.
/// </summary>
public sealed class FlowMatchingJudgeTests
{
    static readonly long[] Seeds = [1, 2, 3, 180, 4_000_000_007];

    static void Judge(string notebook, string section, long seed, IEnumerable<Tensor> kept, int figures = 0, KitMode mode = KitMode.Pretrained)
    {
        var judge = SectionJudges.Find(notebook, section) ?? throw new InvalidOperationException($"no judge for {notebook} {section}");
        judge.Judge(new ProbeEvidence(seed, mode, kept.Select(ProbeValue.Of).ToList(), figures));
    }

    /// <summary>Euler with the time of each step placed by <paramref name="time"/> (the course's is i / steps).</summary>
    static Tensor Euler(IVelocityField field, int count, Generator generator, int steps, Func<int, double> time, double dtScale = 1)
    {
        var x = randn(new long[] { count, field.Channels, field.Height, field.Width }, generator: generator);
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            var next = (x + dtScale / steps * field.Predict(x, time(i), Conditioning.Null)).MoveToOuterDisposeScope();
            x.Dispose();
            x = next;
        }
        return x;
    }

    static List<Tensor> Samples(long seed, Func<FlowMatchingProbes.SampleCase, Tensor> sampler) =>
        FlowMatchingProbes.Sample(seed).Select(sampler).ToList();

    [Fact]
    public void TheCoursesEulerSamplerPassesForEverySeed()
    {
        foreach (var seed in Seeds)
        {
            using var scope = NewDisposeScope();
            Judge("B4-flow-matching-time", "2.3 Euler sampling", seed,
                Samples(seed, c => EulerSampler.Sample(c.Field.Unconditional(), c.Count, c.Generator(), c.Steps).Image));
            Judge("B4-flow-matching-time", "2.3 Euler sampling", seed,
                Samples(seed, c => Euler(c.Field, c.Count, c.Generator(), c.Steps, i => (double)i / c.Steps)));
        }
    }

    [Theory]
    [InlineData("t one step late", 1)]
    [InlineData("no dt", 2)]
    [InlineData("half-way t", 3)]
    public void AWrongEulerSamplerFailsForEverySeed(string mistake, int kind)
    {
        foreach (var seed in Seeds)
        {
            using var scope = NewDisposeScope();
            var kept = Samples(seed, c => kind switch
            {
                1 => Euler(c.Field, c.Count, c.Generator(), c.Steps, i => Math.Min(1, (i + 1.0) / c.Steps)),
                2 => Euler(c.Field, c.Count, c.Generator(), c.Steps, i => (double)i / c.Steps, dtScale: c.Steps),
                _ => Euler(c.Field, c.Count, c.Generator(), c.Steps, i => (i + 0.5) / c.Steps),
            });
            var failed = Assert.Throws<CheckFailed>(() => Judge("B4-flow-matching-time", "2.3 Euler sampling", seed, kept));
            Assert.Contains("SampleFlow", failed.Message);
            _ = mistake;
        }
    }

    [Fact]
    public void TheCoursesGuidancePassesAndTheUsualMistakesFail()
    {
        foreach (var seed in Seeds)
        {
            using var scope = NewDisposeScope();
            var cases = FlowMatchingProbes.Guided(seed);
            Tensor Combine(FlowMatchingProbes.GuidanceCase c, Func<Tensor, Tensor, double, Tensor> combine) =>
                combine(c.Field.Predict(c.Xt, c.T, c.Classes), c.Field.Predict(c.Xt, c.T, Conditioning.Null), c.Gamma);

            Judge("B5-flow-matching-class", "2.6 Flow guidance", seed, cases.Select(c => Combine(c, (uc, uu, g) => uu + g * (uc - uu))));
            Judge("B5-flow-matching-class", "2.6 Flow guidance", seed, cases.Select(c => c.Field.Guided(c.Classes, c.Gamma).Estimate(c.Xt, c.T)));
            Assert.Throws<CheckFailed>(() => Judge("B5-flow-matching-class", "2.6 Flow guidance", seed, cases.Select(c => Combine(c, (uc, uu, g) => uc + g * (uc - uu)))));
            Assert.Throws<CheckFailed>(() => Judge("B5-flow-matching-class", "2.6 Flow guidance", seed, cases.Select(c => Combine(c, (uc, uu, g) => uc + g * (uu - uc)))));
            Assert.Throws<CheckFailed>(() => Judge("B5-flow-matching-class", "2.6 Flow guidance", seed, cases.Select(c => Combine(c, (uc, _, _) => uc))));
        }
    }

    [Fact]
    public void TheFlowMatchingLossOfTheShippedModelPassesAndAWrongTargetFails()
    {
        var folder = ShippedModels.Folder(DigitModelKind.FlowTime);
        Assert.True(File.Exists(Path.Combine(folder, Trainer<nn.Module>.SnapshotName(FlowMatchingProbes.LossEpoch))),
            $"the shipped flow model after epoch {FlowMatchingProbes.LossEpoch} is missing from {folder}: `train fm-time` makes it");
        const long seed = 180;
        using var scope = NewDisposeScope();
        var c = FlowMatchingProbes.Loss(seed);
        using var network = c.Network;
        Tensor Loss(Tensor digits, Generator generator, bool wrongTarget)
        {
            long n = digits.shape[0];
            var x0 = randn(digits.shape, generator: generator);
            var t = rand(new long[] { n }, generator: generator);
            var tt = t.view(n, 1, 1, 1);
            var xt = (1 - tt) * x0 + tt * digits;
            return nn.functional.mse_loss(network.forward(xt, t), wrongTarget ? x0 - digits : digits - x0);
        }
        Tensor[] Kept(bool wrongTarget)
        {
            var graph = Loss(c.Digits.narrow(0, 0, 8), c.Generator(), wrongTarget);
            var keptGraph = tensor(graph.requires_grad ? 1.0 : 0.0);
            using (no_grad()) return [keptGraph, Loss(c.Digits, c.Generator(), wrongTarget)];
        }

        Judge("B4-flow-matching-time", "2.2 Flow-matching loss", seed, Kept(false));
        var failed = Assert.Throws<CheckFailed>(() => Judge("B4-flow-matching-time", "2.2 Flow-matching loss", seed, Kept(true)));
        Assert.Contains("FlowMatchingLoss", failed.Message);
    }

    [Fact]
    public void TheFiguresExpectedFollowTheEpochsTheModeShows()
    {
        // Pretrained: 1.2.3, the three snapshots (the page's epochs 1, 5 and 10), the preview, the step sweep and the GIF;
        // smoke trains 2 epochs and shows the last.
        Judge("B4-flow-matching-time", "Figures", 1, [], figures: 7);
        Assert.Throws<CheckFailed>(() => Judge("B4-flow-matching-time", "Figures", 1, [], figures: 6));
        Judge("B4-flow-matching-time", "Figures", 1, [], figures: 5, mode: KitMode.Smoke);
        Assert.Throws<CheckFailed>(() => Judge("B4-flow-matching-time", "Figures", 1, [], figures: 4, mode: KitMode.Smoke));
        Judge("B5-flow-matching-class", "Figures", 1, [], figures: 6);
        Assert.Throws<CheckFailed>(() => Judge("B5-flow-matching-class", "Figures", 1, [], figures: 5));
    }
}

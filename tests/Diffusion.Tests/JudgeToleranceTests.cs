using Diffusion.Grading;
using Diffusion.Kit.Grading.Sections;
using Diffusion.Runtime;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// Statistical judges must not fail right answers on some seeds (an instructor grading hundreds of students would see
/// it) and must still fail wrong ones. B1's noising judge, fed in-process over many seeds, is the example.
/// </summary>
public sealed class JudgeToleranceTests
{
    [Fact]
    public void SampleToleranceIsFiveStandardErrorsWithAFloor()
    {
        Assert.Equal(5.0 / 28, Check.SampleTolerance(1, 784), 12);
        Assert.Equal(0.03, Check.SampleTolerance(1, 1_000_000, floor: 0.03), 12);
        Assert.Equal(Check.SampleTolerance(2, 100), 2 * Check.SampleTolerance(1, 100), 12);
    }

    static void JudgeNoising(long seed, Func<Tensor, double, Generator, Tensor> addNoise)
    {
        var judge = SectionJudges.Find("B1-single-step-denoiser", "1.2 Noising")!;
        var kept = PartBProbes.Noising(seed).Select(c =>
        {
            using var generator = c.Generator();
            return ProbeValue.Of(addNoise(c.X, c.Sigma, generator));
        }).ToList();
        judge.Judge(new ProbeEvidence(seed, KitMode.Pretrained, kept, 0));
    }

    [Fact]
    public void RightNoisingPassesOnEverySeedAndSigmaSquaredFailsOnEvery()
    {
        for (long seed = 1; seed <= 60; seed++)
        {
            using var scope = NewDisposeScope();
            JudgeNoising(seed, (x, sigma, g) => x + sigma * randn(x.shape, generator: g));
            Assert.Throws<CheckFailed>(() => JudgeNoising(seed, (x, sigma, g) => x + sigma * sigma * randn(x.shape, generator: g)));
        }
    }
}

using Diffusion.Sampling;
using Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>Small helpers for the sampling tests.</summary>
static class SamplingTestKit
{
    public static double Mean(Tensor x) { using var m = x.to(ScalarType.Float64).mean(); return m.item<double>(); }
    public static double Variance(Tensor x) { using var v = x.to(ScalarType.Float64).var(); return v.item<double>(); }
    public static double MaxAbsDiff(Tensor a, Tensor b) { using var d = (a - b).abs().max(); return d.to(ScalarType.Float64).item<double>(); }
    public static bool SamePixels(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape)) return false;
        using var same = a.eq(b).all();
        return same.item<bool>();
    }
    public static Generator Seed(ulong seed) => new(seed);
}

public class SamplingStepTests
{
    [Theory]
    [InlineData(250)]
    [InlineData(750)]
    public void ForwardNoiseHasTheRightMeanAndVariance(int t)
    {
        // A.2 with x0 = 0.6 everywhere: x_t ~ N(sqrt(abar) 0.6, 1 - abar). 2^18 samples: the standard error of the
        // mean is sqrt((1 - abar) / n) < 0.002 and of the variance (1 - abar) sqrt(2 / n) < 0.003; allow 5 of them.
        var schedule = NoiseSchedule.Cosine();
        double abar = schedule.AlphaBar(t);
        using var scope = NewDisposeScope();
        var x0 = full(new long[] { 1024, 1, 16, 16 }, 0.6f);
        var xt = Ddpm.Forward(schedule, x0, t, SamplingTestKit.Seed(1));
        double n = x0.numel();
        Assert.InRange(SamplingTestKit.Mean(xt), Math.Sqrt(abar) * 0.6 - 5 * Math.Sqrt((1 - abar) / n), Math.Sqrt(abar) * 0.6 + 5 * Math.Sqrt((1 - abar) / n));
        Assert.InRange(SamplingTestKit.Variance(xt), (1 - abar) * (1 - 5 * Math.Sqrt(2 / n)), (1 - abar) * (1 + 5 * Math.Sqrt(2 / n)));
    }

    [Fact]
    public void ForwardWithGivenNoiseIsTheFormula()
    {
        var schedule = NoiseSchedule.Cosine();
        using var scope = NewDisposeScope();
        var x0 = tensor(new[] { 1f, -1f, 0.5f }).view(1, 1, 1, 3);
        var eps = tensor(new[] { 0.2f, 0.1f, -2f }).view(1, 1, 1, 3);
        var xt = Ddpm.Forward(schedule, x0, 500, eps);
        double a = 0.49228517244880304;   // abar_500 of the cosine schedule, computed in double outside the kit
        var expected = new[] { Math.Sqrt(a) * 1 + Math.Sqrt(1 - a) * 0.2, -Math.Sqrt(a) + Math.Sqrt(1 - a) * 0.1, Math.Sqrt(a) * 0.5 - Math.Sqrt(1 - a) * 2 };
        var got = xt.flatten().data<float>().ToArray();
        for (int i = 0; i < 3; i++) Assert.Equal(expected[i], got[i], 5);
    }

    [Fact]
    public void OneStepEstimateWithTheTrueNoiseGivesTheCleanImageBack()
    {
        var schedule = NoiseSchedule.Cosine();
        using var scope = NewDisposeScope();
        var g = SamplingTestKit.Seed(2);
        var x0 = rand(new long[] { 2, 3, 8, 8 }, generator: g) * 2 - 1;
        var eps = randn(new long[] { 2, 3, 8, 8 }, generator: g);
        var xt = Ddpm.Forward(schedule, x0, 750, eps);
        var x0Hat = Ddpm.EstimateX0(schedule, xt, 750, eps);
        Assert.True(SamplingTestKit.MaxAbsDiff(x0, x0Hat) < 1e-4);
    }

    [Fact]
    public void StrideOneStepMeanIsPartBsUpdate()
    {
        // B.2 written out here from alpha_t, beta_t, abar_t, abar_{t-1}, against Ddpm.Step without variance.
        var schedule = NoiseSchedule.Linear();
        using var scope = NewDisposeScope();
        var g = SamplingTestKit.Seed(3);
        var xt = randn(new long[] { 4, 1, 5, 5 }, generator: g);
        var eps = randn(new long[] { 4, 1, 5, 5 }, generator: g);
        foreach (int t in new[] { 299, 100, 0 })
        {
            double abar = schedule.AlphaBar(t), abarPrev = t == 0 ? 1.0 : schedule.AlphaBar(t - 1);
            double beta = schedule.Beta(t), alpha = 1 - beta;
            var x0Hat = (xt - Math.Sqrt(1 - abar) * eps) / Math.Sqrt(abar);
            var partB = Math.Sqrt(abarPrev) * beta / (1 - abar) * x0Hat + Math.Sqrt(alpha) * (1 - abarPrev) / (1 - abar) * xt;
            var step = Ddpm.Step(schedule, xt, t, t - 1, new NoisePrediction(eps.alias()), StepVariance.None);
            Assert.True(SamplingTestKit.MaxAbsDiff(partB, step) < 1e-5, $"t = {t}");
        }
    }

    [Theory]
    [InlineData(-1.0, false)]   // v = -1: frac = 0, variance beta_tilde
    [InlineData(1.0, true)]     // v = +1: frac = 1, variance beta
    public void LearnedVarianceAtItsEndsIsBetaTildeOrBeta(double v, bool isBeta)
    {
        var schedule = NoiseSchedule.Cosine();
        var c = schedule.Step(690, 660);
        double expected = isBeta ? c.Beta : (1 - c.AlphaBarNext) / (1 - c.AlphaBar) * c.Beta;
        using var scope = NewDisposeScope();
        var xt = zeros(256, 1, 32, 32);
        var eps = zeros(256, 1, 32, 32);
        var withV = Ddpm.Step(schedule, xt, 690, 660, new NoisePrediction(eps.alias(), full_like(eps, v)), StepVariance.Default, SamplingTestKit.Seed(4));
        var mean = Ddpm.Step(schedule, xt, 690, 660, new NoisePrediction(eps.alias()), StepVariance.None);
        // x_t = 0 and eps = 0: the step's mean is 0, so what is left is sigma z; 2^18 samples: relative SE sqrt(2 / n) < 0.003.
        double variance = SamplingTestKit.Variance(withV - mean);
        Assert.InRange(variance, expected * 0.985, expected * 1.015);
        // The same seed with the matching fixed variance gives the same pixels.
        var fixedVar = Ddpm.Step(schedule, xt, 690, 660, new NoisePrediction(eps.alias()),
            new StepVariance { Fixed = isBeta ? FixedVariance.Beta : FixedVariance.BetaTilde }, SamplingTestKit.Seed(4));
        Assert.True(SamplingTestKit.MaxAbsDiff(withV, fixedVar) < 1e-5);
    }

    [Fact]
    public void NoNoiseIsAddedOnTheStepToTheCleanImage()
    {
        var schedule = NoiseSchedule.Linear();
        using var scope = NewDisposeScope();
        var xt = randn(2, 1, 4, 4);
        var eps = randn(2, 1, 4, 4);
        var a = Ddpm.Step(schedule, xt, 0, -1, new NoisePrediction(eps.alias()), StepVariance.Default, SamplingTestKit.Seed(5));
        var x0Hat = Ddpm.EstimateX0(schedule, xt, 0, eps);
        Assert.True(SamplingTestKit.MaxAbsDiff(a, x0Hat) < 1e-6);
    }

    [Fact]
    public void StepRejectsIndicesOutsideTheSchedule()
    {
        var schedule = NoiseSchedule.Cosine();
        using var scope = NewDisposeScope();
        var x = zeros(1, 1, 2, 2);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Ddpm.Step(schedule, x, 1000, 990, new NoisePrediction(x.alias()), StepVariance.None));
        Assert.Equal("t", e.ParamName);
        Assert.Contains("from 0 to 999, got 1000", e.Message);
        var up = Assert.Throws<ArgumentException>(() => Ddpm.Step(schedule, x, 500, 510, new NoisePrediction(x.alias()), StepVariance.None));
        Assert.Equal("tNext", up.ParamName);
        var fwd = Assert.Throws<ArgumentOutOfRangeException>(() => Ddpm.Forward(schedule, x, -1, x));
        Assert.Contains("got -1", fwd.Message);
    }
}

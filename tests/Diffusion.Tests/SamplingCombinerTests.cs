using Diffusion.Sampling;
using Diffusion.Schedules;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>Guidance, anagrams and hybrids as noise combiners, and the blur they use.</summary>
public class SamplingCombinerTests
{
    static readonly NoiseSchedule Cosine = NoiseSchedule.Cosine();

    /// <summary>Class 0: mean -0.5, class 1: mean 0.7, null: mean 0.1; 3 x 16 x 16 images.</summary>
    static GaussianDataPredictor ClassModel(double? variance = null) =>
        new(Cosine, 0.1, 0.4, 3, 16, 16, classMeans: [-0.5, 0.7], varianceOutput: variance);

    [Fact]
    public void GuidanceOfOneIsTheConditionalEstimate()
    {
        var model = ClassModel();
        using var scope = NewDisposeScope();
        var xt = randn(new long[] { 4, 3, 16, 16 }, generator: new Generator(1));
        var guided = model.Guided(Conditioning.Class(1), 1.0).Estimate(xt, 500);
        var conditional = model.Predict(xt, 500, Conditioning.Class(1));
        var unconditional = model.Predict(xt, 500, Conditioning.Null);
        Assert.True(SamplingTestKit.MaxAbsDiff(guided.Noise, conditional.Noise) < 1e-6);
        Assert.True(SamplingTestKit.MaxAbsDiff(conditional.Noise, unconditional.Noise) > 0.1);   // the two passes differ
        var zero = model.Guided(Conditioning.Class(1), 0.0).Estimate(xt, 500);
        Assert.True(SamplingTestKit.MaxAbsDiff(zero.Noise, unconditional.Noise) < 1e-6);
        // gamma = 7: eps_u + 7 (eps_c - eps_u), written out here
        var seven = model.Guided(Conditioning.Class(1), 7.0).Estimate(xt, 500);
        var byHand = unconditional.Noise + 7 * (conditional.Noise - unconditional.Noise);
        Assert.True(SamplingTestKit.MaxAbsDiff(seven.Noise, byHand) < 1e-5);
    }

    [Fact]
    public void GuidanceTakesTheVarianceFromTheConditionalPass()
    {
        var model = new DistinctVariancePredictor(ClassModel(0.3));
        using var scope = NewDisposeScope();
        var xt = randn(2, 3, 16, 16);
        var guided = model.Guided(Conditioning.Class(0), 5.0).Estimate(xt, 300);
        Assert.NotNull(guided.Variance);
        Assert.True(SamplingTestKit.MaxAbsDiff(guided.Variance!, full_like(xt, 0.3)) < 1e-7);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void NonFiniteGuidanceIsRejected(double gamma)
    {
        var e = Assert.Throws<ArgumentException>(() => ClassModel().Guided(Conditioning.Class(1), gamma));
        Assert.Equal("gamma", e.ParamName);
        Assert.Contains("finite", e.Message);
    }

    [Fact]
    public void AConditioningTheModelDoesNotAcceptIsRejected()
    {
        var unconditional = new GaussianDataPredictor(Cosine, 0, 1, 3, 16, 16);
        var prompt = Assert.Throws<ArgumentException>(() => unconditional.Conditioned(Conditioning.Prompt("a rocket ship")));
        Assert.Equal("conditioning", prompt.ParamName);
        Assert.Contains("prompt \"a rocket ship\"", prompt.Message);
        Assert.Contains("accepts Null", prompt.Message);
        var cfg = Assert.Throws<ArgumentException>(() => unconditional.Guided(Conditioning.Class(3), 5));
        Assert.Contains("class 3", cfg.Message);
        var range = Assert.Throws<ArgumentException>(() => ClassModel().Conditioned(Conditioning.Class(2)));
        Assert.Contains("from 0 to 1", range.Message);
    }

    [Fact]
    public void AnagramOfOnePromptTwiceIsPlainSamplingForAFlipEquivariantModel()
    {
        // The Gaussian predictor works per pixel, so flip(eps(flip(x))) = eps(x) and the average is eps itself.
        var model = ClassModel();
        var plainEstimate = model.Guided(Conditioning.Class(1), 3.0);
        var anagram = NoiseEstimators.Anagram(model.Guided(Conditioning.Class(1), 3.0), model.Guided(Conditioning.Class(1), 3.0));
        using var plain = Sampler.Sample(plainEstimate, 3, new Generator(11));
        using var illusion = Sampler.Sample(anagram, 3, new Generator(11));
        Assert.True(SamplingTestKit.SamePixels(plain.Image, illusion.Image));
    }

    [Fact]
    public void AnagramWithEveryViewOfOnePromptIsPlainSampling()
    {
        var model = ClassModel();
        var e = model.Conditioned(Conditioning.Class(0));
        var parts = new List<(INoiseEstimator, IView)>
        {
            (e, Views.Identity), (e, Views.FlipUpsideDown), (e, Views.Rotate90), (e, Views.PixelPermutation(16, 16, seed: 5)),
        };
        using var plain = Sampler.Sample(e, 2, new Generator(12));
        using var illusion = Sampler.Sample(new VisualAnagram(parts), 2, new Generator(12));
        // Four equal terms averaged: (e + e + e + e) / 4 can differ from e in the last bit; 34 steps keep it tiny.
        Assert.True(SamplingTestKit.MaxAbsDiff(plain.Image, illusion.Image) < 1e-5);
    }

    [Fact]
    public void AnagramOfTwoClassesDiffersFromEitherAndIsTheFlipAverage()
    {
        var model = ClassModel();
        using var scope = NewDisposeScope();
        var xt = randn(new long[] { 1, 3, 16, 16 }, generator: new Generator(3));
        var anagram = NoiseEstimators.Anagram(model.Conditioned(Conditioning.Class(0)), model.Conditioned(Conditioning.Class(1)));
        var eps = anagram.Estimate(xt, 400).Noise;
        // 1.8 written out: (eps(x, c0) + flip(eps(flip(x), c1))) / 2, flip = upside down (dimension H)
        var byHand = (model.Predict(xt, 400, Conditioning.Class(0)).Noise + model.Predict(xt.flip(2), 400, Conditioning.Class(1)).Noise.flip(2)) / 2;
        Assert.True(SamplingTestKit.MaxAbsDiff(eps, byHand) < 1e-6);
    }

    [Fact]
    public void ViewsAreInvertiblePixelRearrangements()
    {
        using var scope = NewDisposeScope();
        var x = arange(2 * 3 * 16 * 16, dtype: ScalarType.Float32).view(2, 3, 16, 16);
        foreach (var view in new[] { Views.Identity, Views.FlipUpsideDown, Views.Rotate90, Views.PixelPermutation(16, 16, 9) })
        {
            var y = view.Apply(x);
            Assert.True(SamplingTestKit.SamePixels(view.Inverse(y), x), view.Name);
            // a rearrangement: the same values per channel, only moved
            Assert.True(SamplingTestKit.SamePixels(y.flatten(2).sort(-1).Values, x.flatten(2).sort(-1).Values), view.Name);
        }
        var flipped = Views.FlipUpsideDown.Apply(x);
        Assert.Equal(x[0, 0, 15, 3].item<float>(), flipped[0, 0, 0, 3].item<float>());
        Assert.False(SamplingTestKit.SamePixels(Views.PixelPermutation(16, 16, 9).Apply(x), x));
        var e = Assert.Throws<ArgumentException>(() => Views.Rotate90.Apply(zeros(1, 1, 4, 6)));
        Assert.Contains("square", e.Message);
    }

    [Fact]
    public void HybridOfOnePromptTwiceIsPlainSampling()
    {
        // lowpass(eps) + (eps - lowpass(eps)) = eps up to float rounding (a few ulps per step).
        var model = ClassModel();
        var e = model.Guided(Conditioning.Class(0), 2.0);
        using var plain = Sampler.Sample(e, 3, new Generator(13));
        using var hybrid = Sampler.Sample(NoiseEstimators.Hybrid(e, model.Guided(Conditioning.Class(0), 2.0)), 3, new Generator(13));
        Assert.True(SamplingTestKit.MaxAbsDiff(plain.Image, hybrid.Image) < 1e-4);
    }

    [Fact]
    public void HybridIsLowpassOfOnePlusHighpassOfTheOther()
    {
        // Two models whose estimates differ by more than a constant (a constant difference would pass the low-pass whole).
        var wide = new GaussianDataPredictor(Cosine, 0.1, 0.9, 3, 16, 16);
        var narrow = new GaussianDataPredictor(Cosine, -0.2, 0.1, 3, 16, 16);
        using var scope = NewDisposeScope();
        var xt = randn(new long[] { 1, 3, 16, 16 }, generator: new Generator(4));
        var a = wide.Predict(xt, 600, Conditioning.Null).Noise;
        var b = narrow.Predict(xt, 600, Conditioning.Null).Noise;
        var eps = NoiseEstimators.Hybrid(wide.Unconditional(), narrow.Unconditional(), 5, 1.5).Estimate(xt, 600).Noise;
        var byHand = GaussianBlur.Blur(a, 5, 1.5) + b - GaussianBlur.Blur(b, 5, 1.5);
        Assert.True(SamplingTestKit.MaxAbsDiff(eps, byHand) < 1e-6);
        Assert.True(SamplingTestKit.MaxAbsDiff(eps, a) > 1e-2 && SamplingTestKit.MaxAbsDiff(eps, b) > 1e-2);
    }

    [Fact]
    public void BlurKeepsConstantsAndSpreadsAPointAsTheSeparableGaussian()
    {
        using var scope = NewDisposeScope();
        var constant = full(new long[] { 3, 20, 20 }, 0.25f);
        Assert.True(SamplingTestKit.MaxAbsDiff(GaussianBlur.Blur(constant, 33, 2), constant) < 1e-6);
        var point = zeros(1, 2, 15, 15);
        point[0, 1, 7, 7] = tensor(1f);
        var blurred = GaussianBlur.Blur(point, 5, 1.0);
        // exp(-d^2 / 2) normalised over d = -2..2, written out here
        double[] w = [Math.Exp(-2), Math.Exp(-0.5), 1, Math.Exp(-0.5), Math.Exp(-2)];
        double sum = w.Sum();
        for (int dy = -2; dy <= 2; dy++)
            for (int dx = -2; dx <= 2; dx++)
                Assert.Equal(w[dy + 2] * w[dx + 2] / sum / sum, blurred[0, 1, 7 + dy, 7 + dx].item<float>(), 5);
        Assert.Equal(0f, blurred[0, 1, 7, 10].item<float>());
        Assert.Equal(0f, blurred[0, 0].abs().max().item<float>());   // channels blur on their own
        var sumBack = GaussianBlur.Lowpass(point, 5, 1.0) + GaussianBlur.Highpass(point, 5, 1.0);
        Assert.True(SamplingTestKit.MaxAbsDiff(sumBack, point) < 1e-6);
    }

    [Theory]
    [InlineData(4, 1.0, "kernelSize")]
    [InlineData(0, 1.0, "kernelSize")]
    [InlineData(5, 0.0, "sigma")]
    [InlineData(5, double.NaN, "sigma")]
    public void BadBlurSettingsAreRejected(int kernel, double sigma, string param)
    {
        using var x = zeros(1, 4, 4);
        var e = Assert.Throws<ArgumentException>(() => GaussianBlur.Blur(x, kernel, sigma));
        Assert.Equal(param, e.ParamName);
    }

    /// <summary>Wraps a predictor so that the null conditioning reports a different variance than the conditional one.</summary>
    sealed class DistinctVariancePredictor(GaussianDataPredictor inner) : INoisePredictor
    {
        public NoiseSchedule Schedule => inner.Schedule;
        public int Channels => inner.Channels;
        public int Height => inner.Height;
        public int Width => inner.Width;
        public ConditioningKinds Accepts => inner.Accepts;

        public NoisePrediction Predict(Tensor xt, int t, Conditioning conditioning)
        {
            var p = inner.Predict(xt, t, conditioning);
            if (conditioning.Kind != ConditioningKinds.Null) return p;
            var other = full_like(xt, -0.9);
            p.Variance?.Dispose();
            return new NoisePrediction(p.Noise, other);
        }
    }
}

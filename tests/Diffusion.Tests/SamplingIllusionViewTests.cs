using Diffusion.Sampling;
using Diffusion.Schedules;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>The anagram views and hybrid factorisations beyond the course: each undoes itself and composes with sampling.</summary>
public class SamplingIllusionViewTests
{
    static readonly NoiseSchedule Cosine = NoiseSchedule.Cosine();

    public static TheoryData<string> NewViews => ["rotate 180", "rotate 90 clockwise", "negated", "jigsaw", "skew"];

    static IView View(string name) => name switch
    {
        "rotate 180" => Views.Rotate180,
        "rotate 90 clockwise" => Views.Rotate90Clockwise,
        "negated" => Views.Negate,
        "jigsaw" => Views.PatchPermutation(16, 16, 4, seed: 3),
        "skew" => Views.Skew(16, 16, 3),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(NewViews))]
    public void TheInverseUndoesTheViewWhichKeepsTheNoiseGaussian(string name)
    {
        var view = View(name);
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 2, 3, 16, 16 }, generator: new Generator(4));
        var seen = view.Apply(x);
        Assert.True(SamplingTestKit.SamePixels(view.Inverse(seen), x), $"{view.Name}: the inverse did not give the image back");
        Assert.True(SamplingTestKit.MaxAbsDiff(seen, x) > 0.5, $"{view.Name} left the image as it was");
        // Orthogonal: the same values up to sign (a rearrangement, or a negation), so N(0, I) noise stays N(0, I).
        var before = x.abs().flatten().sort().Values;
        var after = seen.abs().flatten().sort().Values;
        Assert.True(SamplingTestKit.SamePixels(before, after), $"{view.Name} changed the set of pixel magnitudes");
    }

    [Fact]
    public void ClockwiseRotationUndoesTheCoursesCounterClockwiseOne()
    {
        using var scope = NewDisposeScope();
        var x = randn(1, 3, 16, 16);
        Assert.True(SamplingTestKit.SamePixels(Views.Rotate90Clockwise.Apply(Views.Rotate90.Apply(x)), x), "rotating 90 degrees both ways did not give the image back");
        Assert.True(SamplingTestKit.SamePixels(Views.Rotate180.Apply(x), Views.Rotate90.Apply(Views.Rotate90.Apply(x))), "rotate 180 is not two quarter turns");
    }

    [Theory]
    [MemberData(nameof(NewViews))]
    public void AnagramOfOnePromptTwiceIsPlainSampling(string name)
    {
        // The Gaussian predictor works per pixel (and with mean 0 it is odd, eps(-x) = -eps(x)), so for every view
        // view^-1(eps(view(x))) = eps(x): the anagram of one prompt with itself is plain sampling.
        var model = new GaussianDataPredictor(Cosine, 0.0, 0.4, 3, 16, 16);
        var e = model.Unconditional();
        using var plain = Sampler.Sample(e, 2, new Generator(21));
        using var illusion = Sampler.Sample(new VisualAnagram([(e, Views.Identity), (e, View(name))]), 2, new Generator(21));
        var difference = SamplingTestKit.MaxAbsDiff(plain.Image, illusion.Image);
        Assert.True(difference < 1e-5, $"{name}: the anagram of one prompt twice differs from plain sampling by {difference}");
    }

    [Fact]
    public void NegationDoesNotNegateTheVarianceOutput()
    {
        var model = new GaussianDataPredictor(Cosine, 0.0, 0.4, 3, 16, 16, varianceOutput: 0.3);
        var e = model.Unconditional();
        using var scope = NewDisposeScope();
        var xt = randn(1, 3, 16, 16);
        var p = new VisualAnagram([(e, Views.Identity), (e, Views.Negate)]).Estimate(xt, 400);
        Assert.NotNull(p.Variance);
        var difference = SamplingTestKit.MaxAbsDiff(p.Variance!, full_like(xt, 0.3));
        Assert.True(difference < 1e-6, $"the variance of a negated view came back {difference} away from the model's 0.3");
    }

    public static TheoryData<string> Factorings => ["lowpass", "grey-scale", "motion blur"];

    static IFactorisation Factorisation(string name) => name switch
    {
        "lowpass" => Factorisations.Lowpass(),
        "grey-scale" => Factorisations.GreyScale,
        "motion blur" => Factorisations.MotionBlur(9),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Factorings))]
    public void AFactorisedImageOfOnePromptTwiceIsPlainSampling(string name)
    {
        var model = new GaussianDataPredictor(Cosine, 0.2, 0.4, 3, 16, 16, classMeans: [-0.5, 0.7]);
        var e = model.Guided(Conditioning.Class(1), 3.0);
        using var plain = Sampler.Sample(e, 2, new Generator(22));
        using var illusion = Sampler.Sample(new FactorisedImage(e, e, Factorisation(name)), 2, new Generator(22));
        var difference = SamplingTestKit.MaxAbsDiff(plain.Image, illusion.Image);
        Assert.True(difference < 1e-5, $"{name}: the factorised image of one prompt twice differs from plain sampling by {difference}");
    }

    [Fact]
    public void TheLowpassFactorisationIsTheCoursesHybrid()
    {
        var model = new GaussianDataPredictor(Cosine, 0.2, 0.4, 3, 16, 16, classMeans: [-0.5, 0.7]);
        var low = model.Conditioned(Conditioning.Class(0));
        var high = model.Conditioned(Conditioning.Class(1));
        using var scope = NewDisposeScope();
        var xt = randn(2, 3, 16, 16);
        var hybrid = new HybridImage(low, high).Estimate(xt, 500).Noise;
        var factorised = new FactorisedImage(low, high, Factorisations.Lowpass()).Estimate(xt, 500).Noise;
        var difference = SamplingTestKit.MaxAbsDiff(hybrid, factorised);
        Assert.True(difference < 1e-6, $"the lowpass factorisation differs from the hybrid image by {difference}");
    }

    [Fact]
    public void GreyAndMotionBlurPartsAreWhatTheirNamesSay()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 16, 16);
        var grey = Factorisations.GreyScale.Part(x);
        var rest = x - grey;
        Assert.True(SamplingTestKit.MaxAbsDiff(grey.narrow(1, 0, 1), grey.narrow(1, 2, 1)) < 1e-7, "the grey part differs between channels");
        Assert.True(rest.mean([1]).abs().max().item<float>() < 1e-6, "the colour part has a grey component left");
        // A picture that is constant along each row is untouched by a horizontal blur; vertical detail is kept.
        var rows = randn(2, 3, 16, 1).expand(2, 3, 16, 16).contiguous();
        Assert.True(SamplingTestKit.MaxAbsDiff(Factorisations.MotionBlur(5).Part(rows), rows) < 1e-6, "the horizontal blur changed a row-constant picture");
        Assert.True(SamplingTestKit.MaxAbsDiff(Factorisations.MotionBlur(5).Part(x), x) > 0.1, "the horizontal blur left a noisy picture as it was");
    }

    [Fact]
    public void BadViewAndFactorisationSettingsAreRefusedNamingThem()
    {
        Assert.Equal("patch", Assert.Throws<ArgumentException>(() => Views.PatchPermutation(16, 16, 5)).ParamName);
        Assert.Equal("length", Assert.Throws<ArgumentException>(() => Factorisations.MotionBlur(4)).ParamName);
        Assert.Equal("height", Assert.Throws<ArgumentException>(() => Views.Skew(0, 16)).ParamName);
    }
}

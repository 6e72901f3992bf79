using Diffusion.Sampling;
using Diffusion.Schedules;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>SDEdit, inpainting, image-to-image, seeds, intermediates and the errors users see.</summary>
public class SamplingEditTests
{
    static readonly NoiseSchedule Cosine = NoiseSchedule.Cosine();
    static GaussianDataPredictor Model64() => new(Cosine, 0.0, 0.5, 1, 64, 64, classMeans: [-0.5, 0.5]);

    static Tensor TestImage(int c = 1, int h = 64, int w = 64) =>
        linspace(-1, 1, h * w).view(1, h, w).expand(c, h, w).contiguous();

    [Fact]
    public void InpaintingLeavesUnmaskedPixelsAsTheOriginal()
    {
        var model = Model64();
        using var scope = NewDisposeScope();
        var image = TestImage();
        var mask = zeros(1, 64, 64);
        mask[.., ..20, ..] = tensor(1f);    // new content in the top 20 rows (1.7.2's "top part")
        using var result = Editing.Inpaint(model.Guided(Conditioning.Class(1), 3), image, mask, new Generator(21));
        var keep = (1 - mask).to(ScalarType.Bool).expand(1, 1, 64, 64);
        Assert.True(SamplingTestKit.SamePixels(result.Image.masked_select(keep), image.unsqueeze(0).masked_select(keep)));
        // and the masked part was really generated (class 1 has mean 0.5; the original's top rows are near -1)
        var top = result.Image[.., .., ..20, ..];
        Assert.True(SamplingTestKit.MaxAbsDiff(top, image.unsqueeze(0)[.., .., ..20, ..]) > 0.5);
    }

    [Fact]
    public void InpaintingStepsKeepTheKnownRegionNoisedLikeTheOriginal()
    {
        // A.5: after every step the unmasked pixels are forward(x_orig, t') with fresh noise, so at the intermediate
        // steps they are noisy (not the original), centred on sqrt(abar_t') x_orig.
        var model = Model64();
        using var scope = NewDisposeScope();
        var image = full(new long[] { 1, 64, 64 }, 0.8f);
        var mask = zeros(64, 64);
        mask[..8, ..] = tensor(1f);
        using var result = Editing.Inpaint(model.Unconditional(), image, mask, new Generator(22),
            options: new SamplerOptions { KeepEvery = 5 });
        var snap = result.Snapshots.First(s => s.Steps == 10);   // t' = 690
        var known = snap.Image[.., .., 8.., ..];
        double abar = Cosine.AlphaBar(690);
        double n = known.numel();
        Assert.InRange(SamplingTestKit.Mean(known), Math.Sqrt(abar) * 0.8 - 5 * Math.Sqrt((1 - abar) / n), Math.Sqrt(abar) * 0.8 + 5 * Math.Sqrt((1 - abar) / n));
        Assert.InRange(SamplingTestKit.Variance(known), (1 - abar) * 0.9, (1 - abar) * 1.1);
    }

    [Fact]
    public void MaskOfTheWrongSizeGetsAClearMessage()
    {
        var model = Model64();
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() =>
            Editing.Inpaint(model.Unconditional(), TestImage(), zeros(1, 32, 32), new Generator(1)));
        Assert.Equal("mask", e.ParamName);
        Assert.StartsWith("mask must be 1x64x64 like the image", e.Message);
        Assert.Contains("got 1x32x32", e.Message);
        var values = Assert.Throws<ArgumentException>(() =>
            Editing.Inpaint(model.Unconditional(), TestImage(), full(new long[] { 1, 64, 64 }, 2f), new Generator(1)));
        Assert.Contains("[0, 1]", values.Message);
    }

    [Fact]
    public void SdEditReturnsOneResultPerStartAndStaysCloserForLaterStarts()
    {
        var model = Model64();
        using var scope = NewDisposeScope();
        var image = TestImage();
        var results = Editing.SdEdit(model.Conditioned(Conditioning.Class(0)), image, [1, 3, 5, 7, 10, 20], new Generator(23));
        Assert.Equal(6, results.Count);
        // A later i_start noises less (abar = 0.004, 0.06, 0.22, 0.66 at i_start 1, 5, 10, 20), so the result keeps
        // more of the original: the mean squared distance to it falls along the list (4096 pixels each: a few % noise).
        double Distance(SamplingResult r) { using var d = (r.Image - image.unsqueeze(0)).pow(2).mean(); return d.item<float>(); }
        var d = new[] { 0, 2, 4, 5 }.Select(i => Distance(results[i])).ToArray();
        Assert.True(d[0] > d[1] && d[1] > d[2] && d[2] > d[3], string.Join(" > ", d));
        foreach (var r in results) r.Dispose();
    }

    [Fact]
    public void ImageToImageIsSdEditWithGuidance()
    {
        var model = Model64();
        using var scope = NewDisposeScope();
        var image = TestImage();
        var viaHelper = Editing.ImageToImage(model, image, Conditioning.Class(1), 7, [10], new Generator(24));
        var viaSdEdit = Editing.SdEdit(model.Guided(Conditioning.Class(1), 7), image, 10, new Generator(24));
        Assert.True(SamplingTestKit.SamePixels(viaHelper[0].Image, viaSdEdit.Image));
    }

    [Fact]
    public void TheSameSeedGivesTheSamePixels()
    {
        var model = Model64();
        var e = model.Guided(Conditioning.Class(1), 5);
        using var scope = NewDisposeScope();
        using var a = Sampler.Sample(e, 2, new Generator(180));
        using var b = Sampler.Sample(e, 2, new Generator(180));
        using var c = Sampler.Sample(e, 2, new Generator(181));
        Assert.True(SamplingTestKit.SamePixels(a.Image, b.Image));
        Assert.False(SamplingTestKit.SamePixels(a.Image, c.Image));
        var mask = zeros(1, 64, 64);
        mask[.., 10..30, 10..30] = tensor(1f);
        using var i1 = Editing.Inpaint(e, TestImage(), mask, new Generator(5));
        using var i2 = Editing.Inpaint(e, TestImage(), mask, new Generator(5));
        Assert.True(SamplingTestKit.SamePixels(i1.Image, i2.Image));
        using var s1 = Editing.SdEdit(e, TestImage(), 10, new Generator(6));
        using var s2 = Editing.SdEdit(e, TestImage(), 10, new Generator(6));
        Assert.True(SamplingTestKit.SamePixels(s1.Image, s2.Image));
    }

    [Fact]
    public void IntermediatesAreKeptEveryKthStepWithTheEnd()
    {
        var model = Model64();
        using var scope = NewDisposeScope();
        using var r = Sampler.Sample(model.Unconditional(), 1, new Generator(8), options: new SamplerOptions { KeepEvery = 5 });
        // 34 timesteps, 33 steps: kept after 0, 5, ..., 30 steps and the last (33).
        Assert.Equal([0, 5, 10, 15, 20, 25, 30, 33], r.Snapshots.Select(s => s.Steps));
        Assert.Equal([990, 840, 690, 540, 390, 240, 90, 0], r.Snapshots.Select(s => s.T));
        Assert.True(SamplingTestKit.SamePixels(r.Snapshots[^1].Image, r.Image));
        using var none = Sampler.Sample(model.Unconditional(), 1, new Generator(8));
        Assert.Empty(none.Snapshots);
        Assert.True(SamplingTestKit.SamePixels(none.Image, r.Image));
    }

    [Fact]
    public void IterativeDenoisingStartsAtIStart()
    {
        // From i_start = 32 (t = 30) one step remains, to t = 0; with StepVariance.None it is the A.3 mean, here by hand.
        var model = Model64();
        using var scope = NewDisposeScope();
        var xt = randn(new long[] { 1, 1, 64, 64 }, generator: new Generator(9));
        using var r = Sampler.IterativeDenoise(model.Unconditional(), xt, 32, new Generator(1),
            options: new SamplerOptions { Variance = StepVariance.None });
        double a = Cosine.AlphaBar(30), a0 = Cosine.AlphaBar(0), alpha = a / a0, beta = 1 - alpha;
        var eps = Math.Sqrt(1 - a) * xt / (a * 0.25 + 1 - a);          // eps* with mu = 0, s = 0.5
        var x0Hat = (xt - Math.Sqrt(1 - a) * eps) / Math.Sqrt(a);
        var byHand = Math.Sqrt(a0) * beta / (1 - a) * x0Hat + Math.Sqrt(alpha) * (1 - a0) / (1 - a) * xt;
        Assert.True(SamplingTestKit.MaxAbsDiff(r.Image, byHand) < 1e-5);
    }

    [Fact]
    public void ImagesOfTheWrongSizeOrChannelsAreRejected()
    {
        var model = Model64();
        using var scope = NewDisposeScope();
        var size = Assert.Throws<ArgumentException>(() => Editing.SdEdit(model.Unconditional(), zeros(1, 1, 32, 32), 10, new Generator(1)));
        Assert.Equal("image", size.ParamName);
        Assert.Contains("1x64x64", size.Message);
        Assert.Contains("got 1x1x32x32", size.Message);
        var channels = Assert.Throws<ArgumentException>(() => Sampler.IterativeDenoise(model.Unconditional(), zeros(2, 3, 64, 64), 0, new Generator(1)));
        Assert.Equal("xt", channels.ParamName);
        Assert.Contains("Nx1x64x64 for this model, got 2x3x64x64", channels.Message);
        var single = Assert.Throws<ArgumentException>(() => Editing.SdEdit(model.Unconditional(), zeros(3, 64, 64), 10, new Generator(1)));
        Assert.Contains("got 3x64x64", single.Message);
    }

    [Fact]
    public void IStartBeyondTheListIsRejected()
    {
        var model = Model64();
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => Editing.SdEdit(model.Unconditional(), TestImage(), 34, new Generator(1)));
        Assert.Equal("iStart", e.ParamName);
        Assert.Contains("from 0 to 33", e.Message);
        Assert.Contains("got 34", e.Message);
        var list = Assert.Throws<ArgumentException>(() => Editing.SdEdit(model.Unconditional(), TestImage(), [1, 40], new Generator(1)));
        Assert.Equal("iStarts", list.ParamName);
        var negative = Assert.Throws<ArgumentException>(() => Sampler.IterativeDenoise(model.Unconditional(), zeros(1, 1, 64, 64), -1, new Generator(1)));
        Assert.Contains("got -1", negative.Message);
    }

    [Fact]
    public void TimestepsOutsideTheScheduleAreRejected()
    {
        var model = Model64();
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Sampler.Sample(model.Unconditional(), 1, new Generator(1), [1200, 600, 0]));
        Assert.Equal("timesteps", e.ParamName);
        Assert.Contains("timesteps[0] must be a schedule index from 0 to 999", e.Message);
        Assert.Equal(1200, e.ActualValue);
        var empty = Assert.Throws<ArgumentException>(() => Sampler.Sample(model.Unconditional(), 1, new Generator(1), []));
        Assert.Contains("empty", empty.Message);
        var oneStep = Assert.Throws<ArgumentOutOfRangeException>(() => Sampler.OneStepDenoise(model.Unconditional(), zeros(1, 1, 64, 64), 1000));
        Assert.Contains("got 1000", oneStep.Message);
    }

    [Fact]
    public void ClassLabelsMustMatchTheBatch()
    {
        var model = Model64();
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => model.Predict(zeros(3, 1, 64, 64), 10, Conditioning.Classes(0, 1)));
        Assert.Contains("one per sample (3), got 2", e.Message);
        using var p = model.Predict(zeros(2, 1, 64, 64), 10, Conditioning.Classes(0, 1));   // one per sample is fine
        Assert.True(p.Noise[0].mean().item<float>() > 0 && p.Noise[1].mean().item<float>() < 0);
    }
}

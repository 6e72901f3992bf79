using Diffusion.Sampling;
using Diffusion.Schedules;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// Known answers for the iterative sampler: data x0 ~ N(mu, s^2 I) and its optimal noise predictor
/// eps*(x_t, t) = sqrt(1 - abar) (x_t - sqrt(abar) mu) / (abar s^2 + 1 - abar).
/// With that predictor every step is linear in x: x' = A x + B + sigma z, so the output of the sampler started
/// from N(0, 1) is exactly Gaussian with a mean and variance given by the scalar recursion m' = A m + B,
/// v' = A^2 v + sigma^2 (written out below from the spec's A.3, in double precision, independent of the tensor code).
/// That recursion is the sampler's known bias: with many steps it lands on (mu, s^2); with the course's 34
/// strided steps and beta_tilde it keeps the mean but loses variance (each big step replaces x0 by its estimate
/// and beta_tilde leaves out the estimate's uncertainty); with beta it overshoots. The tests check both:
/// the samples match the recursion within their sampling error, and the recursion is within a stated bias of the data.
/// Every pixel is an independent sample (the predictor acts per pixel and the noise is i.i.d.), so n = numel.
/// </summary>
public class SamplingGaussianTests
{
    const double Mu = 0.5, S = 0.5;

    /// <summary>The exact mean and variance of the sampler's output (start N(0, 1) at path[0]); spec A.3 with eps*.</summary>
    static (double Mean, double Variance) Recursion(NoiseSchedule schedule, IReadOnlyList<int> path, double mu, double s, FixedVariance fixedVariance)
    {
        double m = 0, v = 1;
        for (int i = 0; i + 1 < path.Count; i++)
        {
            int t = path[i], tNext = path[i + 1];
            double a = schedule.AlphaBar(t), aNext = tNext == -1 ? 1.0 : schedule.AlphaBar(tNext);
            double alpha = a / aNext, beta = 1 - alpha;
            double betaTilde = Math.Max((1 - aNext) / (1 - a) * beta, 1e-20);
            double c0 = Math.Sqrt(aNext) * beta / (1 - a), ct = Math.Sqrt(alpha) * (1 - aNext) / (1 - a);
            double k = Math.Sqrt(1 - a) / (a * s * s + 1 - a);
            // x0_hat = (x - sqrt(1 - a) k (x - sqrt(a) mu)) / sqrt(a)
            double slope = c0 * (1 - Math.Sqrt(1 - a) * k) / Math.Sqrt(a) + ct;
            double offset = c0 * Math.Sqrt(1 - a) * k * mu;
            double sigma2 = tNext == -1 ? 0 : fixedVariance == FixedVariance.Beta ? beta : betaTilde;
            m = slope * m + offset;
            v = slope * slope * v + sigma2;
        }
        return (m, v);
    }

    static void AssertMoments(Tensor samples, (double Mean, double Variance) expected, string what)
    {
        // Standard errors of a sample mean and variance of n Gaussian values: sqrt(v / n) and v sqrt(2 / (n - 1)); allow 5.
        double n = samples.numel();
        double mean = SamplingTestKit.Mean(samples), variance = SamplingTestKit.Variance(samples);
        double seMean = Math.Sqrt(expected.Variance / n), seVar = expected.Variance * Math.Sqrt(2 / (n - 1));
        Assert.True(Math.Abs(mean - expected.Mean) < 5 * seMean, $"{what}: mean {mean:F5}, expected {expected.Mean:F5} +- {5 * seMean:F5}");
        Assert.True(Math.Abs(variance - expected.Variance) < 5 * seVar, $"{what}: variance {variance:F5}, expected {expected.Variance:F5} +- {5 * seVar:F5}");
    }

    [Fact]
    public void CourseLoopOnStridedStepsHasTheKnownMomentsWithBetaTilde()
    {
        var schedule = NoiseSchedule.Cosine();
        var model = new GaussianDataPredictor(schedule, Mu, S, 1, 16, 16);
        var ts = Timesteps.Strided(schedule);
        var expected = Recursion(schedule, ts, Mu, S, FixedVariance.BetaTilde);
        // The bias of 34 steps with beta_tilde: the mean is within 1e-4 of mu, the variance about 17 % below s^2 (0.207 vs 0.25).
        Assert.InRange(expected.Mean, Mu - 1e-4, Mu + 1e-4);
        Assert.InRange(expected.Variance, 0.80 * S * S, 0.86 * S * S);
        using var result = Sampler.Sample(model.Unconditional(), 1024, new TorchSharp.torch.Generator(180), ts);
        AssertMoments(result.Image, expected, "stride 30, beta_tilde");
    }

    [Fact]
    public void CourseLoopOnStridedStepsHasTheKnownMomentsWithBeta()
    {
        var schedule = NoiseSchedule.Cosine();
        var model = new GaussianDataPredictor(schedule, Mu, S, 1, 16, 16);
        var ts = Timesteps.Strided(schedule);
        var expected = Recursion(schedule, ts, Mu, S, FixedVariance.Beta);
        // With beta the strided sampler overshoots the variance by about 6 % (0.264 vs 0.25).
        Assert.InRange(expected.Variance, 1.03 * S * S, 1.09 * S * S);
        var options = new SamplerOptions { Variance = new StepVariance { Fixed = FixedVariance.Beta } };
        using var result = Sampler.Sample(model.Unconditional(), 1024, new TorchSharp.torch.Generator(181), ts, options);
        AssertMoments(result.Image, expected, "stride 30, beta");
    }

    [Fact]
    public void FullSamplingReproducesTheDataMeanAndVariance()
    {
        // All 1000 steps with beta_tilde: the recursion's bias is below 0.002 in variance (0.2481 vs 0.25) and
        // 2e-5 in mean (x_0 at index 0 still carries abar_0 = 0.99996); the samples must land within that plus 5 standard errors.
        var schedule = NoiseSchedule.Cosine();
        var model = new GaussianDataPredictor(schedule, Mu, S, 1, 16, 16);
        var ts = Timesteps.Full(schedule);
        var expected = Recursion(schedule, ts, Mu, S, FixedVariance.BetaTilde);
        Assert.InRange(expected.Mean, Mu - 2e-5, Mu + 2e-5);
        Assert.InRange(expected.Variance, S * S - 0.002, S * S);
        using var result = Sampler.Sample(model.Unconditional(), 256, new TorchSharp.torch.Generator(182), ts);
        AssertMoments(result.Image, expected, "stride 1, beta_tilde");
        double n = result.Image.numel();
        Assert.InRange(SamplingTestKit.Mean(result.Image), Mu - 2e-5 - 5 * Math.Sqrt(S * S / n), Mu + 2e-5 + 5 * Math.Sqrt(S * S / n));
        Assert.InRange(SamplingTestKit.Variance(result.Image), S * S - 0.002 - 5 * S * S * Math.Sqrt(2 / n), S * S + 5 * S * S * Math.Sqrt(2 / n));
    }

    [Fact]
    public void PartBSamplingToTheCleanImageHasTheKnownMoments()
    {
        // Part B (B.2): linear T = 300, every step, fixed variance beta, last step to index -1 without noise.
        // Its known bias comes from starting at N(0, 1) while x_299 really has mean sqrt(abar_299) mu = 0.11 mu:
        // the recursion gives mean 0.4938 and variance 0.2516 for mu = s = 0.5.
        var schedule = NoiseSchedule.Linear();
        var model = new GaussianDataPredictor(schedule, Mu, S, 1, 16, 16);
        var ts = Timesteps.Full(schedule);
        var path = ts.Append(-1).ToList();
        var expected = Recursion(schedule, path, Mu, S, FixedVariance.Beta);
        Assert.InRange(expected.Mean, Mu - 0.01, Mu);
        Assert.InRange(expected.Variance, S * S - 0.005, S * S + 0.005);
        using var result = Sampler.Sample(model.Unconditional(), 512, new TorchSharp.torch.Generator(183), ts, SamplerOptions.PartB);
        AssertMoments(result.Image, expected, "part B");
    }

    [Fact]
    public void LearnedVarianceOfMinusOneSamplesLikeBetaTilde()
    {
        // v = -1 everywhere: log var = log beta_tilde, the same noise as the fixed beta_tilde, so the same pixels for one seed.
        var schedule = NoiseSchedule.Cosine();
        var learned = new GaussianDataPredictor(schedule, Mu, S, 1, 8, 8, varianceOutput: -1);
        var plain = new GaussianDataPredictor(schedule, Mu, S, 1, 8, 8);
        using var a = Sampler.Sample(learned.Unconditional(), 16, new TorchSharp.torch.Generator(7));
        using var b = Sampler.Sample(plain.Unconditional(), 16, new TorchSharp.torch.Generator(7));
        Assert.True(SamplingTestKit.MaxAbsDiff(a.Image, b.Image) < 1e-4);
        // ... and not with the model variance switched to beta (+1): the test can tell the two apart.
        var wide = new GaussianDataPredictor(schedule, Mu, S, 1, 8, 8, varianceOutput: 1);
        using var c = Sampler.Sample(wide.Unconditional(), 16, new TorchSharp.torch.Generator(7));
        Assert.True(SamplingTestKit.MaxAbsDiff(a.Image, c.Image) > 1e-2);
    }
}

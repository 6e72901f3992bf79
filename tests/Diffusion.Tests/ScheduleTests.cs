using Diffusion.Schedules;

namespace Diffusion.Tests;

public class ScheduleTests
{
    [Theory]
    // DeepFloyd IF's cosine schedule (spec part A; issue 5): the values the course quotes, to the digits quoted.
    [InlineData(250, 0.8459, 0.00005)]
    [InlineData(500, 0.4923, 0.00005)]
    [InlineData(750, 0.1432, 0.00005)]
    [InlineData(990, 1.97e-4, 0.005e-4)]
    public void CosineAlphaBarMatchesTheCourse(int t, double expected, double halfLastDigit)
    {
        var schedule = NoiseSchedule.Cosine();
        Assert.Equal(1000, schedule.Steps);
        Assert.InRange(schedule.AlphaBar(t), expected - halfLastDigit, expected + halfLastDigit);
    }

    [Fact]
    public void CosineBetasAreCappedAt0999()
    {
        // f(1) = cos^2(pi / 2) = 0, so the last beta would be 1 without the cap.
        var schedule = NoiseSchedule.Cosine();
        Assert.Equal(0.999, schedule.Beta(999), 12);
        Assert.True(schedule.Beta(998) < 0.999);
    }

    [Fact]
    public void LinearScheduleEndpointsArePartBs()
    {
        var schedule = NoiseSchedule.Linear();
        Assert.Equal(300, schedule.Steps);
        Assert.Equal(1e-4, schedule.Beta(0), 15);
        Assert.Equal(0.02, schedule.Beta(299), 15);
        Assert.Equal(1 - 1e-4, schedule.AlphaBar(0), 15);
        Assert.Equal(1.0, schedule.AlphaBar(-1));
        // abar_299 = exp(sum log(1 - beta)); sum beta = 300 (1e-4 + 0.02) / 2 = 3.015, and the log1p terms add
        // sum beta^2 / 2 + ... ~ 0.02: abar_299 lies between exp(-3.015 - 0.05) and exp(-3.015).
        Assert.InRange(schedule.AlphaBar(299), Math.Exp(-3.065), Math.Exp(-3.015));
    }

    [Fact]
    public void AnIndexOutsideTheScheduleIsRejected()
    {
        var schedule = NoiseSchedule.Cosine();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => schedule.AlphaBar(1000));
        Assert.Contains("from 0 to 999, got 1000", e.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(300)]
    public void TheIndexCheckNamesTheArgumentTheRangeAndTheValue(int index)
    {
        var schedule = NoiseSchedule.Linear();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => schedule.CheckIndex(index, "tStart"));
        Assert.Equal("tStart", e.ParamName);
        Assert.Equal(index, e.ActualValue);
        Assert.Contains($"tStart must be a schedule index from 0 to 299, got {index}.", e.Message);
        Assert.Equal(0, schedule.CheckIndex(0));
        Assert.Equal(299, schedule.CheckIndex(299));
    }

    [Fact]
    public void StepOfStrideOneHasPartBsCoefficients()
    {
        // B.2: x_{t-1} = sqrt(abar_{t-1}) beta_t / (1 - abar_t) x0_hat + sqrt(alpha_t) (1 - abar_{t-1}) / (1 - abar_t) x_t.
        var schedule = NoiseSchedule.Linear();
        foreach (int t in new[] { 299, 150, 1 })
        {
            double abar = schedule.AlphaBar(t), abarPrev = schedule.AlphaBar(t - 1), beta = schedule.Beta(t), alpha = 1 - beta;
            var c = schedule.Step(t, t - 1);
            Assert.Equal(alpha, c.Alpha, 12);
            Assert.Equal(beta, c.Beta, 12);
            Assert.Equal(Math.Sqrt(abarPrev) * beta / (1 - abar), c.X0Coefficient, 12);
            Assert.Equal(Math.Sqrt(alpha) * (1 - abarPrev) / (1 - abar), c.XtCoefficient, 12);
            Assert.Equal((1 - abarPrev) / (1 - abar) * beta, c.BetaTilde, 12);
        }
    }

    [Fact]
    public void StepToTheCleanImageKeepsOnlyTheEstimate()
    {
        // abar_{-1} = 1: the x0_hat coefficient is beta / (1 - abar_t) = 1 and x_t's is 0.
        var c = NoiseSchedule.Cosine().Step(30, -1);
        Assert.Equal(1.0, c.X0Coefficient, 12);
        Assert.Equal(0.0, c.XtCoefficient, 12);
    }
}

public class ScheduleTimestepsTests
{
    [Fact]
    public void CourseStridedListHas34Values()
    {
        var ts = Timesteps.Strided(NoiseSchedule.Cosine());
        Assert.Equal(34, ts.Length);
        Assert.Equal(990, ts[0]);
        Assert.Equal(960, ts[1]);
        Assert.Equal(690, ts[10]);   // the course's i_start = 10
        Assert.Equal(0, ts[^1]);
    }

    [Theory]
    [InlineData(10, 30)]
    [InlineData(30, 10)]
    [InlineData(100, 3)]
    [InlineData(7, 42)]
    public void SpacedStepsAreThatManyFromTheTopWithStrideTOverCount(int count, int stride)
    {
        var schedule = NoiseSchedule.Linear(300, 1e-4, 0.02);
        var ts = Timesteps.Spaced(schedule, count);
        Assert.Equal(count, ts.Length);
        Assert.Equal(299, ts[0]);
        Assert.All(ts.Zip(ts.Skip(1)), p => Assert.Equal(stride, p.First - p.Second));
    }

    [Fact]
    public void SpacedStepsOfTAreFullSamplingAndOutsideOneToTAreRefused()
    {
        var schedule = NoiseSchedule.Linear(300, 1e-4, 0.02);
        Assert.Equal(Timesteps.Full(schedule), Timesteps.Spaced(schedule, 300));
        foreach (var bad in new[] { 0, 301 })
            Assert.Equal("count", Assert.Throws<ArgumentOutOfRangeException>(() => Timesteps.Spaced(schedule, bad)).ParamName);
    }

    [Theory]
    [InlineData(1, 1000, 999)]
    [InlineData(7, 143, 994)]
    [InlineData(1000, 1, 0)]
    public void AnyStrideEndsAtZero(int stride, int count, int first)
    {
        var ts = Timesteps.Strided(1000, stride);
        Assert.Equal(count, ts.Length);
        Assert.Equal(first, ts[0]);
        Assert.Equal(0, ts[^1]);
        Assert.All(ts.Zip(ts.Skip(1)), p => Assert.Equal(stride, p.First - p.Second));
    }

    [Fact]
    public void FullListIsEveryIndex()
    {
        var ts = Timesteps.Full(NoiseSchedule.Linear());
        Assert.Equal(Enumerable.Range(0, 300).Reverse(), ts);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-30)]
    public void NonPositiveStrideIsRejected(int stride)
    {
        var e = Assert.Throws<ArgumentException>(() => Timesteps.Strided(1000, stride));
        Assert.Equal("stride", e.ParamName);
        Assert.Contains("positive", e.Message);
    }

    [Fact]
    public void EmptyOrBadListsAreRejected()
    {
        var schedule = NoiseSchedule.Cosine();
        var empty = Assert.Throws<ArgumentException>(() => Timesteps.Validate(schedule, []));
        Assert.Contains("empty", empty.Message);
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => Timesteps.Validate(schedule, [1000, 500]));
        Assert.Contains("from 0 to 999 (or -1 last, the clean image), got 1000", outside.Message);
        var rising = Assert.Throws<ArgumentException>(() => Timesteps.Validate(schedule, [500, 600]));
        Assert.Contains("decrease", rising.Message);
        Timesteps.Validate(schedule, [500, 0, -1]);   // a final -1 (clean image) is allowed
    }

    [Fact]
    public void AlphaBarsLooksUpEveryIndexOfABatchAndTheCleanImage()
    {
        var schedule = NoiseSchedule.Linear();
        using var indices = TorchSharp.torch.tensor(new long[] { -1, 0, 150, 299, 7, 7 }).view(2, 3);

        using var abar = schedule.AlphaBars(indices);

        Assert.Equal(new long[] { 2, 3 }, abar.shape);
        var got = abar.flatten().data<float>().ToArray();
        var expected = new[] { -1, 0, 150, 299, 7, 7 }.Select(i => (float)schedule.AlphaBar(i)).ToArray();
        Assert.Equal(expected, got);
        // Again inside a scope that ends, then after it: nothing the first call made may be disposed under the second.
        using (TorchSharp.torch.NewDisposeScope()) schedule.AlphaBars(indices);
        using var again = schedule.AlphaBars(indices);
        Assert.Equal(expected, again.flatten().data<float>().ToArray());
        Assert.Equal("indices", Assert.Throws<ArgumentOutOfRangeException>(() => schedule.AlphaBars(TorchSharp.torch.tensor(new long[] { 300 }))).ParamName);
        Assert.Equal("indices", Assert.Throws<ArgumentException>(() => schedule.AlphaBars(TorchSharp.torch.tensor(new float[] { 3 }))).ParamName);
    }
}

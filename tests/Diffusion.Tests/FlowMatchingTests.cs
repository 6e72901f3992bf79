using Diffusion.FlowMatching;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// Known answers for flow matching. Data x_1 ~ N(mu, s^2 I), noise x_0 ~ N(0, I): the optimal velocity is
/// u*(x, t) = mu + k(t) (x - t mu) with k(t) = (t s^2 - (1 - t)) / ((1 - t)^2 + t^2 s^2), linear in x, so an Euler
/// step x' = x + dt u*(x, t) is x' = a x + b, and N Euler steps map each pixel of x_0 to A x_0 + B exactly
/// (the recursion below, in double precision, written from the formula and independent of the tensor code).
/// One step lands every sample on mu (k(0) = -1 cancels x_0); many steps approach the exact flow's end, mu + s x_0.
/// </summary>
public sealed class FlowMatchingTests : IDisposable
{
    const double Mu = 0.4, S = 0.3;
    readonly string _folder = Path.Combine(Path.GetTempPath(), "diffusion-fm-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, true);
    }

    static double K(double t, double s) => (t * s * s - (1 - t)) / ((1 - t) * (1 - t) + t * t * s * s);

    /// <summary>Euler over <paramref name="steps"/> steps of u* as x_1 = A x_0 + B.</summary>
    static (double A, double B) EulerMap(int steps, double mu, double s)
    {
        double a = 1, b = 0, dt = 1.0 / steps;
        for (int i = 0; i < steps; i++)
        {
            double t = i * dt, k = K(t, s);
            // x' = x + dt (mu + k (x - t mu)) = (1 + dt k) x + dt mu (1 - k t)
            double slope = 1 + dt * k, offset = dt * mu * (1 - k * t);
            a = slope * a;
            b = slope * b + offset;
        }
        return (a, b);
    }

    [Fact]
    public void ThePathStartsAtTheNoiseEndsAtTheDataAndMovesAtItsVelocity()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var noise = randn(3, 1, 4, 4);
        var data = rand(3, 1, 4, 4);
        Assert.True(SamplingTestKit.MaxAbsDiff(FlowPath.Interpolate(noise, data, 0.0), noise) == 0, "x_t at t = 0 differs from the noise x_0");
        Assert.True(SamplingTestKit.MaxAbsDiff(FlowPath.Interpolate(noise, data, 1.0), data) < 1e-7, "x_t at t = 1 differs from the data x_1");
        // The path is linear, so (x_{t+h} - x_t) / h is its velocity for any h.
        var step = (FlowPath.Interpolate(noise, data, 0.75) - FlowPath.Interpolate(noise, data, 0.25)) / 0.5;
        double off = SamplingTestKit.MaxAbsDiff(step, FlowPath.Velocity(noise, data));
        Assert.True(off < 1e-5, $"the path's difference quotient differs from x_1 - x_0 by {off}");
        // Per-image times broadcast: row i at times[i].
        var times = tensor(new float[] { 0, 0.5f, 1 });
        var each = FlowPath.Interpolate(noise, data, times);
        for (int i = 0; i < 3; i++)
        {
            double d = SamplingTestKit.MaxAbsDiff(each[i], FlowPath.Interpolate(noise[i], data[i], new[] { 0.0, 0.5, 1.0 }[i]));
            Assert.True(d < 1e-6, $"image {i} with its own time differs from the scalar form by {d}");
        }
    }

    [Fact]
    public void TheGaussianVelocityIsTheDerivativeOfTheExactFlow()
    {
        // Exact flow x_t = t mu + sqrt(V(t)) x_0; a central difference of it must match u*(x_t, t).
        using var scope = NewDisposeScope();
        var field = new GaussianDataVelocity(Mu, S, 1, 8, 8);
        manual_seed(2);
        var x0 = randn(4, 1, 8, 8, dtype: ScalarType.Float64);
        Tensor Flow(double t) => t * Mu + Math.Sqrt((1 - t) * (1 - t) + t * t * S * S) * x0;
        foreach (var t in new[] { 0.1, 0.5, 0.9 })
        {
            const double h = 1e-5;
            var derivative = (Flow(t + h) - Flow(t - h)) / (2 * h);
            double off = SamplingTestKit.MaxAbsDiff(field.Predict(Flow(t), t, Conditioning.Null), derivative);
            Assert.True(off < 1e-6, $"at t = {t} the closed-form velocity differs from the flow's derivative by {off}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(10)]
    [InlineData(300)]
    public void EulerOnTheGaussianFieldIsTheKnownLinearMap(int steps)
    {
        using var scope = NewDisposeScope();
        var field = new GaussianDataVelocity(Mu, S, 1, 6, 6);
        manual_seed(3);
        var x0 = randn(5, 1, 6, 6, dtype: ScalarType.Float64);
        using var result = EulerSampler.Integrate(field.Unconditional(), x0, steps);
        var (a, b) = EulerMap(steps, Mu, S);
        double off = SamplingTestKit.MaxAbsDiff(result.Image, a * x0 + b);
        Assert.True(off < 1e-9, $"{steps} Euler steps differ from x_1 = {a:F6} x_0 + {b:F6} by {off}");
        var library = field.EulerMap(steps);
        Assert.True(Math.Abs(library.Slope - a) < 1e-12 && Math.Abs(library.Offset - b) < 1e-12,
            $"GaussianDataVelocity.EulerMap({steps}) = ({library.Slope}, {library.Offset}), the recursion gives ({a}, {b})");
        if (steps == 1) Assert.True(Math.Abs(a) < 1e-12 && Math.Abs(b - Mu) < 1e-12, $"one step should land on mu = {Mu}, got {a} x_0 + {b}");
    }

    [Fact]
    public void ManyEulerStepsReachTheExactFlowsEnd()
    {
        using var scope = NewDisposeScope();
        var field = new GaussianDataVelocity(Mu, S, 1, 6, 6);
        manual_seed(4);
        var x0 = randn(5, 1, 6, 6, dtype: ScalarType.Float64);
        using var coarse = EulerSampler.Integrate(field.Unconditional(), x0, 30);
        using var fine = EulerSampler.Integrate(field.Unconditional(), x0, 3000);
        var exact = field.ExactEndpoint(x0, Conditioning.Null);
        double coarseError = SamplingTestKit.MaxAbsDiff(coarse.Image, exact), fineError = SamplingTestKit.MaxAbsDiff(fine.Image, exact);
        // Euler is first order: 100 times the steps, about a hundredth of the error.
        Assert.True(fineError < 2e-3, $"3000 steps end {fineError} from mu + s x_0");
        Assert.True(fineError < coarseError / 30, $"3000 steps ({fineError}) are not much closer than 30 ({coarseError})");
    }

    [Fact]
    public void GuidanceCombinesTheConditionalAndTheNullVelocity()
    {
        using var scope = NewDisposeScope();
        var means = new[] { 0.1, 0.9 };
        var field = new GaussianDataVelocity(0.5, S, 1, 4, 4, means);
        manual_seed(5);
        var x = randn(2, 1, 4, 4);
        var conditioning = Conditioning.Classes(0, 1);
        var conditional = field.Predict(x, 0.3, conditioning);
        var unconditional = field.Predict(x, 0.3, Conditioning.Null);
        foreach (var gamma in new[] { 0.0, 1.0, 5.0 })
        {
            var guided = field.Guided(conditioning, gamma).Estimate(x, 0.3);
            double off = SamplingTestKit.MaxAbsDiff(guided, unconditional + gamma * (conditional - unconditional));
            Assert.True(off < 1e-6, $"gamma {gamma}: guided velocity differs from u_u + gamma (u_c - u_u) by {off}");
        }
        // Guidance 1 on the class field lands each class on its own mean after one step.
        using var one = EulerSampler.Integrate(field.Guided(conditioning, 1), x, 1);
        Assert.True(Math.Abs(SamplingTestKit.Mean(one.Image[0]) - 0.1) < 1e-6 && Math.Abs(SamplingTestKit.Mean(one.Image[1]) - 0.9) < 1e-6,
            $"one guided step should land class 0 on 0.1 and class 1 on 0.9, got {SamplingTestKit.Mean(one.Image[0])} and {SamplingTestKit.Mean(one.Image[1])}");
    }

    [Fact]
    public void TheObjectiveRegressesTheVelocityOfTheSameDraws()
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        using var net = new DigitUNet(DigitUNetKind.ClassConditioned, 4);
        net.eval();
        var images = rand(5, 1, 28, 28);
        var labels = tensor(new long[] { 0, 1, 2, 3, 4 });
        var objective = new FlowMatchingObjective(0.5);
        double loss;
        using (var g = new Generator(9)) loss = objective.Loss(net, images, labels, g).item<float>();
        // The same draws, in the objective's order: noise, t, the keep mask.
        using var again = new Generator(9);
        var noise = randn(images.shape, generator: again);
        var t = rand([5], generator: again);
        var keep = (rand([5, 1], generator: again) >= 0.5).to(ScalarType.Float32);
        var xt = (1 - t.view(5, 1, 1, 1)) * noise + t.view(5, 1, 1, 1) * images;
        var c = nn.functional.one_hot(labels, 10).to(ScalarType.Float32) * keep;
        double expected = nn.functional.mse_loss(net.forward(xt, t, c), images - noise).item<float>();
        Assert.True(Math.Abs(loss - expected) < 1e-5 * Math.Max(1, expected), $"objective loss {loss}, ||u(x_t, t, c) - (x_1 - x_0)||^2 = {expected}");
    }

    [Fact]
    public void TheDigitFieldsPairedPassEqualsTwoSinglePasses()
    {
        // Guidance encodes x_t once and decodes both conditionings together; that must not change the numbers.
        using var scope = NewDisposeScope();
        manual_seed(8);
        using var field = new DigitVelocityField(new DigitUNet(DigitUNetKind.ClassConditioned, 4));
        var x = randn(3, 1, 28, 28);
        var classes = Conditioning.Classes(2, 5, 7);
        var (conditional, unconditional) = field.PredictPair(x, 0.4, classes, Conditioning.Null);
        double c = SamplingTestKit.MaxAbsDiff(conditional, field.Predict(x, 0.4, classes));
        double u = SamplingTestKit.MaxAbsDiff(unconditional, field.Predict(x, 0.4, Conditioning.Null));
        Assert.True(c < 1e-4 && u < 1e-4, $"the paired pass differs from single passes by {c} (classes) and {u} (null)");
        var rejected = Assert.Throws<ArgumentException>(() => field.Predict(x, 0.4, Conditioning.Classes(2, 5, 11)));
        Assert.Contains("got 11", rejected.Message);
    }

    [Fact]
    public void BadInputIsRefusedByName()
    {
        using var scope = NewDisposeScope();
        var field = new GaussianDataVelocity(Mu, S, 1, 4, 4);
        var x = zeros(1, 1, 4, 4);
        var late = Assert.Throws<ArgumentOutOfRangeException>(() => field.Predict(x, 1.5, Conditioning.Null));
        Assert.Equal("t", late.ParamName);
        Assert.Contains("[0, 1]", late.Message);
        Assert.Contains("1.5", late.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => field.Predict(x, double.NaN, Conditioning.Null));
        var steps = Assert.Throws<ArgumentOutOfRangeException>(() => EulerSampler.Integrate(field.Unconditional(), x, 0));
        Assert.Equal("steps", steps.ParamName);
        Assert.Contains("got 0", steps.Message);
        var times = Assert.Throws<ArgumentOutOfRangeException>(() => FlowPath.Interpolate(x, x, tensor(new float[] { -0.5f })));
        Assert.Contains("-0.5", times.Message);
        var classes = new GaussianDataVelocity(Mu, S, 1, 4, 4, [0.1, 0.2]);
        var gamma = Assert.Throws<ArgumentException>(() => classes.Guided(Conditioning.Class(1), double.PositiveInfinity));
        Assert.Equal("gamma", gamma.ParamName);
        Assert.Contains("finite", gamma.Message);
        using var unet = new DigitUNet(DigitUNetKind.ClassConditioned, 4);
        using var digits = new DigitVelocityField(unet);
        var guidance = Assert.Throws<ArgumentException>(() => DigitFlowSampling.Sample(digits, 0, [1], gamma: double.NaN));
        Assert.Equal("gamma", guidance.ParamName);
        var none = Assert.Throws<ArgumentOutOfRangeException>(() => DigitFlowSampling.Sample(digits, 0, [1], steps: 0));
        Assert.Equal("steps", none.ParamName);
    }

    [Fact]
    public void FlowAndDdpmCheckpointsRefuseEachOther()
    {
        var settings = new TrainingSettings(1, 8, 1e-3, null, 0, [1], MaxStepsPerEpoch: 1);
        var flow = DigitRecipe.Course(DigitModelKind.FlowClass) with { Hidden = 4, Settings = settings };
        var ddpm = DigitRecipe.Course(DigitModelKind.Class) with { Hidden = 4, Settings = settings };
        using var images = rand(8, 1, 28, 28);
        using var labels = randint(0, 10, [8], dtype: ScalarType.Int64);
        foreach (var (recipe, name) in new[] { (flow, "flow"), (ddpm, "ddpm") })
        {
            using var net = new DigitUNet(recipe.UNetKind, recipe.Hidden);
            new Trainer<DigitUNet>(Path.Combine(_folder, name), recipe.Architecture, settings)
                .Train(net, DigitTraining.Objective(recipe), images, labels);
        }
        var asFlow = Assert.Throws<InvalidDataException>(() => ShippedModels.LoadUNet(flow, 1, Path.Combine(_folder, "ddpm")));
        Assert.Contains("holds a DDPM noise-predicting model (ClassConditioned(D=4))", asFlow.Message);
        Assert.Contains("flow-matching velocity model was expected (FlowMatchingClassConditioned(D=4))", asFlow.Message);
        var asDdpm = Assert.Throws<InvalidDataException>(() => ShippedModels.LoadUNet(ddpm, 1, Path.Combine(_folder, "flow")));
        Assert.Contains("holds a flow-matching velocity model (FlowMatchingClassConditioned(D=4))", asDdpm.Message);
        Assert.Contains("DDPM noise-predicting model was expected (ClassConditioned(D=4))", asDdpm.Message);
        using var loaded = ShippedModels.LoadUNet(flow, 1, Path.Combine(_folder, "flow"));
        Assert.Equal(DigitUNetKind.ClassConditioned, loaded.Kind);
        var wrongKind = Assert.Throws<ArgumentException>(() => ShippedModels.LoadNoisePredictor(DigitModelKind.FlowClass, 1));
        Assert.Equal("kind", wrongKind.ParamName);
        Assert.Contains("LoadVelocityField", wrongKind.Message);
        var wrongBack = Assert.Throws<ArgumentException>(() => ShippedModels.LoadVelocityField(DigitModelKind.Class, 1));
        Assert.Contains("LoadNoisePredictor", wrongBack.Message);
    }

    [Fact]
    public void ThePureNoiseObjectiveFeedsNoiseAndScoresAgainstTheDigits()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        using var net = new DigitUNet(DigitUNetKind.Unconditional, 4);
        net.eval();
        var images = rand(6, 1, 28, 28);
        double loss;
        using (var g = new Generator(3)) loss = new PureNoiseObjective().Loss(net, images, zeros(6, dtype: ScalarType.Int64), g).item<float>();
        using var again = new Generator(3);
        var z = randn(images.shape, generator: again);
        double expected = nn.functional.mse_loss(net.forward(z), images).item<float>();
        Assert.True(Math.Abs(loss - expected) < 1e-5 * Math.Max(1, expected), $"pure-noise loss {loss}, ||D(z) - x||^2 with z ~ N(0, I) = {expected}");
    }
}

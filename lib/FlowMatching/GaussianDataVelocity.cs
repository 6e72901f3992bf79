using Diffusion.Sampling;
using static TorchSharp.torch;

namespace Diffusion.FlowMatching;

/// <summary>
/// A test double with a known answer: the optimal velocity field for Gaussian data x_1 ~ N(mu, s^2 I) and noise
/// x_0 ~ N(0, I) on the path x_t = (1 - t) x_0 + t x_1. Per pixel x_t and x_1 - x_0 are jointly Gaussian with
/// E[x_t] = t mu, V(t) = Var[x_t] = (1 - t)^2 + t^2 s^2 and Cov[x_1 - x_0, x_t] = t s^2 - (1 - t), so
/// u*(x, t) = E[x_1 - x_0 | x_t = x] = mu + (t s^2 - (1 - t)) (x - t mu) / V(t).
/// Its exact flow from x_0 is x_t = t mu + sqrt(V(t)) x_0, which reaches x_1 = mu + s x_0 at t = 1
/// (<see cref="ExactEndpoint"/>): Euler with many steps must land there. Optionally class-conditioned (class k has
/// mean classMeans[k]; the null class uses <see cref="Mean"/>).
/// </summary>
public sealed class GaussianDataVelocity : IVelocityField
{
    readonly double[]? _classMeans;

    public GaussianDataVelocity(double mean, double std, int channels = 1, int height = 1, int width = 1, double[]? classMeans = null)
    {
        if (!double.IsFinite(mean)) throw new ArgumentException($"mean must be a finite number, got {mean}.", nameof(mean));
        if (!(std > 0) || !double.IsFinite(std)) throw new ArgumentException($"std must be a positive finite number, got {std}.", nameof(std));
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentException($"image size must be positive, got {channels}x{height}x{width}.", nameof(channels));
        Mean = mean; Std = std; Channels = channels; Height = height; Width = width;
        _classMeans = classMeans?.ToArray();
    }

    public double Mean { get; }
    public double Std { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public ConditioningKinds Accepts => _classMeans is null ? ConditioningKinds.Null : ConditioningKinds.Null | ConditioningKinds.Class;

    public string? Reject(Conditioning conditioning)
    {
        if ((Accepts & conditioning.Kind) == 0) return $"this model accepts {Accepts} conditionings, got {conditioning}.";
        if (conditioning.Kind == ConditioningKinds.Class)
            foreach (var label in conditioning.Labels!)
                if (label < 0 || label >= _classMeans!.Length)
                    return $"class labels must be from 0 to {_classMeans!.Length - 1} for this model, got {label}.";
        return null;
    }

    /// <summary>u*(x_t, t) in double precision, returned in x_t's dtype.</summary>
    public Tensor Predict(Tensor xt, double t, Conditioning conditioning)
    {
        FlowPath.CheckTime(t);
        if (Reject(conditioning) is { } why) throw new ArgumentException(why, nameof(conditioning));
        var s = xt.shape;
        if (s.Length != 4 || s[1] != Channels || s[2] != Height || s[3] != Width)
            throw new ArgumentException($"xt must be Nx{Channels}x{Height}x{Width} for this model, got {Shapes.Format(s)}.", nameof(xt));
        using var scope = NewDisposeScope();
        var mu = Means(conditioning, (int)s[0], xt.device);
        double v = (1 - t) * (1 - t) + t * t * Std * Std;
        var u = mu + (t * Std * Std - (1 - t)) / v * (xt.to(ScalarType.Float64) - t * mu);
        return u.to(xt.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Where the exact flow from <paramref name="x0"/> ends: mu + s x_0 (what Euler converges to as steps grow).</summary>
    public Tensor ExactEndpoint(Tensor x0, Conditioning conditioning)
    {
        using var scope = NewDisposeScope();
        var mu = Means(conditioning, (int)x0.shape[0], x0.device);
        return (mu + Std * x0.to(ScalarType.Float64)).to(x0.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Euler over <paramref name="steps"/> steps of u* maps every pixel linearly, x_1 = Slope x_0 + Offset (mu the
    /// mean of the conditioning): each step is x' = (1 + dt k) x + dt mu (1 - k t), k(t) = (t s^2 - (1 - t)) / V(t).
    /// So a correct Euler sampler's output from N(0, I) has mean Offset and standard deviation |Slope| exactly; one step
    /// gives Slope 0 and Offset mu.
    /// </summary>
    public (double Slope, double Offset) EulerMap(int steps, double? mean = null)
    {
        EulerSampler.CheckSteps(steps);
        double mu = mean ?? Mean, s2 = Std * Std, a = 1, b = 0, dt = 1.0 / steps;
        for (int i = 0; i < steps; i++)
        {
            double t = i * dt, k = (t * s2 - (1 - t)) / ((1 - t) * (1 - t) + t * t * s2);
            double slope = 1 + dt * k;
            a *= slope;
            b = slope * b + dt * mu * (1 - k * t);
        }
        return (a, b);
    }

    Tensor Means(Conditioning conditioning, int n, Device device) =>
        conditioning.Kind == ConditioningKinds.Class
            ? tensor(conditioning.LabelsFor(n).Select(k => _classMeans![k]).ToArray(), dtype: ScalarType.Float64, device: device).view(n, 1, 1, 1)
            : full(new long[] { n, 1, 1, 1 }, Mean, dtype: ScalarType.Float64, device: device);
}

using Diffusion.Schedules;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// A test double with a known answer: the optimal noise predictor for Gaussian data x0 ~ N(mu, s^2 I).
/// With x_t = sqrt(abar) x0 + sqrt(1 - abar) eps (A.2), E[eps | x_t] = sqrt(1 - abar) (x_t - sqrt(abar) mu) / (abar s^2 + 1 - abar).
/// Optionally class-conditioned (class k has mean <c>classMeans[k]</c>; the null conditioning uses <c>mean</c>)
/// and with a constant variance output v in [-1, 1] (to exercise learned-range variance).
/// It acts on every pixel alone, so it commutes with flips, rotations and pixel permutations.
/// </summary>
public sealed class GaussianDataPredictor : INoisePredictor
{
    readonly double[]? _classMeans;

    public GaussianDataPredictor(NoiseSchedule schedule, double mean, double std, int channels = 1, int height = 1, int width = 1,
        double[]? classMeans = null, double? varianceOutput = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (!(std > 0) || !double.IsFinite(std)) throw new ArgumentException($"std must be a positive finite number, got {std}.", nameof(std));
        if (channels < 1 || height < 1 || width < 1)
            throw new ArgumentException($"image size must be positive, got {channels}x{height}x{width}.", nameof(channels));
        if (varianceOutput is { } v && !(v >= -1 && v <= 1))
            throw new ArgumentException($"varianceOutput must lie in [-1, 1], got {v}.", nameof(varianceOutput));
        Schedule = schedule; Mean = mean; Std = std;
        Channels = channels; Height = height; Width = width;
        _classMeans = classMeans?.ToArray();
        VarianceOutput = varianceOutput;
    }

    public NoiseSchedule Schedule { get; }
    public double Mean { get; }
    public double Std { get; }
    public double? VarianceOutput { get; }
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

    /// <summary>Predicted noise for one class (or the null conditioning), computed in double precision.</summary>
    public NoisePrediction Predict(Tensor xt, int t, Conditioning conditioning)
    {
        Shapes.CheckBatch(this, xt, nameof(xt));
        Schedule.CheckIndex(t);
        if (Reject(conditioning) is { } why) throw new ArgumentException(why, nameof(conditioning));
        int n = (int)xt.shape[0];
        double abar = Schedule.AlphaBar(t);
        using var scope = NewDisposeScope();
        var mu = conditioning.Kind == ConditioningKinds.Class
            ? tensor(conditioning.LabelsFor(n).Select(k => _classMeans![k]).ToArray(), dtype: ScalarType.Float64, device: xt.device).view(n, 1, 1, 1)
            : full(new long[] { n, 1, 1, 1 }, Mean, dtype: ScalarType.Float64, device: xt.device);
        var x = xt.to(ScalarType.Float64);
        var eps = Math.Sqrt(1 - abar) * (x - Math.Sqrt(abar) * mu) / (abar * Std * Std + 1 - abar);
        var variance = VarianceOutput is { } v ? full_like(xt, v) : null;
        return new NoisePrediction(eps.to(xt.dtype), variance).MoveToOuterDisposeScope();
    }
}

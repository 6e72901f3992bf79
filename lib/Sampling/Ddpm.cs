using Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>Which fixed variance a step adds when the model gives no variance output (or it is not used).</summary>
public enum FixedVariance
{
    /// <summary>beta_tilde = (1 - abar_t') / (1 - abar_t) beta: the posterior variance (default).</summary>
    BetaTilde,
    /// <summary>beta = 1 - abar_t / abar_t': part B's sqrt(beta_t) z (B.2).</summary>
    Beta,
}

/// <summary>How a step adds noise (the course's add_variance).</summary>
public sealed record StepVariance
{
    /// <summary>False: the step returns its mean (deterministic).</summary>
    public bool Add { get; init; } = true;
    /// <summary>Use the model's learned-range variance output when the prediction has one.</summary>
    public bool UseModelVariance { get; init; } = true;
    /// <summary>The variance used when there is no (used) model variance.</summary>
    public FixedVariance Fixed { get; init; } = FixedVariance.BetaTilde;

    public static StepVariance Default { get; } = new();
    public static StepVariance None { get; } = new() { Add = false };
}

/// <summary>
/// The DDPM formulas of the course (<see href="https://arxiv.org/abs/2006.11239">Ho et al. 2020, DDPM</see>), each once: the forward process (A.2, the paper's eq. 4), the
/// one-step estimate of the clean image (1.3, eq. 15), and the (strided) reverse step (A.3, with add_variance; B.2 when
/// the stride is 1), a draw from the posterior of eqs. 6-7.
/// Schedule indices follow <see cref="NoiseSchedule"/>: t in 0 .. T-1, and -1 is the clean image.
/// </summary>
public static class Ddpm
{
    /// <summary>A.2 (DDPM eq. 4): x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps.</summary>
    public static Tensor Forward(NoiseSchedule schedule, Tensor x0, int t, Tensor noise)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        schedule.CheckIndex(t);
        if (!x0.shape.SequenceEqual(noise.shape))
            throw new ArgumentException($"noise must have the image's shape {Shapes.Format(x0.shape)}, got {Shapes.Format(noise.shape)}.", nameof(noise));
        double abar = schedule.AlphaBar(t);
        using var scope = NewDisposeScope();
        return (Math.Sqrt(abar) * x0 + Math.Sqrt(1 - abar) * noise).MoveToOuterDisposeScope();
    }

    /// <summary>A.2 with fresh noise eps ~ N(0, I) drawn from <paramref name="generator"/>.</summary>
    public static Tensor Forward(NoiseSchedule schedule, Tensor x0, int t, Generator generator)
    {
        schedule.CheckIndex(t);
        using var scope = NewDisposeScope();
        return Forward(schedule, x0, t, Noise.Like(x0, generator)).MoveToOuterDisposeScope();
    }

    /// <summary>1.3 (DDPM eq. 15): x0_hat = (x_t - sqrt(1 - abar_t) eps_hat) / sqrt(abar_t).</summary>
    public static Tensor EstimateX0(NoiseSchedule schedule, Tensor xt, int t, Tensor noise)
    {
        schedule.CheckIndex(t);
        double abar = schedule.AlphaBar(t);
        using var scope = NewDisposeScope();
        return ((xt - Math.Sqrt(1 - abar) * noise) / Math.Sqrt(abar)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One reverse step from index <paramref name="t"/> to the smaller index <paramref name="tNext"/> (A.3):
    /// 1. alpha = abar_t / abar_t', beta = 1 - alpha (<see cref="NoiseSchedule.Step"/>);
    /// 2. x0_hat from the predicted noise (1.3);
    /// 3. mean = sqrt(abar_t') beta / (1 - abar_t) x0_hat + sqrt(alpha) (1 - abar_t') / (1 - abar_t) x_t, the posterior
    ///    mean of DDPM eq. 7 between the indices t and t' (for a stride above 1, the respaced sampling of
    ///    <see href="https://arxiv.org/abs/2010.02502">Song et al. 2021, DDIM</see>, section 4.2, with its eta = 1);
    /// 4. add_variance: sigma z with log sigma^2 = frac log beta + (1 - frac) log beta_tilde, frac = (v + 1) / 2
    ///    (<see href="https://arxiv.org/abs/2102.09672">Nichol and Dhariwal 2021, Improved DDPM</see>, eq. 15),
    ///    when the prediction has a variance output v, else sigma^2 = beta_tilde (or beta). No noise is added
    ///    on the step to the clean image (tNext = -1), as B.2's z = 0 at t = 1.
    /// With tNext = t - 1 the mean is part B's update (B.2, DDPM's Algorithm 2).
    /// </summary>
    public static Tensor Step(NoiseSchedule schedule, Tensor xt, int t, int tNext, NoisePrediction prediction,
        StepVariance? variance = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(prediction);
        schedule.CheckIndex(t);
        if (tNext >= t || tNext < -1)
            throw new ArgumentException($"tNext must be a smaller schedule index than t = {t} (or -1, the clean image), got {tNext}.", nameof(tNext));
        variance ??= StepVariance.Default;

        using var scope = NewDisposeScope();
        var c = schedule.Step(t, tNext);                                            // 1.
        var x0Hat = EstimateX0(schedule, xt, t, prediction.Noise);                  // 2.
        var next = c.X0Coefficient * x0Hat + c.XtCoefficient * xt;                  // 3.
        if (variance.Add && tNext >= 0)                                             // 4.
        {
            if (generator is null)
                throw new ArgumentException("a generator is needed to add variance (or pass StepVariance.None).", nameof(generator));
            var z = Noise.Like(xt, generator);
            if (variance.UseModelVariance && prediction.Variance is { } v)
            {
                var frac = (v + 1) / 2;
                var logVar = frac * Math.Log(c.Beta) + (1 - frac) * Math.Log(c.BetaTilde);
                next = next + (0.5 * logVar).exp() * z;
            }
            else
            {
                double var = variance.Fixed == FixedVariance.Beta ? c.Beta : c.BetaTilde;
                next = next + Math.Sqrt(var) * z;
            }
        }
        return next.MoveToOuterDisposeScope();
    }
}

/// <summary>Standard normal noise drawn from a seeded generator (on the CPU, so a seed gives the same pixels on every device).</summary>
public static class Noise
{
    public static Tensor Like(Tensor x, Generator generator) => Randn(x.shape, generator, x.dtype, x.device);

    public static Tensor Randn(long[] shape, Generator generator, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        var z = randn(shape, dtype: dtype, generator: generator);
        if (device is null || device.type == DeviceType.CPU) return z;
        using (z) return z.to(device);
    }
}

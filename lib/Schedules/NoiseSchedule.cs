using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Schedules;

/// <summary>
/// A discrete noise schedule: beta, alpha = 1 - beta and abar (cumulative product of alpha) for the
/// schedule indices i = 0 .. T-1, computed once in double precision.
/// Index convention: part A (DeepFloyd IF) calls index i "t" directly (t = 0 .. 999, strided 990, 960, ..., 0);
/// part B numbers its steps t = 1 .. T with betas[t - 1], so its t is index t - 1.
/// Index -1 stands for the clean image: <see cref="AlphaBar"/>(-1) = 1 (part B's abar_0 = 1).
/// </summary>
public sealed class NoiseSchedule
{
    readonly double[] _betas;
    readonly double[] _alphaBars;

    public string Name { get; }
    public int Steps => _betas.Length;

    public NoiseSchedule(string name, double[] betas)
    {
        if (betas is null || betas.Length == 0)
            throw new ArgumentException("betas must hold at least one value.", nameof(betas));
        for (int i = 0; i < betas.Length; i++)
            if (!(betas[i] > 0 && betas[i] < 1))
                throw new ArgumentException($"betas[{i}] must lie strictly between 0 and 1, got {betas[i]}.", nameof(betas));
        Name = name;
        _betas = (double[])betas.Clone();
        _alphaBars = new double[betas.Length];
        double product = 1;
        for (int i = 0; i < betas.Length; i++) _alphaBars[i] = product *= 1 - betas[i];
    }

    /// <summary>Part B (spec 2.2): T = 300, betas = linspace(1e-4, 0.02, T).</summary>
    public static NoiseSchedule Linear(int steps = 300, double betaStart = 1e-4, double betaEnd = 0.02)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 2.");
        var betas = new double[steps];
        for (int i = 0; i < steps; i++) betas[i] = betaStart + (betaEnd - betaStart) * i / (steps - 1);
        return new NoiseSchedule($"linear({steps}, {betaStart}, {betaEnd})", betas);
    }

    /// <summary>
    /// DeepFloyd IF's "squaredcos_cap_v2" (<see href="https://arxiv.org/abs/2102.09672">Nichol and Dhariwal 2021,
    /// Improved DDPM</see>, eq. 17): f(s) = cos^2(((s + 0.008) / 1.008) pi / 2),
    /// beta_i = min(1 - f((i + 1) / T) / f(i / T), 0.999).
    /// </summary>
    public static NoiseSchedule Cosine(int steps = 1000)
    {
        if (steps < 2) throw new ArgumentOutOfRangeException(nameof(steps), steps, "steps must be at least 2.");
        static double F(double s) { double c = Math.Cos((s + 0.008) / 1.008 * Math.PI / 2); return c * c; }
        var betas = new double[steps];
        for (int i = 0; i < steps; i++) betas[i] = Math.Min(1 - F((i + 1.0) / steps) / F((double)i / steps), 0.999);
        return new NoiseSchedule($"cosine({steps})", betas);
    }

    public double Beta(int i) => _betas[Check(i)];
    public double Alpha(int i) => 1 - _betas[Check(i)];

    /// <summary>abar_i; index -1 (the clean image) gives 1.</summary>
    public double AlphaBar(int i) => i == -1 ? 1.0 : _alphaBars[Check(i)];

    /// <summary>
    /// abar at every schedule index in <paramref name="indices"/> (int64, any shape; -1 gives 1), as float32 of the
    /// same shape on the same device: a batch's coefficients in one lookup (lucidrains' "extract").
    /// </summary>
    public Tensor AlphaBars(Tensor indices)
    {
        ArgumentNullException.ThrowIfNull(indices);
        if (indices.dtype != ScalarType.Int64)
            throw new ArgumentException($"indices must be int64 schedule indices, got {indices.dtype}.", nameof(indices));
        if (indices.numel() > 0)
        {
            long min = indices.min().item<long>(), max = indices.max().item<long>();
            if (min < -1 || max >= Steps)
                throw new ArgumentOutOfRangeException(nameof(indices), $"schedule indices must lie in -1 .. {Steps - 1} (-1 = the clean image), got {min} .. {max}.");
        }
        // The table is made afresh each call (T + 1 floats): a cached tensor would die with whichever dispose scope made it.
        using var scope = NewDisposeScope();
        var table = tensor(_alphaBars.Prepend(1.0).Select(a => (float)a).ToArray()).to(indices.device);
        return table.index_select(0, (indices + 1).flatten()).view(indices.shape).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The coefficients of one (possibly strided) step from index <paramref name="t"/> to a smaller index
    /// <paramref name="tNext"/> (-1 = the clean image), spec A.3: alpha = abar_t / abar_t', beta = 1 - alpha,
    /// x_t' = sqrt(abar_t') beta / (1 - abar_t) x0_hat + sqrt(alpha) (1 - abar_t') / (1 - abar_t) x_t + sigma z,
    /// beta_tilde = max((1 - abar_t') / (1 - abar_t) beta, 1e-20). With tNext = t - 1 this is part B's update (B.2).
    /// </summary>
    public StepCoefficients Step(int t, int tNext)
    {
        Check(t);
        if (tNext >= t || tNext < -1)
            throw new ArgumentOutOfRangeException(nameof(tNext), tNext, $"the next index must lie between -1 (clean image) and t - 1 = {t - 1}, got {tNext}.");
        double abarT = AlphaBar(t), abarNext = AlphaBar(tNext);
        double alpha = abarT / abarNext;                                     // A.3
        double beta = 1 - alpha;
        double betaTilde = Math.Max((1 - abarNext) / (1 - abarT) * beta, 1e-20);
        return new StepCoefficients(t, tNext, abarT, abarNext, alpha, beta, betaTilde,
            X0Coefficient: Math.Sqrt(abarNext) * beta / (1 - abarT),
            XtCoefficient: Math.Sqrt(alpha) * (1 - abarNext) / (1 - abarT));
    }

    int Check(int i) => CheckIndex(i, Steps);

    /// <summary>
    /// The one "is this a schedule index" check of the kit: throws <see cref="ArgumentOutOfRangeException"/> naming
    /// <paramref name="paramName"/>, the range 0 .. steps - 1 and the value, unless 0 &lt;= index &lt; steps.
    /// <paramref name="what"/> names the value in the message when it is not the whole argument (timesteps[3]);
    /// <paramref name="hint"/> is added after the range.
    /// </summary>
    public static int CheckIndex(int index, int steps, string paramName = "t", string? what = null, string? hint = null)
    {
        if (index < 0 || index >= steps)
            throw new ArgumentOutOfRangeException(paramName, index,
                $"{what ?? paramName} must be a schedule index from 0 to {steps - 1}{(hint is null ? "" : $" ({hint})")}, got {index}.");
        return index;
    }

    /// <summary><see cref="CheckIndex(int, int, string, string?, string?)"/> for this schedule's T steps.</summary>
    public int CheckIndex(int index, string paramName = "t") => CheckIndex(index, Steps, paramName);
}

/// <summary>One step's numbers from <see cref="NoiseSchedule.Step"/> (spec A.3; B.2 when the step is 1).</summary>
public readonly record struct StepCoefficients(
    int T, int TNext, double AlphaBar, double AlphaBarNext, double Alpha, double Beta, double BetaTilde,
    double X0Coefficient, double XtCoefficient);

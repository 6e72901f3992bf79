using Diffusion.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.FlowMatching;

/// <summary>
/// The course's flow-matching sampling (the Euler simulation of <see href="https://arxiv.org/abs/2209.03003">Liu et al.
/// 2023, Rectified Flow</see>): x_0 ~ N(0, I), then <c>steps</c> Euler steps of the ODE dx/dt = u(x, t) from
/// t = 0 to 1: for i = 0 .. steps-1, t_i = i / steps, x &lt;- x + (1 / steps) u(x, t_i). Deterministic given x_0, so
/// all the randomness is the starting noise.
/// </summary>
public static class EulerSampler
{
    /// <summary>Draws x_0 ~ N(0, I) for <paramref name="count"/> images from <paramref name="generator"/> and integrates it.</summary>
    public static SamplingResult Sample(IVelocityEstimator estimator, int count, Generator generator, int steps, int keepEvery = 0)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be at least 1 image, got {count}.");
        CheckSteps(steps);
        var f = estimator.Field;
        using var noise = Noise.Randn([count, f.Channels, f.Height, f.Width], generator);
        return Integrate(estimator, noise, steps, keepEvery);
    }

    /// <summary>
    /// Euler integration from t = 0 (<paramref name="x0"/>, noise) to t = 1. Kept images (every <paramref name="keepEvery"/>
    /// steps, the start and the end) carry the steps taken in both <see cref="Snapshot.Steps"/> and <see cref="Snapshot.T"/>.
    /// </summary>
    public static SamplingResult Integrate(IVelocityEstimator estimator, Tensor x0, int steps, int keepEvery = 0)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(x0);
        CheckSteps(steps);
        if (keepEvery < 0)
            throw new ArgumentOutOfRangeException(nameof(keepEvery), keepEvery, "keepEvery must be 0 (keep none) or a positive number of steps.");
        var f = estimator.Field;
        var s = x0.shape;
        if (s.Length != 4 || s[1] != f.Channels || s[2] != f.Height || s[3] != f.Width)
            throw new ArgumentException($"x0 must be Nx{f.Channels}x{f.Height}x{f.Width} for this model, got {Shapes.Format(s)}.", nameof(x0));

        var snapshots = new List<Snapshot>();
        using var outer = NewDisposeScope();
        var x = x0.detach().clone();
        if (keepEvery > 0) snapshots.Add(new Snapshot(0, 0, x.clone()));
        double dt = 1.0 / steps;
        using (no_grad())
        {
            for (int i = 0; i < steps; i++)
            {
                using var scope = NewDisposeScope();
                var next = x + dt * estimator.Estimate(x, i * dt);
                if (keepEvery > 0 && ((i + 1) % keepEvery == 0 || i + 1 == steps))
                    snapshots.Add(new Snapshot(i + 1, i + 1, next.clone().MoveToOuterDisposeScope()));
                next.MoveToOuterDisposeScope();
                x.Dispose();
                x = next;
                Runtime.LoopMemory.AfterStep(i + 1);
            }
        }
        foreach (var snapshot in snapshots) snapshot.Image.MoveToOuterDisposeScope();
        Runtime.LoopMemory.GiveBack();
        return new SamplingResult(x.MoveToOuterDisposeScope(), snapshots);
    }

    public static void CheckSteps(int steps, string paramName = "steps")
    {
        if (steps < 1)
            throw new ArgumentOutOfRangeException(paramName, steps, $"{paramName} must be at least 1 Euler step, got {steps}.");
    }
}

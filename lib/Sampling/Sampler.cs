using Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>Settings shared by every sampler.</summary>
public sealed record SamplerOptions
{
    /// <summary>How each step adds noise (the course's add_variance).</summary>
    public StepVariance Variance { get; init; } = StepVariance.Default;
    /// <summary>Keep the image after every k-th step (and the start and the end) for figures and GIFs; 0 keeps none.</summary>
    public int KeepEvery { get; init; }
    /// <summary>After the last listed timestep, take one more step to the clean image (index -1, abar = 1): part B's sampling.</summary>
    public bool FinishAtCleanImage { get; init; }

    public static SamplerOptions Default { get; } = new();
    /// <summary>Part B's sampling (B.2): fixed variance beta, last step to the clean image (use with <see cref="Timesteps.Full"/>).</summary>
    public static SamplerOptions PartB { get; } = new() { Variance = new StepVariance { Fixed = FixedVariance.Beta }, FinishAtCleanImage = true };
}

/// <summary>An image kept on the way: after <paramref name="Steps"/> steps, at schedule index <paramref name="T"/> (-1 = clean).</summary>
public sealed record Snapshot(int Steps, int T, Tensor Image);

/// <summary>A sampler's final image and, when asked for, the images on the way. Disposing it disposes them all.</summary>
public sealed class SamplingResult(Tensor image, IReadOnlyList<Snapshot> snapshots) : IDisposable
{
    public Tensor Image { get; } = image;
    public IReadOnlyList<Snapshot> Snapshots { get; } = snapshots;

    public void Dispose()
    {
        Image.Dispose();
        foreach (var s in Snapshots) s.Image.Dispose();
    }
}

/// <summary>
/// The course's sampling loops (1.4, 1.5): ask the estimator for the noise, let <see cref="Ddpm.Step"/> take the
/// step. Guidance, anagrams and hybrids come in as the estimator; inpainting as a constraint after every step.
/// </summary>
public static class Sampler
{
    /// <summary>
    /// Iterative denoising (1.4): x holds x_t at t = timesteps[iStart]; for i = iStart .. len-2, step from
    /// timesteps[i] to timesteps[i+1] (A.3); with <see cref="SamplerOptions.FinishAtCleanImage"/> one more step to -1.
    /// <paramref name="timesteps"/> defaults to the strided list 990, 960, ..., 0 of the model's schedule.
    /// </summary>
    public static SamplingResult IterativeDenoise(INoiseEstimator estimator, Tensor xt, int iStart, Generator generator,
        IReadOnlyList<int>? timesteps = null, SamplerOptions? options = null) =>
        Run(estimator, xt, iStart, generator, timesteps, options, constraint: null);

    /// <summary>Sampling from pure noise (1.5): x ~ N(0, I) at timesteps[0], then <see cref="IterativeDenoise"/> from i_start 0.</summary>
    public static SamplingResult Sample(INoiseEstimator estimator, int count, Generator generator,
        IReadOnlyList<int>? timesteps = null, SamplerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        if (count < 1) throw new ArgumentException($"count must be at least 1 image, got {count}.", nameof(count));
        var m = estimator.Model;
        using var noise = Noise.Randn([count, m.Channels, m.Height, m.Width], generator);
        return IterativeDenoise(estimator, noise, 0, generator, timesteps, options);
    }

    /// <summary>The one-step estimate of the clean image from x_t (1.3).</summary>
    public static Tensor OneStepDenoise(INoiseEstimator estimator, Tensor xt, int t)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        Shapes.CheckBatch(estimator.Model, xt, nameof(xt));
        estimator.Model.Schedule.CheckIndex(t);
        using var scope = NewDisposeScope();
        var p = estimator.Estimate(xt, t);
        return Ddpm.EstimateX0(estimator.Model.Schedule, xt, t, p.Noise).MoveToOuterDisposeScope();
    }

    /// <summary>The model's strided list (stride 30: 990, 960, ..., 0) when none is given; checked otherwise.</summary>
    internal static IReadOnlyList<int> ResolveTimesteps(NoiseSchedule schedule, IReadOnlyList<int>? timesteps)
    {
        if (timesteps is null) return Timesteps.Strided(schedule);
        Timesteps.Validate(schedule, timesteps);
        return timesteps;
    }

    internal static void CheckStart(IReadOnlyList<int> timesteps, int iStart, string paramName = "iStart")
    {
        if (iStart < 0 || iStart >= timesteps.Count)
            throw new ArgumentException(
                $"{paramName} must be from 0 to {timesteps.Count - 1} (an index into the {timesteps.Count} timesteps), got {iStart}.", paramName);
    }

    /// <summary>The loop. <paramref name="constraint"/>(x_t', t') replaces x after every step (inpainting, A.5).</summary>
    internal static SamplingResult Run(INoiseEstimator estimator, Tensor xt, int iStart, Generator generator,
        IReadOnlyList<int>? timesteps, SamplerOptions? options, Func<Tensor, int, Tensor>? constraint)
    {
        ArgumentNullException.ThrowIfNull(estimator);
        ArgumentNullException.ThrowIfNull(generator);
        options ??= SamplerOptions.Default;
        if (options.KeepEvery < 0)
            throw new ArgumentException($"KeepEvery must be 0 (keep none) or a positive number of steps, got {options.KeepEvery}.", nameof(options));
        var model = estimator.Model;
        var schedule = model.Schedule;
        Shapes.CheckBatch(model, xt, nameof(xt));
        var ts = ResolveTimesteps(schedule, timesteps);
        CheckStart(ts, iStart);

        var path = ts.Skip(iStart).ToList();
        if (options.FinishAtCleanImage && path[^1] != -1) path.Add(-1);

        var snapshots = new List<Snapshot>();
        void Keep(int steps, int t, Tensor x, bool last, bool inStepScope)
        {
            if (options.KeepEvery <= 0 || (steps % options.KeepEvery != 0 && !last)) return;
            var copy = x.detach().clone();
            snapshots.Add(new Snapshot(steps, t, inStepScope ? copy.MoveToOuterDisposeScope() : copy));
        }

        using var outer = NewDisposeScope();
        Tensor x = xt.detach().clone();
        Keep(0, path[0], x, path.Count == 1, inStepScope: false);
        using (no_grad())
        {
            for (int i = 0; i + 1 < path.Count; i++)
            {
                using var scope = NewDisposeScope();
                int t = path[i], tNext = path[i + 1];
                var prediction = estimator.Estimate(x, t);
                var next = Ddpm.Step(schedule, x, t, tNext, prediction, options.Variance, generator);   // A.3
                if (constraint is not null) next = constraint(next, tNext);                              // A.5
                Keep(i + 1, tNext, next, i + 2 == path.Count, inStepScope: true);
                next.MoveToOuterDisposeScope();
                x.Dispose();
                x = next;
                Runtime.LoopMemory.AfterStep(i + 1);
            }
        }
        foreach (var s in snapshots) s.Image.MoveToOuterDisposeScope();
        Runtime.LoopMemory.GiveBack();   // the steps' memory was kept for the next step; no step follows
        return new SamplingResult(x.MoveToOuterDisposeScope(), snapshots);
    }
}

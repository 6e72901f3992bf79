using Diffusion.Runtime;
using static TorchSharp.torch;

namespace Diffusion.Grading;

/// <summary>
/// A hidden-test cell's link to the grader. `grade` runs one probe cell per section in the submission's kernel after
/// its cells: the cell builds fresh inputs from <see cref="Seed"/> (the grader's secret for this run) with the probe
/// builders (<see cref="PartAProbes"/>, <see cref="PartBProbes"/>), calls the student's function and keeps what it
/// returned. The grader reads the kept values back and judges them in its own process, with its own constants: nothing
/// in the submission's process decides a point, so forging, printing or rebinding names here can only lose them.
/// </summary>
public sealed class Probe
{
    static Probe? _current;
    readonly List<ProbeValue> _kept = [];

    Probe(long seed, KitMode mode) { Seed = seed; Mode = mode; }

    /// <summary>The seed this section's inputs are drawn from (the grader derives it from its secret per run).</summary>
    public long Seed { get; }

    /// <summary>The mode the grader runs the notebooks in (it fixes the part A backend, hence the schedule).</summary>
    public KitMode Mode { get; }

    /// <summary>The probe of the hidden-test cell now running.</summary>
    public static Probe Current => _current
        ?? throw new InvalidOperationException("No probe is running: hidden-test cells run only under `grade`.");

    /// <summary>Called by the grading child before a probe cell.</summary>
    public static Probe Begin(long seed, KitMode mode) => _current = new Probe(seed, mode);

    /// <summary>Called by the grading child after a probe cell: what it kept, in order.</summary>
    public static IReadOnlyList<ProbeValue> End()
    {
        var probe = _current;
        _current = null;
        return probe is null ? [] : probe._kept.ToList();
    }

    /// <summary>Keeps a returned tensor (copied at once; null is kept as "returned null").</summary>
    public void Keep(Tensor? value) => _kept.Add(ProbeValue.Of(value));

    public void Keep(double value) => _kept.Add(new ProbeValue([], [value], null));

    public void Keep(bool value) => Keep(value ? 1.0 : 0.0);

    /// <summary>
    /// Keeps a network the student built: its parameter shapes, and its output on <paramref name="input"/> once every
    /// parameter is filled from this probe's seed (<see cref="Probes.RunWithSeededWeights"/>), so the grader can build
    /// the course's block, fill it the same way and compare.
    /// </summary>
    public void KeepModule(nn.Module<Tensor, Tensor>? module, Tensor input)
    {
        if (module is null) { _kept.Add(new ProbeValue(null, null, null)); return; }
        _kept.Add(new ProbeValue(null, null, Probes.ParameterShapes(module)));
        using var output = Probes.RunWithSeededWeights(module, input, Seed);
        Keep(output);
    }
}

/// <summary>One value a probe cell kept: a tensor (shape and elements, in double precision), a text, or null.</summary>
public sealed record ProbeValue(long[]? Shape, double[]? Data, string? Text)
{
    public bool IsNull => Shape is null && Text is null;

    public static ProbeValue Of(Tensor? value)
    {
        if (value is null || value.IsInvalid) return new ProbeValue(null, null, null);
        using var scope = NewDisposeScope();
        var flat = value.detach().to(ScalarType.Float64).cpu().contiguous().reshape(-1);
        return new ProbeValue(value.shape.ToArray(), flat.data<double>().ToArray(), null);
    }
}

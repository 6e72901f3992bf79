using Diffusion.Grading;
using Diffusion.Models;
using Diffusion.Runtime;
using static TorchSharp.torch;

namespace Diffusion.Kit.Grading.Sections;

/// <summary>
/// The grader's side of one hidden test: the library members that compute what the section asks students to write
/// (a submission that calls them loses the section, see <see cref="ReferenceCalls"/>), and the judgement of what its
/// probe cell handed back, made in the grader's process with the grader's constants. A judgement passes by returning
/// and fails by throwing <see cref="CheckFailed"/> with the reason the student reads.
/// </summary>
public sealed record SectionJudge(string Notebook, string Section, IReadOnlyList<string> References, Action<ProbeEvidence> Judge);

/// <summary>What a probe cell handed back, with the seed and mode the grader gave it; typed access that fails with a reason.</summary>
public sealed class ProbeEvidence(long seed, KitMode mode, IReadOnlyList<ProbeValue> values, int figures)
{
    public long Seed => seed;
    public KitMode Mode => mode;
    /// <summary>Pictures the submission's own cells displayed, counted by the grading child from the kernel's display events.</summary>
    public int Figures => figures;
    /// <summary>The part A backend's constants in this mode (never the notebook's <c>schedule</c>, <c>T</c> or <c>timesteps</c>).</summary>
    public PartASettings PartA { get; } = PartAModel.DefaultSettings(mode);

    /// <summary>Kept value <paramref name="index"/> as a double-precision tensor (disposed with the caller's scope).</summary>
    public Tensor Tensor(int index, string what)
    {
        var value = Value(index, what);
        Check.That(value.Shape is not null && value.Data is not null, $"{what} did not return a tensor.");
        return tensor(value.Data!, dtype: ScalarType.Float64).reshape(value.Shape!);
    }

    public double Number(int index, string what)
    {
        var value = Value(index, what);
        Check.That(value.Shape is { Length: 0 } && value.Data is { Length: 1 }, $"{what} did not return a number.");
        return value.Data![0];
    }

    public string Text(int index, string what)
    {
        var value = Value(index, what);
        Check.That(value.Text is not null, $"{what} returned nothing the grader could read.");
        return value.Text!;
    }

    ProbeValue Value(int index, string what)
    {
        Check.That(index < values.Count, $"{what}: the test got {values.Count} results from your code, expected at least {index + 1}.");
        Check.That(!values[index].IsNull, $"{what} returned null.");
        return values[index];
    }
}

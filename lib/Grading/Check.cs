using System.Globalization;
using static TorchSharp.torch;

namespace Diffusion.Grading;

/// <summary>
/// The comparisons the grader makes between what a student's function returned on a probe and the reference (the
/// library's implementation on the same inputs, or a closed-form statistic). Each throws <see cref="CheckFailed"/> with
/// a message written for the student: what was called, what was expected, what came.
/// </summary>
public static class Check
{
    /// <summary>Same shape and every element within <paramref name="tolerance"/> (absolute) of the reference.</summary>
    public static void Close(Tensor actual, Tensor expected, string what, double tolerance = 1e-4)
    {
        That(actual is not null, $"{what} returned null.");
        Shape(actual!, expected.shape, what);
        using var scope = NewDisposeScope();
        var difference = (actual!.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs();
        That(!difference.isnan().any().item<bool>(), $"{what} contains NaN.");
        double worst = difference.max().item<double>();
        That(worst <= tolerance, Invariant($"{what} differs from the reference by up to {worst:g4} (allowed {tolerance:g3})."));
    }

    /// <summary>The tensor has exactly this shape.</summary>
    public static void Shape(Tensor actual, long[] expected, string what)
    {
        That(actual is not null, $"{what} returned null.");
        That(actual!.shape.SequenceEqual(expected),
            $"{what} has shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected)}].");
    }

    /// <summary>The mean and standard deviation of all elements are within <paramref name="tolerance"/> of the expected ones.</summary>
    public static void Statistics(Tensor actual, double expectedMean, double expectedStd, string what, double tolerance)
    {
        That(actual is not null, $"{what} returned null.");
        using var scope = NewDisposeScope();
        var values = actual!.to(ScalarType.Float64);
        double mean = values.mean().item<double>(), std = values.std().item<double>();
        That(double.IsFinite(mean) && double.IsFinite(std), $"{what} contains NaN or infinity.");
        That(Math.Abs(mean - expectedMean) <= tolerance && Math.Abs(std - expectedStd) <= tolerance,
            Invariant($"{what} has mean {mean:F4} and std {std:F4}, expected {expectedMean:F4} and {expectedStd:F4} (within {tolerance:g3})."));
    }

    /// <summary>
    /// The tolerance for a statistic of <paramref name="count"/> random values of spread <paramref name="std"/>: five
    /// standard errors of their mean (a right answer fails about once in 1.7 million gradings), at least
    /// <paramref name="floor"/>. A fixed tolerance fails right answers often on small probes; this one scales with them.
    /// </summary>
    public static double SampleTolerance(double std, long count, double floor = 0) =>
        Math.Max(floor, 5 * Math.Abs(std) / Math.Sqrt(Math.Max(1, count)));

    /// <summary>A number within a relative tolerance of the reference.</summary>
    public static void Near(double actual, double expected, double relativeTolerance, string what)
    {
        That(double.IsFinite(actual), Invariant($"{what} is {actual}, expected a finite number near {expected:g4}."));
        That(Math.Abs(actual - expected) <= relativeTolerance * Math.Abs(expected),
            Invariant($"{what} is {actual:g4}, expected {expected:g4} within {relativeTolerance:P0}."));
    }

    /// <summary>Throws <see cref="CheckFailed"/> with <paramref name="message"/> unless <paramref name="condition"/> holds.</summary>
    public static void That(bool condition, string message)
    {
        if (!condition) throw new CheckFailed(message);
    }

    static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

using Diffusion.Runtime;
using static TorchSharp.torch;

namespace Diffusion.Display;

/// <summary>What every notebook does once at its top, and the checks its cells share.</summary>
public static class KitNotebook
{
    /// <summary>
    /// The first cell's work: loads TorchSharp's native library (<see cref="TorchRuntime.Ensure"/>), makes pictures
    /// and charts show inline (<see cref="NotebookDisplay.Register"/>) and prints the mode the notebook runs in.
    /// Safe to run again.
    /// </summary>
    public static void Start(TextWriter? output = null)
    {
        TorchRuntime.Ensure();
        NotebookDisplay.Register();
        (output ?? Console.Out).WriteLine($"mode: {KitModes.Current.Name()}");
    }

    /// <summary>
    /// The largest absolute difference between two tensors of the same shape: how a cell shows that what you wrote
    /// computes what the library's version does (0, or float rounding).
    /// </summary>
    public static double MaxDifference(Tensor mine, Tensor reference)
    {
        ArgumentNullException.ThrowIfNull(mine);
        ArgumentNullException.ThrowIfNull(reference);
        if (!mine.shape.SequenceEqual(reference.shape))
            throw new ArgumentException(
                $"the two tensors must have the same shape, got [{string.Join(", ", mine.shape)}] and [{string.Join(", ", reference.shape)}].",
                nameof(reference));
        using var scope = NewDisposeScope();
        return (mine.to(ScalarType.Float64) - reference.to(ScalarType.Float64)).abs().max().item<double>();
    }
}

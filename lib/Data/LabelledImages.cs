using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Data;

/// <summary>
/// A labelled image set held in memory: <see cref="Images"/> is float32 N x 1 x H x W in [0, 1] on the CPU,
/// <see cref="Labels"/> the class of each image. Owns the tensor (kept out of any dispose scope); dispose it when done.
/// </summary>
public sealed record LabelledImages(string Name, Tensor Images, long[] Labels, IReadOnlyList<string> ClassNames) : IDisposable
{
    public int Count => Labels.Length;

    /// <summary>Images and labels at <paramref name="indices"/>, made in the caller's dispose scope.</summary>
    public (Tensor Images, Tensor Labels) Batch(ReadOnlySpan<long> indices)
    {
        var picked = new long[indices.Length];
        var labels = new long[indices.Length];
        for (int i = 0; i < indices.Length; i++)
        {
            long index = indices[i];
            if ((ulong)index >= (ulong)Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"index {index} is outside {Name}'s {Count} images.");
            picked[i] = index;
            labels[i] = Labels[index];
        }
        using var at = torch.tensor(picked);
        return (Images.index_select(0, at), torch.tensor(labels));
    }

    /// <summary>The first <paramref name="count"/> images (a view, in the caller's dispose scope).</summary>
    public Tensor Take(int count) => Images.narrow(0, 0, Math.Min(count, Count));

    public void Dispose() => Images.Dispose();

    public override string ToString() => $"{Name}: {Count} images {string.Join(" x ", Images.shape.Skip(1))}, {ClassNames.Count} classes";
}

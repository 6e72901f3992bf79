using TorchSharp;

namespace Diffusion.Data;

/// <summary>
/// Index batches for training: each epoch is a fresh permutation of 0..count-1 drawn with
/// <c>torch.randperm</c> from a seeded generator (as PyTorch's DataLoader(shuffle=True) does), cut into
/// batches. Batches are views into one buffer reused every epoch: use them before asking for the next epoch.
/// <code>
/// var batches = new ShuffledBatches(data.Count, 128, seed: 0);
/// for (int epoch = 0; epoch &lt; 20; epoch++)
///     foreach (var indices in batches.NextEpoch())
///     {
///         using var scope = torch.NewDisposeScope();
///         var (x, y) = data.Batch(indices.Span);
///         ...
///     }
/// </code>
/// </summary>
public sealed class ShuffledBatches : IDisposable
{
    readonly torch.Generator _generator;
    readonly long[] _order;

    public int Count { get; }
    public int BatchSize { get; }
    /// <summary>When true, a last batch smaller than <see cref="BatchSize"/> is skipped.</summary>
    public bool DropLast { get; }
    public int Epoch { get; private set; }

    public ShuffledBatches(int count, int batchSize, long seed, bool dropLast = false)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), $"count must be at least 1, got {count}.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batchSize must be at least 1, got {batchSize}.");
        Count = count;
        BatchSize = batchSize;
        DropLast = dropLast;
        _order = new long[count];
        _generator = new torch.Generator((ulong)seed);
    }

    public int BatchesPerEpoch => DropLast ? Count / BatchSize : (Count + BatchSize - 1) / BatchSize;

    /// <summary>Draws the next epoch's permutation and yields its batches in order.</summary>
    public IEnumerable<ReadOnlyMemory<long>> NextEpoch()
    {
        using (torch.NewDisposeScope())
        {
            using var perm = torch.randperm(Count, generator: _generator, dtype: torch.int64);
            perm.data<long>().CopyTo(_order, 0);
        }
        Epoch++;
        return Slices();
    }

    IEnumerable<ReadOnlyMemory<long>> Slices()
    {
        for (int start = 0; start < Count; start += BatchSize)
        {
            int length = Math.Min(BatchSize, Count - start);
            if (length < BatchSize && DropLast) yield break;
            yield return new ReadOnlyMemory<long>(_order, start, length);
        }
    }

    public void Dispose() => _generator.Dispose();
}

using Diffusion.Data;
using TorchSharp;

namespace Diffusion.Tests;

public sealed class DataBatchTests
{
    [Fact]
    public void An_epoch_visits_every_index_once_in_batches()
    {
        using var batches = new ShuffledBatches(10, 4, seed: 1);
        var epoch = batches.NextEpoch().Select(b => b.ToArray()).ToList();
        Assert.Equal([4, 4, 2], epoch.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), epoch.SelectMany(b => b).Order());
        Assert.Equal(3, batches.BatchesPerEpoch);
    }

    [Fact]
    public void Same_seed_same_order_and_epochs_differ()
    {
        using var a = new ShuffledBatches(50, 8, seed: 7);
        using var b = new ShuffledBatches(50, 8, seed: 7);
        var a1 = a.NextEpoch().SelectMany(x => x.ToArray()).ToArray();
        var a2 = a.NextEpoch().SelectMany(x => x.ToArray()).ToArray();
        Assert.Equal(a1, b.NextEpoch().SelectMany(x => x.ToArray()).ToArray());
        Assert.NotEqual(a1, a2);
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => (long)i), a1);
    }

    [Fact]
    public void Drop_last_skips_the_short_batch()
    {
        using var batches = new ShuffledBatches(10, 4, seed: 1, dropLast: true);
        Assert.Equal([4, 4], batches.NextEpoch().Select(b => b.Length));
        Assert.Equal(2, batches.BatchesPerEpoch);
    }

    [Fact]
    public void Batch_picks_the_images_and_labels_at_the_indices()
    {
        using var images = torch.arange(5f).view(5, 1, 1, 1).expand(5, 1, 2, 2).contiguous().DetachFromDisposeScope();
        using var set = new LabelledImages("five", images.alias(), [10, 11, 12, 13, 14], ["a"]);
        using var scope = torch.NewDisposeScope();
        var (x, y) = set.Batch([3, 0, 4]);
        Assert.Equal([3L, 1, 2, 2], x.shape);
        Assert.Equal([3f, 0f, 4f], x[.., 0, 0, 0].data<float>().ToArray());
        Assert.Equal([13L, 10, 14], y.data<long>().ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Batch([5]));
    }
}

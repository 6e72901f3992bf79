using Diffusion.Data;
using TorchSharp;

namespace Diffusion.Tests;

public sealed class DataBatchTests
{
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

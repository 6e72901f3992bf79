using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>
/// What one training step minimises for a model: the trainer owns batching, the optimiser,
/// checkpoints and progress; an objective owns only the loss (spec 1.2.1, B.1, B.3).
/// </summary>
public interface ITrainingObjective<in TModel>
{
    string Name { get; }
    /// <summary>images: N x 1 x 28 x 28 in [0, 1]; labels: N (int64). Randomness only from <paramref name="generator"/>.</summary>
    Tensor Loss(TModel model, Tensor images, Tensor labels, Generator generator);
}

using Diffusion.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Diffusion.Training;

/// <summary>
/// Part B 1.2.3 (flow-matching version): the one-step UNet fed pure noise z ~ N(0, I), loss = ||D(z) - x||^2.
/// z says nothing about x, so the loss is least when D outputs the training set's mean image for every z:
/// that is what its samples converge to.
/// </summary>
public sealed class PureNoiseObjective : ITrainingObjective<DigitUNet>
{
    public string Name => "one-step denoiser of pure noise (z ~ N(0, I))";

    public Tensor Loss(DigitUNet model, Tensor images, Tensor labels, Generator generator)
    {
        var z = randn(images.shape, generator: generator).to(images.device);
        return mse_loss(model.forward(z), images);
    }
}

using Diffusion.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Diffusion.Training;

/// <summary>
/// Spec 1.2.1: z = x + sigma eps with fresh noise for every batch, loss = ||D(z) - x||^2.
/// </summary>
public sealed class OneStepDenoisingObjective(double sigma) : ITrainingObjective<DigitUNet>
{
    public double Sigma { get; } = sigma >= 0 && double.IsFinite(sigma)
        ? sigma
        : throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "sigma must be a finite number >= 0.");

    public string Name => $"one-step denoiser (sigma {Sigma})";

    public Tensor Loss(DigitUNet model, Tensor images, Tensor labels, Generator generator)
    {
        var noisy = images + Sigma * randn(images.shape, generator: generator).to(images.device);
        return mse_loss(model.forward(noisy), images);
    }
}

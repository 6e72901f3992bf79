using Diffusion.Models;
using Diffusion.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Diffusion.FlowMatching;

/// <summary>
/// The flow-matching training step of the course's part B (its algorithms for the time- and the class-conditioned
/// UNet), the conditional flow-matching loss of <see href="https://arxiv.org/abs/2210.02747">Lipman et al. 2023</see>
/// on its optimal-transport path: x_1 a batch of digits, x_0 ~ N(0, I), t ~ U[0, 1] per image, x_t = (1 - t) x_0 + t x_1 (<see cref="FlowPath"/>),
/// loss = ||u_theta(x_t, t, c) - (x_1 - x_0)||^2. For the class model, c is the one-hot digit, zeroed with probability
/// <see cref="UnconditionalProbability"/> so the same network learns the unconditional velocity that guidance needs.
/// </summary>
public sealed class FlowMatchingObjective : ITrainingObjective<DigitUNet>
{
    public double UnconditionalProbability { get; }

    public FlowMatchingObjective(double unconditionalProbability = 0.1)
    {
        if (!(unconditionalProbability >= 0 && unconditionalProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(unconditionalProbability), unconditionalProbability, "p_uncond must lie in [0, 1].");
        UnconditionalProbability = unconditionalProbability;
    }

    public string Name => "flow matching velocity (x_t = (1 - t) x_0 + t x_1, target x_1 - x_0)";

    public Tensor Loss(DigitUNet model, Tensor images, Tensor labels, Generator generator)
    {
        if (model.Kind == DigitUNetKind.Unconditional)
            throw new ArgumentException("flow matching needs the time- or class-conditioned UNet; the unconditional one has no t input.", nameof(model));
        long n = images.shape[0];
        // Random numbers come from the CPU generator, then move to the images' device (same draws on every device).
        var noise = randn(images.shape, generator: generator).to(images.device);
        var t = rand([n], generator: generator).to(images.device);
        var xt = FlowPath.Interpolate(noise, images, t);
        Tensor? c = null;
        if (model.Kind == DigitUNetKind.ClassConditioned)
        {
            var keep = (rand([n, 1], generator: generator) >= UnconditionalProbability).to(ScalarType.Float32).to(images.device);
            c = one_hot(labels, DigitUNet.Classes).to(ScalarType.Float32) * keep;
        }
        return mse_loss(model.forward(xt, t, c), FlowPath.Velocity(noise, images));
    }
}

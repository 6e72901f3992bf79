using Diffusion.Models;
using Diffusion.Schedules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Diffusion.Training;

/// <summary>
/// Algorithm B.1 (time-conditioned) and B.3 (class-conditioned) of the spec, DDPM's Algorithm 1 and its L_simple
/// (eq. 14; <see href="https://arxiv.org/abs/2006.11239">Ho et al. 2020, DDPM</see>), with the class dropout of classifier-free guidance
/// (<see href="https://arxiv.org/abs/2207.12598">Ho and Salimans 2022</see>, Algorithm 1):
/// t ~ U{1..T}, eps ~ N(0, I), x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps (A.2 with abar_t = alphaBars[t-1]),
/// loss = ||eps_theta(x_t, t / T, c) - eps||^2. For the class model, c is the one-hot digit, zeroed with
/// probability <see cref="UnconditionalProbability"/> so the same network also learns the unconditional estimate.
/// </summary>
public sealed class DdpmObjective : ITrainingObjective<DigitUNet>
{
    readonly Tensor _alphaBars;

    public NoiseSchedule Schedule { get; }
    public double UnconditionalProbability { get; }

    public DdpmObjective(NoiseSchedule schedule, double unconditionalProbability = 0.1)
    {
        if (!(unconditionalProbability >= 0 && unconditionalProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(unconditionalProbability), unconditionalProbability, "p_uncond must lie in [0, 1].");
        Schedule = schedule;
        UnconditionalProbability = unconditionalProbability;
        _alphaBars = tensor(Enumerable.Range(0, schedule.Steps).Select(i => (float)schedule.AlphaBar(i)).ToArray());
    }

    public string Name => $"DDPM noise prediction (T {Schedule.Steps})";

    public Tensor Loss(DigitUNet model, Tensor images, Tensor labels, Generator generator)
    {
        long n = images.shape[0];
        int steps = Schedule.Steps;
        // Random numbers come from the CPU generator, then move to the images' device (same draws on every device).
        var t = randint(1, steps + 1, [n], dtype: ScalarType.Int64, generator: generator);
        var abar = _alphaBars.index_select(0, t - 1).view(n, 1, 1, 1).to(images.device);
        var eps = randn(images.shape, generator: generator).to(images.device);
        t = t.to(images.device);
        var xt = abar.sqrt() * images + (1 - abar).sqrt() * eps;
        var tNormalised = t.to(ScalarType.Float32) / steps;
        Tensor? c = null;
        if (model.Kind == DigitUNetKind.ClassConditioned)
        {
            var keep = (rand([n, 1], generator: generator) >= UnconditionalProbability).to(ScalarType.Float32).to(images.device);
            c = one_hot(labels, DigitUNet.Classes).to(ScalarType.Float32) * keep;
        }
        return mse_loss(model.forward(xt, tNormalised, c), eps);
    }
}

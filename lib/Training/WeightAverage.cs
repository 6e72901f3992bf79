using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>
/// An exponential moving average of a network's parameters, the weights diffusion models are usually sampled from
/// (<see href="https://arxiv.org/abs/2006.11239">Ho et al. 2020, DDPM</see>, appendix B, decay 0.9999): after every
/// optimiser step, avg = d avg + (1 - d) theta, with d = min(decay, (1 + k) / (10 + k)) at the k-th update, so an
/// average started late follows the weights closely at first. It only reads the weights: training goes exactly as it
/// would without it, so it is not part of a run's settings and a new sitting may start it afresh.
/// </summary>
public sealed class WeightAverage : IDisposable
{
    readonly Parameter[] _parameters;
    readonly Tensor[] _average;

    public WeightAverage(nn.Module model, double decay)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(decay is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "decay must be in [0, 1).");
        Decay = decay;
        _parameters = model.parameters().ToArray();
        using var _ = no_grad();
        _average = _parameters.Select(p => p.detach().clone()).ToArray();
    }

    public double Decay { get; }
    /// <summary>Updates since the average began.</summary>
    public long Updates { get; private set; }

    /// <summary>The decay the next update uses: the warm-up (1 + k) / (10 + k) until it reaches <see cref="Decay"/>.</summary>
    public double NextDecay => Math.Min(Decay, (1.0 + Updates) / (10.0 + Updates));

    /// <summary>Folds the current weights in; call after every optimiser step.</summary>
    public void Update()
    {
        double d = NextDecay;
        using var _ = no_grad();
        using var scope = NewDisposeScope();   // the handles detach() and the in-place ops hand out, every step
        for (int i = 0; i < _parameters.Length; i++) _average[i].mul_(d).add_(_parameters[i].detach(), alpha: 1 - d);
        Updates++;
    }

    /// <summary>Runs <paramref name="use"/> (e.g. saving the network) while the network holds the averaged weights, then puts the trained ones back.</summary>
    public void WhileAveraged(Action use)
    {
        ArgumentNullException.ThrowIfNull(use);
        using var _ = no_grad();
        var trained = _parameters.Select(p => p.detach().clone()).ToArray();
        try
        {
            for (int i = 0; i < _parameters.Length; i++) _parameters[i].copy_(_average[i]);
            use();
        }
        finally
        {
            for (int i = 0; i < _parameters.Length; i++) _parameters[i].copy_(trained[i]);
            foreach (var t in trained) t.Dispose();
        }
    }

    public void Dispose()
    {
        foreach (var t in _average) t.Dispose();
    }
}

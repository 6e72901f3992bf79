using Diffusion.Models.Inference;
using Diffusion.Sampling;
using Diffusion.Schedules;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// Puts a trained time- or class-conditioned digit UNet behind <see cref="INoisePredictor"/>, so every part A
/// sampler (CFG, SDEdit, inpainting, anagrams, hybrids) runs on it. Schedule index i is the course's part B
/// step t = i + 1, fed to the network as t / T (spec 2.1). The null conditioning is the zeroed class (spec 2.4).
/// The network is evaluated through <see cref="FastDigitUNet"/>.
/// </summary>
public sealed class DigitNoisePredictor : INoisePredictor, IDisposable
{
    public DigitUNet Network { get; }
    public NoiseSchedule Schedule { get; }
    readonly FastDigitUNet _fast;
    public int Channels => 1;
    public int Height => DigitUNet.Size;
    public int Width => DigitUNet.Size;

    public ConditioningKinds Accepts => Network.Kind == DigitUNetKind.ClassConditioned
        ? ConditioningKinds.Null | ConditioningKinds.Class
        : ConditioningKinds.Null;

    public DigitNoisePredictor(DigitUNet network, NoiseSchedule? schedule = null)
    {
        if (network.Kind == DigitUNetKind.Unconditional)
            throw new ArgumentException("the unconditional UNet is the one-step denoiser: it predicts the clean digit, not the noise, and has no t input.", nameof(network));
        Network = network;
        _fast = new FastDigitUNet(network);
        Schedule = schedule ?? DigitRecipe.Schedule;
    }

    public string? Reject(Conditioning conditioning)
    {
        if ((Accepts & conditioning.Kind) == 0)
            return Network.Kind == DigitUNetKind.TimeConditioned
                ? $"the time-conditioned digit model is unconditional; it cannot take {conditioning}."
                : $"the class-conditioned digit model takes digits 0-9 or the null class, not {conditioning}.";
        if (conditioning.Labels is { } labels && labels.FirstOrDefault(l => l is < 0 or >= DigitUNet.Classes, -1) is var bad && bad != -1)
            return $"class must be a digit from 0 to 9, got {bad}.";
        return null;
    }

    public void Dispose() => Network.Dispose();

    public NoisePrediction Predict(Tensor xt, int t, Conditioning conditioning)
    {
        Check(t, conditioning);
        using var scope = NewDisposeScope();
        return new NoisePrediction(Forward(xt, t, OneHot(conditioning, (int)xt.shape[0])).MoveToOuterDisposeScope());
    }

    /// <summary>Both conditionings in one pass: one encoding of x_t, one decoding of 2N (eval-mode BatchNorm keeps samples independent).</summary>
    public (NoisePrediction First, NoisePrediction Second) PredictPair(Tensor xt, int t, Conditioning first, Conditioning second)
    {
        Check(t, first);
        Check(t, second);
        int n = (int)xt.shape[0];
        using var scope = NewDisposeScope();
        var classes = Network.Kind == DigitUNetKind.ClassConditioned ? cat([OneHot(first, n)!, OneHot(second, n)!], 0) : null;
        Tensor both;
        using (inference_mode())
        {
            // The encoder sees only x_t: run it once, decode under both conditionings (2N).
            Network.eval();
            var device = Network.parameters().First().device;
            var features = _fast.Encode(xt.to(device)).Twice();
            var time = full(2 * n, (t + 1f) / Schedule.Steps, dtype: ScalarType.Float32, device: device);
            both = _fast.Decode(features, time, classes?.to(device)).to(xt.device);
        }
        return (new NoisePrediction(both.narrow(0, 0, n).MoveToOuterDisposeScope()),
                new NoisePrediction(both.narrow(0, n, n).MoveToOuterDisposeScope()));
    }

    void Check(int t, Conditioning conditioning)
    {
        if (Reject(conditioning) is { } why) throw new ArgumentException(why, nameof(conditioning));
        Schedule.CheckIndex(t, nameof(t));
    }

    /// <summary>N x 10 one-hot classes (zeros for the null conditioning), or null for the time-only model.</summary>
    Tensor? OneHot(Conditioning conditioning, int n)
    {
        if (Network.Kind != DigitUNetKind.ClassConditioned) return null;
        return conditioning.Kind == ConditioningKinds.Class
            ? nn.functional.one_hot(tensor(conditioning.LabelsFor(n).Select(l => (long)l).ToArray()), DigitUNet.Classes).to(ScalarType.Float32)
            : zeros(n, DigitUNet.Classes);
    }

    /// <summary>The network on its device in inference mode (<see cref="FastDigitUNet"/>); the result comes back to x_t's device.</summary>
    Tensor Forward(Tensor xt, int t, Tensor? classes)
    {
        using var _ = inference_mode();
        Network.eval();
        var device = Network.parameters().First().device;
        var time = full(xt.shape[0], (t + 1f) / Schedule.Steps, dtype: ScalarType.Float32, device: device);
        return _fast.Forward(xt.to(device), time, classes?.to(device)).to(xt.device);
    }
}

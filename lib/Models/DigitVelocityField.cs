using Diffusion.FlowMatching;
using Diffusion.Models.Inference;
using Diffusion.Sampling;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// Puts a flow-matching digit UNet (time- or class-conditioned, trained by <see cref="FlowMatchingObjective"/>) behind
/// <see cref="IVelocityField"/>. t in [0, 1] goes into the network as it is; the null conditioning is the zeroed class.
/// The network is evaluated through <see cref="FastDigitUNet"/>.
/// </summary>
public sealed class DigitVelocityField : IVelocityField, IDisposable
{
    public DigitUNet Network { get; }
    readonly FastDigitUNet _fast;
    public int Channels => 1;
    public int Height => DigitUNet.Size;
    public int Width => DigitUNet.Size;

    public ConditioningKinds Accepts => Network.Kind == DigitUNetKind.ClassConditioned
        ? ConditioningKinds.Null | ConditioningKinds.Class
        : ConditioningKinds.Null;

    public DigitVelocityField(DigitUNet network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (network.Kind == DigitUNetKind.Unconditional)
            throw new ArgumentException("the unconditional UNet is the one-step denoiser: it has no t input, so it is no velocity field.", nameof(network));
        Network = network;
        _fast = new FastDigitUNet(network);
    }

    public string? Reject(Conditioning conditioning)
    {
        if ((Accepts & conditioning.Kind) == 0)
            return Network.Kind == DigitUNetKind.TimeConditioned
                ? $"the time-conditioned flow model is unconditional; it cannot take {conditioning}."
                : $"the class-conditioned flow model takes digits 0-9 or the null class, not {conditioning}.";
        if (conditioning.Labels is { } labels && labels.FirstOrDefault(l => l is < 0 or >= DigitUNet.Classes, -1) is var bad && bad != -1)
            return $"class must be a digit from 0 to 9, got {bad}.";
        return null;
    }

    public void Dispose() => Network.Dispose();

    public Tensor Predict(Tensor xt, double t, Conditioning conditioning)
    {
        Check(t, conditioning);
        int n = (int)xt.shape[0];
        using var scope = NewDisposeScope();
        using var _ = inference_mode();
        Network.eval();
        var device = Network.parameters().First().device;
        var time = full(n, (float)t, dtype: ScalarType.Float32, device: device);
        return _fast.Forward(xt.to(device), time, OneHot(conditioning, n)?.to(device)).to(xt.device).MoveToOuterDisposeScope();
    }

    /// <summary>Both conditionings in one pass: one encoding of x_t, one decoding of 2N (as <see cref="DigitNoisePredictor"/>).</summary>
    public (Tensor First, Tensor Second) PredictPair(Tensor xt, double t, Conditioning first, Conditioning second)
    {
        Check(t, first);
        Check(t, second);
        int n = (int)xt.shape[0];
        using var scope = NewDisposeScope();
        Tensor both;
        using (inference_mode())
        {
            Network.eval();
            var device = Network.parameters().First().device;
            var classes = Network.Kind == DigitUNetKind.ClassConditioned ? cat([OneHot(first, n)!, OneHot(second, n)!], 0).to(device) : null;
            var features = _fast.Encode(xt.to(device)).Twice();
            var time = full(2 * n, (float)t, dtype: ScalarType.Float32, device: device);
            both = _fast.Decode(features, time, classes).to(xt.device);
        }
        return (both.narrow(0, 0, n).MoveToOuterDisposeScope(), both.narrow(0, n, n).MoveToOuterDisposeScope());
    }

    void Check(double t, Conditioning conditioning)
    {
        FlowPath.CheckTime(t);
        ArgumentNullException.ThrowIfNull(conditioning);
        if (Reject(conditioning) is { } why) throw new ArgumentException(why, nameof(conditioning));
    }

    Tensor? OneHot(Conditioning conditioning, int n)
    {
        if (Network.Kind != DigitUNetKind.ClassConditioned) return null;
        return conditioning.Kind == ConditioningKinds.Class
            ? nn.functional.one_hot(tensor(conditioning.LabelsFor(n).Select(l => (long)l).ToArray()), DigitUNet.Classes).to(ScalarType.Float32)
            : zeros(n, DigitUNet.Classes);
    }
}

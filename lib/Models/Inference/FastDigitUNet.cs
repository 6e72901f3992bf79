using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Models.Inference;

/// <summary>
/// A trained <see cref="DigitUNet"/> evaluated fast, with the same values: every BatchNorm folded into the convolution
/// before it (<see cref="BatchNormFolding"/>), activations stored channels-last (<see cref="MemoryLayout"/>, with
/// <see cref="ChannelsLastGelu"/>), the 1x1 Unflatten as a matrix product (<see cref="Convolutions"/>), and the encoder
/// run once for several conditionings of one image, each skip's convolution share computed once (<see cref="SkipConcat"/>).
/// It reads the network's current weights on every call, so a network trained further never samples with stale
/// folded weights. The samplers (<see cref="DigitNoisePredictor"/>, <see cref="DigitVelocityField"/>) use it; training
/// calls the network itself. A test keeps its output equal to <see cref="DigitUNet.forward"/>'s for every kind.
/// </summary>
public sealed class FastDigitUNet
{
    /// <summary>The network evaluated; it must be in evaluation mode (BatchNorm with its running statistics).</summary>
    public DigitUNet Network { get; }

    public FastDigitUNet(DigitUNet network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Network = network;
    }

    /// <summary>The network's output for x, t and classOneHot, as <see cref="DigitUNet.forward"/> computes it.</summary>
    public Tensor Forward(Tensor x, Tensor? t = null, Tensor? classOneHot = null)
    {
        Network.CheckInput(x, t, classOneHot);
        using var scope = NewDisposeScope();
        return Decode(Encode(x), t, classOneHot).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The encoder's outputs (e0, e1, e2) and the unflattened bottleneck of N images, before any conditioning enters,
    /// to be decoded under <paramref name="Copies"/> conditionings each (kN rows of t and classes).
    /// </summary>
    public sealed record Features(Tensor X0, Tensor X1, Tensor X2, Tensor U0, int Copies = 1)
    {
        /// <summary>The same features for twice as many conditionings: guidance decodes one encoding under two.</summary>
        public Features Twice() => this with { Copies = 2 * Copies };

        /// <summary>Rows the decoder produces: N images times <see cref="Copies"/>.</summary>
        public long Rows => U0.shape[0] * Copies;
    }

    /// <summary>
    /// The half of the network that sees only x_t. Time and class enter after it (spec 2.1, 2.4), so classifier-free
    /// guidance can encode once and decode twice.
    /// </summary>
    public Features Encode(Tensor x)
    {
        CheckEvaluating();
        Network.CheckInput(x, null, null, conditioned: false);
        var net = Network;
        var x0 = MemoryLayout.CallChannelsLast(net.e0, x);
        var x1 = FoldedBlocks.Call(net.e1, x0);
        var x2 = FoldedBlocks.Call(net.e2, x1);
        return new Features(x0, x1, x2, FoldedBlocks.Call(net.unflatten, net.flatten.call(x2)));
    }

    /// <summary>
    /// The decoder: u0 = c1 * u0 + t1, u1 = c2 * UpBlock(cat(u0, e2)) + t2, then up to 28x28 and the output conv.
    /// With several copies the skips are not repeated: each concatenation's conv runs on the skip once.
    /// </summary>
    public Tensor Decode(Features f, Tensor? t = null, Tensor? classOneHot = null)
    {
        CheckEvaluating();
        var net = Network;
        long n = f.Rows;
        net.CheckConditioning(n, t, classOneHot);
        var dtype = f.U0.dtype;
        var u0 = f.Copies == 1 ? f.U0 : f.U0.repeat(f.Copies, 1, 1, 1);
        Tensor? t1 = null, t2 = null;
        if (t is not null && net.fc1_t is not null)
        {
            var tt = t.reshape(n, 1).to(dtype);
            t1 = net.fc1_t.call(tt).view(n, -1, 1, 1);
            t2 = net.fc2_t!.call(tt).view(n, -1, 1, 1);
        }
        if (classOneHot is not null && net.fc1_c is not null)
            u0 = u0 * net.fc1_c.call(classOneHot.to(dtype)).view(n, -1, 1, 1);
        if (t1 is not null) u0 = u0 + t1;
        u0 = MemoryLayout.ChannelsLast(u0);   // the bottleneck came back NCHW from the 1x1 unflatten
        var u1 = WithSkip(net.up1, u0, f.X2);
        if (classOneHot is not null && net.fc2_c is not null)
            u1 = u1 * net.fc2_c.call(classOneHot.to(dtype)).view(n, -1, 1, 1);
        if (t2 is not null) u1 = u1 + t2;
        var u2 = WithSkip(net.up2, u1, f.X1);
        var h = WithSkip(net.head, u2, f.X0);
        return net.output.call(h);
    }

    /// <summary>block(cat([a, skip], 1)): the concatenation for one copy, the split convolution for several.</summary>
    static Tensor WithSkip(Sequential block, Tensor a, Tensor skip) =>
        a.shape[0] == skip.shape[0] ? FoldedBlocks.Call(block, cat([a, skip], 1)) : SkipConcat.Call(block, a, skip);

    void CheckEvaluating()
    {
        if (Network.training)
            throw new InvalidOperationException(
                "FastDigitUNet evaluates a trained network with its BatchNorm running statistics; call eval() on the network first.");
    }
}

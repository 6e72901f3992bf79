using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Diffusion.Models;

/// <summary>Which of the course's three part B networks a <see cref="DigitUNet"/> is.</summary>
public enum DigitUNetKind { Unconditional, TimeConditioned, ClassConditioned }

/// <summary>
/// The course's UNet for 1x28x28 digits (spec, part B):
/// e0 = ConvBlock(1->D) 28x28; e1 = DownBlock(D->D) 14x14; e2 = DownBlock(D->2D) 7x7;
/// u0 = Unflatten(Flatten(e2)); u1 = UpBlock(cat(u0, e2)); u2 = UpBlock(cat(u1, e1));
/// out = Conv2d(ConvBlock(cat(u2, e0))).
/// The time-conditioned variant (spec 2.1) adds fc1_t(t/T) to u0 and fc2_t(t/T) to u1; the
/// class-conditioned one (spec 2.4) makes them u0 = c1 * u0 + t1 and u1 = c2 * u1 + t2 with c1, c2
/// from the one-hot class (all zeros = unconditional). One class keeps the shared skeleton in one place.
/// </summary>
public sealed class DigitUNet : Module
{
    public const int Size = 28;
    public const int Classes = 10;

    public DigitUNetKind Kind { get; }
    public int Hidden { get; }

    readonly Sequential e0, e1, e2, flatten, unflatten, up1, up2, head;
    readonly Conv2d output;
    readonly Sequential? fc1_t, fc2_t, fc1_c, fc2_c;

    public DigitUNet(DigitUNetKind kind, int hidden) : base($"{kind}UNet")
    {
        if (hidden < 1) throw new ArgumentOutOfRangeException(nameof(hidden), hidden, "hidden (D) must be at least 1.");
        Kind = kind;
        Hidden = hidden;
        int d = hidden;
        e0 = Blocks.ConvBlock(1, d);
        e1 = Blocks.DownBlock(d, d);
        e2 = Blocks.DownBlock(d, 2 * d);
        flatten = Blocks.Flatten();
        unflatten = Blocks.Unflatten(2 * d);
        up1 = Blocks.UpBlock(4 * d, d);
        up2 = Blocks.UpBlock(2 * d, d);
        head = Blocks.ConvBlock(2 * d, d);
        output = Conv2d(d, 1, kernel_size: 3, stride: 1, padding: 1);
        if (kind != DigitUNetKind.Unconditional)
        {
            fc1_t = Blocks.FCBlock(1, 2 * d);
            fc2_t = Blocks.FCBlock(1, d);
        }
        if (kind == DigitUNetKind.ClassConditioned)
        {
            fc1_c = Blocks.FCBlock(Classes, 2 * d);
            fc2_c = Blocks.FCBlock(Classes, d);
        }
        RegisterComponents();
    }

    /// <summary>
    /// x: N x 1 x 28 x 28. t: N (or N x 1) values of t / T in [0, 1], required unless unconditional.
    /// classOneHot: N x 10 (rows of zeros mean "no class"), required for the class-conditioned model.
    /// </summary>
    public Tensor forward(Tensor x, Tensor? t = null, Tensor? classOneHot = null)
    {
        CheckInput(x, t, classOneHot);
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
        CheckInput(x, null, null, conditioned: false);
        var x0 = training ? e0.call(x) : MemoryLayout.CallChannelsLast(e0, x);
        var x1 = Run(e1, x0);
        var x2 = Run(e2, x1);
        return new Features(x0, x1, x2, Run(unflatten, flatten.call(x2)));
    }

    /// <summary>
    /// The decoder: u0 = c1 * u0 + t1, u1 = c2 * UpBlock(cat(u0, e2)) + t2, then up to 28x28 and the output conv.
    /// With several copies the skips are not repeated: each concatenation's conv runs on the skip once (<see cref="SkipConcat"/>).
    /// </summary>
    public Tensor Decode(Features f, Tensor? t = null, Tensor? classOneHot = null)
    {
        long n = f.Rows;
        CheckConditioning(n, t, classOneHot);
        var dtype = f.U0.dtype;
        var u0 = f.Copies == 1 ? f.U0 : f.U0.repeat(f.Copies, 1, 1, 1);
        Tensor? t1 = null, t2 = null;
        if (t is not null && fc1_t is not null)
        {
            var tt = t.reshape(n, 1).to(dtype);
            t1 = fc1_t.call(tt).view(n, -1, 1, 1);
            t2 = fc2_t!.call(tt).view(n, -1, 1, 1);
        }
        if (classOneHot is not null && fc1_c is not null)
            u0 = u0 * fc1_c.call(classOneHot.to(dtype)).view(n, -1, 1, 1);
        if (t1 is not null) u0 = u0 + t1;
        if (!training) u0 = MemoryLayout.ChannelsLast(u0);   // the bottleneck came back NCHW from the 1x1 unflatten
        var u1 = WithSkip(up1, u0, f.X2);
        if (classOneHot is not null && fc2_c is not null)
            u1 = u1 * fc2_c.call(classOneHot.to(dtype)).view(n, -1, 1, 1);
        if (t2 is not null) u1 = u1 + t2;
        var u2 = WithSkip(up2, u1, f.X1);
        var h = WithSkip(head, u2, f.X0);
        return output.call(h);
    }

    /// <summary>block(cat([a, skip], 1)): the concatenation for one copy (training), the split convolution for several.</summary>
    Tensor WithSkip(Sequential block, Tensor a, Tensor skip) =>
        a.shape[0] == skip.shape[0] ? Run(block, cat([a, skip], 1)) : SkipConcat.Call(block, a, skip);

    /// <summary>A block as trained; in evaluation with each BatchNorm folded into the convolution before it.</summary>
    Tensor Run(Sequential block, Tensor x) => training ? block.call(x) : Blocks.CallFolded(block, x);

    void CheckInput(Tensor x, Tensor? t, Tensor? c, bool conditioned = true)
    {
        if (x.ndim != 4 || x.shape[1] != 1 || x.shape[2] != Size || x.shape[3] != Size)
            throw new ArgumentException(
                $"x must be N x 1 x {Size} x {Size} (MNIST digits), got {Shape(x)}. The course's UNet pools 7x7 to 1x1, so only 28x28 works.", nameof(x));
        if (conditioned) CheckConditioning(x.shape[0], t, c);
    }

    void CheckConditioning(long n, Tensor? t, Tensor? c)
    {
        if (Kind != DigitUNetKind.Unconditional)
        {
            if (t is null) throw new ArgumentNullException(nameof(t), $"the {Kind} UNet needs t / T for every image.");
            if (t.numel() != n) throw new ArgumentException($"t must hold one value per image ({n}), got {Shape(t)}.", nameof(t));
        }
        if (Kind == DigitUNetKind.ClassConditioned)
        {
            if (c is null) throw new ArgumentNullException(nameof(c), "the class-conditioned UNet needs a one-hot class (zeros for none).");
            if (c.ndim != 2 || c.shape[0] != n || c.shape[1] != Classes)
                throw new ArgumentException($"classOneHot must be {n} x {Classes}, got {Shape(c)}.", nameof(c));
        }
    }

    static string Shape(Tensor t) => string.Join("x", t.shape);

    /// <summary>Multiply-adds of one image, convolutions only (see <see cref="MultiplyAddsPerImage"/>).</summary>
    /// <param name="Encoder">through <see cref="Encode"/>.</param>
    /// <param name="Decoder">through <see cref="Decode"/> with one conditioning.</param>
    /// <param name="DecoderSkips">the share of <paramref name="Decoder"/> spent on the skips e0, e1, e2, which several
    /// conditionings of one image share (<see cref="SkipConcat"/>).</param>
    public sealed record MultiplyAdds(double Encoder, double Decoder, double DecoderSkips)
    {
        /// <summary>One network step for <paramref name="images"/> images decoded under <paramref name="copies"/> conditionings each.</summary>
        public double Step(int images, int copies) => images * (Encoder + DecoderSkips + copies * (Decoder - DecoderSkips));
    }

    /// <summary>
    /// Multiply-adds of one image, convolutions only (norms, activations and the FC blocks add under 1%). A 3x3 conv
    /// costs 9 Cin Cout per output pixel; a transposed conv k x k costs k^2 Cin Cout per input pixel. `bench` divides
    /// these by the measured time to show how close sampling runs to the machine's convolution throughput.
    /// At D 64: about 70 M (encoder) and 198 M (decoder), of which 48 M on the skips.
    /// </summary>
    public static MultiplyAdds MultiplyAddsPerImage(int hidden)
    {
        double d = hidden, p28 = 28 * 28, p14 = 14 * 14, p7 = 7 * 7;
        double Conv3(double cin, double cout, double outPixels) => 9 * cin * cout * outPixels;
        double encoder =
            Conv3(1, d, p28) + Conv3(d, d, p28)                                   // e0: ConvBlock(1, D)
            + Conv3(d, d, p14) + 2 * Conv3(d, d, p14)                             // e1: DownConv + ConvBlock
            + Conv3(d, 2 * d, p7) + 2 * Conv3(2 * d, 2 * d, p7)                   // e2: DownConv + ConvBlock
            + 49 * (2 * d) * (2 * d);                                             // unflatten: 7x7 transposed conv of 1 pixel
        double decoder =
            16 * (4 * d) * d * p7 + 2 * Conv3(d, d, p14)                          // up1: UpConv(4D, D) from 7x7 + ConvBlock
            + 16 * (2 * d) * d * p14 + 2 * Conv3(d, d, p28)                       // up2: UpConv(2D, D) from 14x14 + ConvBlock
            + Conv3(2 * d, d, p28) + Conv3(d, d, p28)                             // head: ConvBlock(2D, D)
            + Conv3(d, 1, p28);                                                   // output conv
        double skips =
            16 * (2 * d) * d * p7                                                 // up1's UpConv on e2 (2D of its 4D inputs)
            + 16 * d * d * p14                                                    // up2's UpConv on e1 (D of 2D)
            + Conv3(d, d, p28);                                                   // head's first conv on e0 (D of 2D)
        return new MultiplyAdds(encoder, decoder, skips);
    }

    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>A short description, also stored in checkpoints to refuse loading the wrong architecture.</summary>
    public string Architecture => $"{Kind}(D={Hidden})";
}

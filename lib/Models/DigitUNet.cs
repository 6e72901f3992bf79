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
/// This is the network as trained; sampling evaluates it through <see cref="Inference.FastDigitUNet"/>, its
/// faster equal.
/// </summary>
public sealed class DigitUNet : Module
{
    public const int Size = 28;
    public const int Classes = 10;

    public DigitUNetKind Kind { get; }
    public int Hidden { get; }

    // Internal so that the inference evaluator (Inference.FastDigitUNet) runs the same layers.
    internal readonly Sequential e0, e1, e2, flatten, unflatten, up1, up2, head;
    internal readonly Conv2d output;
    internal readonly Sequential? fc1_t, fc2_t, fc1_c, fc2_c;

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
        long n = x.shape[0];
        var x0 = e0.call(x);
        var x1 = e1.call(x0);
        var x2 = e2.call(x1);
        var u0 = unflatten.call(flatten.call(x2));
        // Time and class enter after the encoder (spec 2.1, 2.4): u0 = c1 * u0 + t1, u1 = c2 * u1 + t2.
        var tt = t?.reshape(n, 1).to(x.dtype);
        var oneHot = classOneHot?.to(x.dtype);
        if (oneHot is not null && fc1_c is not null) u0 = u0 * fc1_c.call(oneHot).view(n, -1, 1, 1);
        if (tt is not null && fc1_t is not null) u0 = u0 + fc1_t.call(tt).view(n, -1, 1, 1);
        var u1 = up1.call(cat([u0, x2], 1));
        if (oneHot is not null && fc2_c is not null) u1 = u1 * fc2_c.call(oneHot).view(n, -1, 1, 1);
        if (tt is not null && fc2_t is not null) u1 = u1 + fc2_t.call(tt).view(n, -1, 1, 1);
        var u2 = up2.call(cat([u1, x1], 1));
        var h = head.call(cat([u2, x0], 1));
        return output.call(h).MoveToOuterDisposeScope();
    }

    internal void CheckInput(Tensor x, Tensor? t, Tensor? c, bool conditioned = true)
    {
        if (x.ndim != 4 || x.shape[1] != 1 || x.shape[2] != Size || x.shape[3] != Size)
            throw new ArgumentException(
                $"x must be N x 1 x {Size} x {Size} (MNIST digits), got {Shape(x)}. The course's UNet pools 7x7 to 1x1, so only 28x28 works.", nameof(x));
        if (conditioned) CheckConditioning(x.shape[0], t, c);
    }

    internal void CheckConditioning(long n, Tensor? t, Tensor? c)
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

    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>A short description, also stored in checkpoints to refuse loading the wrong architecture.</summary>
    public string Architecture => $"{Kind}(D={Hidden})";
}

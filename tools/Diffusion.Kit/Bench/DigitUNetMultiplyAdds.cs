using Diffusion.Models.Inference;

namespace Diffusion.Kit.Bench;

/// <summary>
/// Multiply-adds of one image through the course's digit UNet, convolutions only (norms, activations and the FC blocks
/// add under 1%). A 3x3 conv costs 9 Cin Cout per output pixel; a transposed conv k x k costs k^2 Cin Cout per input
/// pixel. `bench` divides these by the measured time to show how close sampling runs to the machine's convolution
/// throughput. At D 64: about 70 M (encoder) and 198 M (decoder), of which 48 M on the skips.
/// </summary>
/// <param name="Encoder">through <see cref="FastDigitUNet.Encode"/>.</param>
/// <param name="Decoder">through <see cref="FastDigitUNet.Decode"/> with one conditioning.</param>
/// <param name="DecoderSkips">the share of <paramref name="Decoder"/> spent on the skips e0, e1, e2, which several
/// conditionings of one image share (<see cref="SkipConcat"/>).</param>
public sealed record DigitUNetMultiplyAdds(double Encoder, double Decoder, double DecoderSkips)
{
    /// <summary>One network step for <paramref name="images"/> images decoded under <paramref name="copies"/> conditionings each.</summary>
    public double Step(int images, int copies) => images * (Encoder + DecoderSkips + copies * (Decoder - DecoderSkips));

    /// <summary>The count for a UNet of width <paramref name="hidden"/> (D).</summary>
    public static DigitUNetMultiplyAdds PerImage(int hidden)
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
        return new DigitUNetMultiplyAdds(encoder, decoder, skips);
    }
}

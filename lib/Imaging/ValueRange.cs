using static TorchSharp.torch;

namespace Diffusion.Imaging;

/// <summary>
/// Which numbers mean black and white in an image tensor. MNIST and the part B networks use [0, 1];
/// pretrained diffusion models (part A) work in [-1, 1]. Always said explicitly, never guessed.
/// </summary>
public enum ValueRange
{
    /// <summary>0 is black, 1 is white.</summary>
    ZeroOne,
    /// <summary>-1 is black, 1 is white.</summary>
    MinusOneOne,
}

public static class ValueRangeExtensions
{
    /// <summary>Maps <paramref name="x"/> from <paramref name="range"/> to [0, 1] (no clamping).</summary>
    public static Tensor ToZeroOne(this ValueRange range, Tensor x) =>
        range == ValueRange.MinusOneOne ? x.add(1).div(2) : x.alias();

    /// <summary>Maps <paramref name="x"/> from [0, 1] to <paramref name="range"/>.</summary>
    public static Tensor FromZeroOne(this ValueRange range, Tensor x) =>
        range == ValueRange.MinusOneOne ? x.mul(2).sub(1) : x.alias();
}

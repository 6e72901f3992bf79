using TorchSharp.Modules;
using static TorchSharp.torch.nn;

namespace Diffusion.Models;

/// <summary>
/// The course's UNet operations (spec, part B table). Each is a small Sequential so that a printed
/// model reads like the table: Conv, DownConv, UpConv, Flatten, Unflatten, and the blocks built from them.
/// Sampling runs the same layers through <see cref="Inference.FastDigitUNet"/>, which is checked equal to them.
/// </summary>
public static class Blocks
{
    /// <summary>Conv2d(3, 1, 1) + BN + GELU: changes channels only.</summary>
    public static Sequential Conv(int inChannels, int outChannels) => Sequential(
        ("conv", Conv2d(inChannels, outChannels, kernel_size: 3, stride: 1, padding: 1)),
        ("bn", BatchNorm2d(outChannels)),
        ("gelu", GELU()));

    /// <summary>Conv2d(3, 2, 1) + BN + GELU: halves H and W.</summary>
    public static Sequential DownConv(int inChannels, int outChannels) => Sequential(
        ("conv", Conv2d(inChannels, outChannels, kernel_size: 3, stride: 2, padding: 1)),
        ("bn", BatchNorm2d(outChannels)),
        ("gelu", GELU()));

    /// <summary>ConvTranspose2d(4, 2, 1) + BN + GELU: doubles H and W.</summary>
    public static Sequential UpConv(int inChannels, int outChannels) => Sequential(
        ("convt", ConvTranspose2d(inChannels, outChannels, kernel_size: 4, stride: 2, padding: 1)),
        ("bn", BatchNorm2d(outChannels)),
        ("gelu", GELU()));

    /// <summary>AvgPool2d(7) + GELU: 7x7 to 1x1.</summary>
    public static Sequential Flatten() => Sequential(
        ("pool", AvgPool2d(kernel_size: 7)),
        ("gelu", GELU()));

    /// <summary>ConvTranspose2d(7, 7, 0) + BN + GELU: 1x1 to 7x7.</summary>
    public static Sequential Unflatten(int channels) => Sequential(
        ("convt", ConvTranspose2d(channels, channels, kernel_size: 7, stride: 7, padding: 0)),
        ("bn", BatchNorm2d(channels)),
        ("gelu", GELU()));

    /// <summary>Conv, Conv.</summary>
    public static Sequential ConvBlock(int inChannels, int outChannels) => Sequential(
        ("conv1", Conv(inChannels, outChannels)),
        ("conv2", Conv(outChannels, outChannels)));

    /// <summary>DownConv, ConvBlock.</summary>
    public static Sequential DownBlock(int inChannels, int outChannels) => Sequential(
        ("down", DownConv(inChannels, outChannels)),
        ("block", ConvBlock(outChannels, outChannels)));

    /// <summary>UpConv, ConvBlock.</summary>
    public static Sequential UpBlock(int inChannels, int outChannels) => Sequential(
        ("up", UpConv(inChannels, outChannels)),
        ("block", ConvBlock(outChannels, outChannels)));

    /// <summary>Linear, GELU, Linear: embeds a conditioning vector (t / T or a one-hot class).</summary>
    public static Sequential FCBlock(int inFeatures, int outFeatures) => Sequential(
        ("fc1", Linear(inFeatures, outFeatures)),
        ("gelu", GELU()),
        ("fc2", Linear(outFeatures, outFeatures)));
}

using Diffusion.TextToImage;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>Known answers for the diversity measures of part A's model evaluation.</summary>
public sealed class SampleDiversityTests
{
    [Fact]
    public void MeanPairwiseDistanceOfConstantImagesIsTheirDifference()
    {
        using var images = stack([full(new long[] { 3, 8, 8 }, 0.0), full(new long[] { 3, 8, 8 }, 0.5), full(new long[] { 3, 8, 8 }, -0.5)]);
        // pairs: 0.5, 0.5, 1.0 -> mean 2/3
        Assert.Equal(2.0 / 3, SampleDiversity.MeanPairwiseDistance(images), 6);
    }

    [Fact]
    public void APictureAndItsOnePixelShiftAreOnePictureAndTwoDrawingsAreNot()
    {
        using var generator = new Generator(7);
        using var picture = rand(new long[] { 3, 16, 16 }, generator: generator) * 2 - 1;
        using var shifted = roll(picture, [1, -1], [1, 2]);
        using var other = rand(new long[] { 3, 16, 16 }, generator: generator) * 2 - 1;
        Assert.True(SampleDiversity.ShiftedDistance(picture, shifted) < 1e-9, "a one-pixel shift is undone by the best shift");
        using (var same = stack([picture, shifted, picture])) Assert.True(SampleDiversity.AllOnePicture(same));
        using (var mixed = stack([picture, shifted, other])) Assert.False(SampleDiversity.AllOnePicture(mixed));
        using var twoPixels = roll(picture, [2], [2]);
        Assert.True(SampleDiversity.ShiftedDistance(picture, twoPixels) > SampleDiversity.SameShiftedPicture, "two pixels is more than the allowed shift");
    }

    [Fact]
    public void FewerThanTwoImagesAreRefusedByName() =>
        Assert.Equal("images", Assert.Throws<ArgumentException>(() => SampleDiversity.MeanPairwiseDistance(zeros(1, 3, 8, 8))).ParamName);
}

using Diffusion.Data;
using Diffusion.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;

namespace Diffusion.Tests;

public sealed class ImagingTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("imaging-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(3, false)]
    [InlineData(1, true)]
    public void Tensor_to_png_to_tensor_is_within_one_level(int channels, bool grayscale)
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.rand(channels, 5, 7, generator: new torch.Generator(3));
        var path = Path.Combine(_dir, "x.png");
        ImageTensor.Save(image, path);
        var back = ImageTensor.Load(path, grayscale: grayscale);
        Assert.Equal(image.shape, back.shape);
        Assert.True((back - image).abs().max().item<float>() <= 0.5f / 255 + 1e-6f);
        using var info = SixLabors.ImageSharp.Image.Load(path);
        Assert.Equal(channels == 1 ? 8 : 24, info.PixelType.BitsPerPixel);
    }

    [Fact]
    public void Minus_one_to_one_maps_to_black_mid_gray_white_and_clamps()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.tensor(new float[] { -1f, 0f, 1f, -3f, 2f }).view(1, 1, 5);
        using var picture = ImageTensor.ToPicture(image, ValueRange.MinusOneOne);
        Assert.Equal([0, 128, 255, 0, 255], Enumerable.Range(0, 5).Select(x => (int)picture.Image[x, 0].R));
        var path = Path.Combine(_dir, "r.png");
        picture.Save(path);
        var back = ImageTensor.Load(path, ValueRange.MinusOneOne, grayscale: true);
        var values = back.data<float>().ToArray();
        float[] expected = [-1f, 1f / 255, 1f, -1f, 1f]; // 128 / 255 * 2 - 1 = 1 / 255
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i], values[i], 1e-6f);
    }

    [Fact]
    public void Wrong_shape_names_the_argument_and_the_shape()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => ImageTensor.ToPicture(torch.zeros(2, 5, 5)));
        Assert.Contains("image must be 1xHxW (grayscale) or 3xHxW (RGB), got 2x5x5", e.Message);
        var g = Assert.Throws<ArgumentException>(() => ImageGrid.Make(torch.zeros(4, 28, 28)));
        Assert.Contains("images must be NxCxHxW with C = 1 or 3, got 4x28x28", g.Message);
    }

    [Fact]
    public void Grid_size_follows_the_documented_layout()
    {
        using var scope = torch.NewDisposeScope();
        var batch = torch.zeros(5, 1, 28, 28);
        using (var plain = ImageGrid.Make(batch, columns: 3))
            Assert.Equal((3 * 30 + 2, 2 * 30 + 2), (plain.Width, plain.Height));
        using (var captioned = ImageGrid.Make(batch, columns: 3, captions: ["a", "b", "c", "d", "e"], title: "T", scale: 2, captionScale: 2))
            Assert.Equal((3 * 58 + 2, (18 + 4) + 2 * (56 + 20 + 2) + 2), (captioned.Width, captioned.Height));
    }

    [Fact]
    public void Captions_draw_ink_below_the_images_only_when_given()
    {
        using var scope = torch.NewDisposeScope();
        var white = torch.ones(2, 3, 20, 20);
        using var with = ImageGrid.Make(white, columns: 2, captions: ["t=1", "t=2"]);
        using var empty = ImageGrid.Make(white, columns: 2, captions: ["", ""]);
        Assert.True(InkBelow(with.Image, 22) > 10);
        Assert.Equal(0, InkBelow(empty.Image, 22));
    }

    static int InkBelow(Image<Rgb24> image, int top)
    {
        int ink = 0;
        for (int y = top; y < image.Height; y++)
            for (int x = 0; x < image.Width; x++)
                if (image[x, y].R < 128) ink++;
        return ink;
    }

    [Fact]
    public void Font_has_distinct_glyphs_and_measures_text()
    {
        var glyphs = Enumerable.Range(32, 95).Select(c => string.Concat(
            Enumerable.Range(0, 35).Select(i => BitmapFont.IsInk((char)c, i % 5, i / 5) ? '#' : '.'))).ToList();
        Assert.Equal(95, glyphs.Distinct().Count());
        Assert.DoesNotContain('#', glyphs[0]);
        Assert.All(Enumerable.Range(0, 5), x => Assert.True(BitmapFont.IsInk('-', x, 3)));
        Assert.Equal((22, 18), BitmapFont.Measure("ab", 2));
        Assert.Equal("abc..", BitmapFont.Fit("abcdefgh", 30));
    }

    [Fact]
    public void Gif_has_one_frame_per_tensor_with_delays_and_looping()
    {
        var path = Path.Combine(_dir, "a.gif");
        using (var scope = torch.NewDisposeScope())
        {
            var frames = Enumerable.Range(0, 4).Select(i => torch.full(1, 8, 8, i / 3f)).ToList();
            using var gif = AnimatedGif.FromFrames(frames, delayMs: 50, lastDelayMs: 1000, scale: 2);
            Assert.Equal(4, gif.FrameCount);
            Assert.Equal("image/gif", gif.MimeType);
            gif.Save(path);
        }
        using var decoded = SixLabors.ImageSharp.Image.Load<Rgb24>(path);
        Assert.Equal(4, decoded.Frames.Count);
        Assert.Equal((16, 16), (decoded.Width, decoded.Height));
        Assert.Equal(0, decoded.Metadata.GetGifMetadata().RepeatCount);
        Assert.Equal([5, 5, 5, 100], Enumerable.Range(0, 4).Select(i => decoded.Frames[i].Metadata.GetGifMetadata().FrameDelay));
        Assert.Equal(255, decoded.Frames[3][0, 0].R);
        Assert.Equal(0, decoded.Frames[0][0, 0].R);
    }

    [Fact]
    public void Gif_frames_must_match_in_size()
    {
        using var scope = torch.NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => AnimatedGif.FromFrames([torch.zeros(1, 8, 8), torch.zeros(1, 9, 8)]));
        Assert.Contains("frame 1 is 8x9", e.Message);
    }

    [Fact]
    public void Center_crop_and_resize()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.arange(36f).view(1, 6, 6);
        var crop = ImageOps.CenterCrop(image, 2, 4);
        Assert.Equal([1L, 2, 4], crop.shape);
        Assert.Equal([13f, 14f, 15f, 16f, 19f, 20f, 21f, 22f], crop.contiguous().data<float>().ToArray());
        var resized = ImageOps.Resize(torch.full(2, 3, 10, 20, 0.25f), 5, 7);
        Assert.Equal([2L, 3, 5, 7], resized.shape);
        Assert.True((resized - 0.25f).abs().max().item<float>() < 1e-6f);
        Assert.Equal([3L, 8, 8], ImageOps.ResizeSquare(torch.zeros(3, 16, 32), 8).shape);
        Assert.Throws<ArgumentException>(() => ImageOps.CenterCrop(image, 7, 2));
    }

    [Fact]
    public void Test_images_load_square_and_masks_are_binary()
    {
        using var scope = torch.NewDisposeScope();
        var rocket = TestImages.Load("rocket.jpg", size: 64, range: ValueRange.MinusOneOne);
        Assert.Equal([3L, 64, 64], rocket.shape);
        Assert.InRange(rocket.min().item<float>(), -1f, 1f);
        var mask = TestImages.LoadMask("rocket_mask.png", size: 64);
        Assert.Equal([1L, 64, 64], mask.shape);
        Assert.Equal(mask.numel(), (mask.eq(0) | mask.eq(1)).sum().item<long>());
        Assert.InRange(mask.sum().item<float>(), 100f, 400f); // about 0.18 x 0.29 of the square crop
        Assert.Equal(0f, mask[0, 0, 32].item<float>());   // the sky above the rocket is kept
        Assert.Equal(1f, mask[0, 25, 32].item<float>());  // the rocket's top is regenerated
        Assert.Equal(0.25f, TestImages.LoadMask("center_mask.png").mean().item<float>());
        foreach (var name in TestImages.Drawn)
            Assert.Equal([3L, 256, 256], TestImages.Load(name).shape);
    }
}

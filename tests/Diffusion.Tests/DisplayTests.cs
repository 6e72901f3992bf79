using Diffusion.Display;
using Diffusion.Imaging;
using Microsoft.DotNet.Interactive.Formatting;
using TorchSharp;

namespace Diffusion.Tests;

public sealed class DisplayTests
{
    static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    static SixLabors.ImageSharp.Image DecodePng(string base64)
    {
        var bytes = Convert.FromBase64String(base64);
        Assert.Equal(PngSignature, bytes[..8]);
        return SixLabors.ImageSharp.Image.Load(bytes);
    }

    [Fact]
    public void Pictures_format_as_base64_png_and_register_is_repeatable()
    {
        NotebookDisplay.Register();
        NotebookDisplay.Register();
        using var scope = torch.NewDisposeScope();
        using var picture = ImageTensor.ToPicture(torch.ones(3, 4, 6));
        Assert.Equal("image/png", Formatter.GetPreferredMimeTypesFor(typeof(Picture)).First());
        using var image = DecodePng(picture.ToDisplayString("image/png"));
        Assert.Equal((6, 4), (image.Width, image.Height));
    }

    [Fact]
    public void Image_batches_display_as_a_grid()
    {
        NotebookDisplay.Register();
        using var scope = torch.NewDisposeScope();
        var batch = torch.rand(4, 1, 28, 28);
        Assert.Equal("image/png", Formatter.GetPreferredMimeTypesFor(typeof(torch.Tensor)).First());
        using var image = DecodePng(batch.ToDisplayString("image/png"));
        // 28x28 digits are enlarged 3x to 84 pixels, four to a row, padding 2.
        Assert.Equal((4 * 86 + 2, 86 + 2), (image.Width, image.Height));
        using var single = DecodePng(torch.rand(3, 100, 50).ToDisplayString("image/png"));
        Assert.Equal((50, 100), (single.Width, single.Height));
        using var bytes = TensorPictures.TryMake(torch.full(2, 1, 4, 4, 128, dtype: torch.uint8))!;
        Assert.Equal(128, bytes.Image[5, 5].R); // uint8 tensors are 0-255, not clamped [0, 1] values
    }

    [Fact]
    public void Non_image_tensors_still_give_a_png_and_their_text()
    {
        NotebookDisplay.Register();
        using var scope = torch.NewDisposeScope();
        var vector = torch.arange(10);
        using var image = DecodePng(vector.ToDisplayString("image/png"));
        Assert.True(image.Width > 20);
        Assert.Null(TensorPictures.TryMake(vector));
        Assert.Contains("10", vector.ToDisplayString("text/plain"));
    }

    [Fact]
    public void Gifs_format_as_gif_with_a_png_fallback()
    {
        NotebookDisplay.Register();
        using var scope = torch.NewDisposeScope();
        using var gif = AnimatedGif.FromFrames([torch.zeros(1, 8, 8), torch.ones(1, 8, 8)]);
        Assert.Equal(["image/gif", "image/png", "text/plain"], Formatter.GetPreferredMimeTypesFor(typeof(AnimatedGif)));
        var bytes = Convert.FromBase64String(gif.ToDisplayString("image/gif"));
        Assert.Equal("GIF89a"u8.ToArray(), bytes[..6]);
        using var first = DecodePng(gif.ToDisplayString("image/png"));
        Assert.Equal((8, 8), (first.Width, first.Height));
        Assert.Equal(NotebookDisplay.ToBase64Png(gif), gif.ToDisplayString("image/png"));
    }
}

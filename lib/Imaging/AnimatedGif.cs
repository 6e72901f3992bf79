using Diffusion.Display;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using static TorchSharp.torch;

namespace Diffusion.Imaging;

/// <summary>
/// An animated GIF made from a sequence of image tensors (e.g. the steps of a sampling loop); each frame is
/// a C x H x W image or an N x C x H x W batch shown as a grid. Loops forever unless told otherwise.
/// </summary>
public sealed class AnimatedGif : IPicture, IDisposable
{
    readonly Image<Rgb24> _frames;

    public int FrameCount => _frames.Frames.Count;
    public int Width => _frames.Width;
    public int Height => _frames.Height;

    public override string ToString() => $"AnimatedGif {Width}x{Height}, {FrameCount} frames";
    public string MimeType => "image/gif";

    AnimatedGif(Image<Rgb24> frames) => _frames = frames;

    /// <param name="frames">images or batches, all giving pictures of the same size</param>
    /// <param name="range">value range of every frame</param>
    /// <param name="delayMs">time each frame shows, in milliseconds (GIF resolution: 10 ms)</param>
    /// <param name="lastDelayMs">time the last frame shows (default: the same), so the result can be seen</param>
    /// <param name="repeat">0 loops forever, otherwise the number of times played</param>
    /// <param name="scale">nearest-neighbour enlargement, e.g. 4 for 28x28 digits</param>
    /// <param name="columns">grid columns for batch frames (default: about square)</param>
    public static AnimatedGif FromFrames(IEnumerable<Tensor> frames, ValueRange range = ValueRange.ZeroOne, int delayMs = 100,
        int? lastDelayMs = null, int repeat = 0, int scale = 1, int? columns = null)
    {
        if (delayMs < 0) throw new ArgumentOutOfRangeException(nameof(delayMs), $"delayMs must be 0 or more, got {delayMs}.");
        if (repeat is < 0 or > ushort.MaxValue) throw new ArgumentOutOfRangeException(nameof(repeat), $"repeat must be from 0 to 65535, got {repeat}.");
        Image<Rgb24>? gif = null;
        int index = 0;
        try
        {
            foreach (var frame in frames)
            {
                using var picture = frame.dim() == 4 && frame.shape[0] != 1
                    ? ImageGrid.Make(frame, range, columns, scale: scale)
                    : Enlarged(ImageTensor.ToPicture(frame, range), scale);
                if (gif is null)
                {
                    gif = picture.Image.Clone();
                    gif.Metadata.GetGifMetadata().RepeatCount = (ushort)repeat;
                }
                else if (picture.Width != gif.Width || picture.Height != gif.Height)
                    throw new ArgumentException($"frame {index} is {picture.Width}x{picture.Height} pixels but frame 0 is {gif.Width}x{gif.Height}; all frames must match.", nameof(frames));
                else gif.Frames.AddFrame(picture.Image.Frames.RootFrame);
                gif.Frames[index].Metadata.GetGifMetadata().FrameDelay = (delayMs + 5) / 10;
                index++;
            }
            if (gif is null) throw new ArgumentException("an animation needs at least one frame.", nameof(frames));
            if (lastDelayMs is int last) gif.Frames[^1].Metadata.GetGifMetadata().FrameDelay = (last + 5) / 10;
            return new AnimatedGif(gif);
        }
        catch { gif?.Dispose(); throw; }
    }

    static Picture Enlarged(Picture p, int scale)
    {
        if (scale == 1) return p;
        using (p) return p.Enlarge(scale);
    }

    /// <summary>Delay of each frame in milliseconds.</summary>
    public IReadOnlyList<int> DelaysMs => Enumerable.Range(0, FrameCount).Select(i => _frames.Frames[i].Metadata.GetGifMetadata().FrameDelay * 10).ToList();

    public byte[] Encode()
    {
        using var buffer = new MemoryStream();
        // A palette per frame keeps colours right when frames differ a lot (noise -> image).
        _frames.SaveAsGif(buffer, new GifEncoder { ColorTableMode = GifColorTableMode.Local });
        return buffer.ToArray();
    }

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, Encode());
    }

    /// <summary>The first frame as a still picture (for outputs that cannot show GIFs).</summary>
    public Picture FirstFrame() => new(_frames.Frames.CloneFrame(0));

    /// <summary>The last frame as a still picture.</summary>
    public Picture LastFrame() => new(_frames.Frames.CloneFrame(FrameCount - 1));

    public void Dispose() => _frames.Dispose();
}

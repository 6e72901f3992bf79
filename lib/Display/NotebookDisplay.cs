using Diffusion.Imaging;
using Microsoft.DotNet.Interactive.Formatting;
using static TorchSharp.torch;

namespace Diffusion.Display;

/// <summary>
/// Makes pictures show inline in .NET Interactive notebooks: every <see cref="IPicture"/> and every image-shaped
/// <see cref="Tensor"/> (see <see cref="TensorPictures"/>) is formatted as "image/png" (base64, as Jupyter stores it),
/// with "text/plain" as the second choice. An <see cref="AnimatedGif"/> is "image/gif" first, its first frame as
/// "image/png" second. Call <see cref="Register"/> at the top of a notebook; calling it again is harmless, and
/// it registers again if the kernel's formatters were reset. Also registers Plotly charts (<see cref="ChartDisplay"/>).
/// </summary>
public static class NotebookDisplay
{
    public const string Png = "image/png", Gif = "image/gif", Text = "text/plain";
    static readonly object Gate = new();
    static ITypeFormatter[]? _registered;

    public static void Register()
    {
        lock (Gate)
        {
            if (_registered is not null && IsStillRegistered(_registered)) return;
            _registered =
            [
                new PictureFormatter(typeof(IPicture), Png, p => p is IPicture pic ? PngBytes(pic) : null),
                new PictureFormatter(typeof(AnimatedGif), Gif, p => (p as AnimatedGif)?.Encode()),
                new PictureFormatter(typeof(AnimatedGif), Png, p => p is AnimatedGif g ? PngBytes(g) : null),
                new PictureFormatter(typeof(Tensor), Png, p => p is Tensor t ? TensorPng(t) : null),
            ];
            foreach (var f in _registered) Formatter.Register(f);
            // The second choice is a line of text, not the default dump of every property (which prints "<null>"s).
            Formatter.Register<IPicture>((picture, writer) => writer.Write(picture.ToString()), Text);
            Formatter.Register<Tensor>((t, writer) => writer.Write(TensorText(t)), Text);
            Formatter.SetPreferredMimeTypesFor(typeof(IPicture), Png, Text);
            Formatter.SetPreferredMimeTypesFor(typeof(Picture), Png, Text);
            Formatter.SetPreferredMimeTypesFor(typeof(AnimatedGif), Gif, Png, Text);
            Formatter.SetPreferredMimeTypesFor(typeof(Tensor), Png, Text);
        }
        ChartDisplay.Register();
    }

    /// <summary>The base64 image/png text a notebook output holds for <paramref name="value"/> (null if it has none).</summary>
    public static string? ToBase64Png(object value)
    {
        var bytes = value switch
        {
            IPicture p => PngBytes(p),
            Tensor t => TensorPng(t),
            _ => null,
        };
        return bytes is null ? null : Convert.ToBase64String(bytes);
    }

    static bool IsStillRegistered(ITypeFormatter[] ours)
    {
        var current = Formatter.RegisteredFormatters(includeDefaults: false).ToHashSet();
        return ours.All(current.Contains) && Formatter.GetPreferredMimeTypesFor(typeof(Tensor)).FirstOrDefault() == Png;
    }

    static byte[]? PngBytes(IPicture picture)
    {
        if (picture.MimeType == Png) return picture.Encode();
        if (picture is AnimatedGif gif) { using var first = gif.FirstFrame(); return first.Encode(); }
        return null;
    }

    /// <summary>
    /// The tensor as a picture; a tensor that is not an image (a scalar, a vector, a 10x784 batch of rows...)
    /// becomes a small picture of its text, so a Tensor's image/png output is never empty or broken.
    /// </summary>
    static byte[] TensorPng(Tensor t)
    {
        using var picture = TensorPictures.TryMake(t) ?? TextPicture.Render(TensorText(t));
        return picture.Encode();
    }

    static string TensorText(Tensor t) => t.IsInvalid ? "(disposed tensor)" : t.ToString(TorchSharp.TensorStringStyle.Julia, "g4", 72);

    /// <summary>Writes base64 of the bytes the function gives, declining (false) when it gives none.</summary>
    sealed class PictureFormatter(Type type, string mimeType, Func<object, byte[]?> encode) : ITypeFormatter
    {
        public Type Type => type;
        public string MimeType => mimeType;

        public bool Format(object instance, FormatContext context)
        {
            var bytes = instance is null ? null : encode(instance);
            if (bytes is null) return false;
            context.Writer.Write(Convert.ToBase64String(bytes));
            return true;
        }
    }
}

namespace Diffusion.Display;

/// <summary>
/// Anything the kit can show as a picture: tensors turned into images, grids, GIFs.
/// Notebook formatters render it as an image/png (or image/gif) output.
/// </summary>
public interface IPicture
{
    /// <summary>MIME type of <see cref="Encode"/>'s bytes: "image/png" or "image/gif".</summary>
    string MimeType { get; }
    byte[] Encode();
}

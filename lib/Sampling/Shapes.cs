using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>Shape checks whose messages speak the user's language ("image must be Nx3x64x64 for this model, got 1x3x32x32").</summary>
public static class Shapes
{
    public static string Format(IEnumerable<long> shape) => string.Join("x", shape);

    /// <summary>Checks that <paramref name="image"/> is N x C x H x W with the predictor's C, H, W.</summary>
    public static void CheckBatch(INoisePredictor predictor, Tensor image, string paramName)
    {
        ArgumentNullException.ThrowIfNull(image, paramName);
        var s = image.shape;
        if (s.Length != 4 || s[0] < 1 || s[1] != predictor.Channels || s[2] != predictor.Height || s[3] != predictor.Width)
            throw new ArgumentException(
                $"{paramName} must be Nx{predictor.Channels}x{predictor.Height}x{predictor.Width} for this model, got {Format(s)}.", paramName);
    }

    /// <summary>A single image (C x H x W) or a batch (N x C x H x W) as a batch; checked against the predictor.</summary>
    public static Tensor AsBatch(INoisePredictor predictor, Tensor image, string paramName)
    {
        ArgumentNullException.ThrowIfNull(image, paramName);
        var s = image.shape;
        if (s.Length == 3 && s[0] == predictor.Channels && s[1] == predictor.Height && s[2] == predictor.Width)
            return image.unsqueeze(0);
        if (s.Length == 3 || s.Length != 4)
            throw new ArgumentException(
                $"{paramName} must be {predictor.Channels}x{predictor.Height}x{predictor.Width} (or Nx{predictor.Channels}x{predictor.Height}x{predictor.Width}) for this model, got {Format(s)}.", paramName);
        CheckBatch(predictor, image, paramName);
        return image.alias();
    }

}

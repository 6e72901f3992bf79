using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// A view of an image for visual anagrams (1.8): an invertible rearrangement of pixels, so that Gaussian noise
/// stays Gaussian under it. It acts on the last two dimensions (H, W) of C x H x W or N x C x H x W tensors.
/// </summary>
public interface IView
{
    string Name { get; }
    Tensor Apply(Tensor image);
    Tensor Inverse(Tensor image);
}

/// <summary>The views the kit ships.</summary>
public static class Views
{
    public static IView Identity { get; } = new IdentityView();
    /// <summary>The course's view: upside down (flip along the height).</summary>
    public static IView FlipUpsideDown { get; } = new FlipView();
    /// <summary>Rotation by 90 degrees counter-clockwise (square images only).</summary>
    public static IView Rotate90 { get; } = new RotateView();
    /// <summary>A fixed random permutation of the H x W pixel positions (the same for every channel), from a seed.</summary>
    public static IView PixelPermutation(int height, int width, int seed = 0) => new PermutationView(height, width, seed);

    sealed class IdentityView : IView
    {
        public string Name => "identity";
        public Tensor Apply(Tensor image) => image.alias();
        public Tensor Inverse(Tensor image) => image.alias();
    }

    sealed class FlipView : IView
    {
        public string Name => "upside down";
        public Tensor Apply(Tensor image) => image.flip(-2);
        public Tensor Inverse(Tensor image) => image.flip(-2);
    }

    sealed class RotateView : IView
    {
        public string Name => "rotate 90";
        public Tensor Apply(Tensor image) => Square(image).rot90(1, (-2, -1));
        public Tensor Inverse(Tensor image) => Square(image).rot90(-1, (-2, -1));

        static Tensor Square(Tensor image) => image.shape[^1] == image.shape[^2]
            ? image
            : throw new ArgumentException($"a 90-degree rotation needs a square image, got {Shapes.Format(image.shape)}.", nameof(image));
    }

    sealed class PermutationView : IView
    {
        readonly int _height, _width;
        readonly long[] _forward, _inverse;

        public PermutationView(int height, int width, int seed)
        {
            if (height < 1 || width < 1)
                throw new ArgumentException($"a pixel permutation needs a positive height and width, got {height}x{width}.", nameof(height));
            _height = height; _width = width;
            _forward = Enumerable.Range(0, height * width).Select(i => (long)i).ToArray();
            new Random(seed).Shuffle(_forward);
            _inverse = new long[_forward.Length];
            for (int i = 0; i < _forward.Length; i++) _inverse[_forward[i]] = i;
            Name = $"pixel permutation (seed {seed})";
        }

        public string Name { get; }
        public Tensor Apply(Tensor image) => Permute(image, _forward);
        public Tensor Inverse(Tensor image) => Permute(image, _inverse);

        Tensor Permute(Tensor image, long[] order)
        {
            if (image.shape[^2] != _height || image.shape[^1] != _width)
                throw new ArgumentException($"this pixel permutation is for {_height}x{_width} images, got {Shapes.Format(image.shape)}.", nameof(image));
            using var scope = NewDisposeScope();
            var flat = image.flatten(-2);
            using var index = tensor(order, device: image.device);
            var result = flat.index_select(flat.dim() - 1, index).unflatten(flat.dim() - 1, [_height, _width]);
            return result.MoveToOuterDisposeScope();
        }
    }
}

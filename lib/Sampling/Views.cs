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

    /// <summary>
    /// How a model's variance output v comes back from the view: rearranged like the noise for a pixel rearrangement
    /// (the default), unchanged for a view that changes values, not positions (a variance is never negated).
    /// </summary>
    Tensor InverseVariance(Tensor variance) => Inverse(variance);
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

    // Views beyond the course (Geng et al. 2024, Visual Anagrams, https://arxiv.org/abs/2311.17919): each an orthogonal transform of the
    // pixels, so i.i.d. Gaussian noise stays i.i.d. Gaussian under it and the anagram's average is a valid noise estimate.

    /// <summary>Rotation by 180 degrees.</summary>
    public static IView Rotate180 { get; } = new RotateView(2, "rotate 180");
    /// <summary>Rotation by 90 degrees clockwise (square images only).</summary>
    public static IView Rotate90Clockwise { get; } = new RotateView(-1, "rotate 90 clockwise");
    /// <summary>Negation, x -> -x: the colours inverted about the middle grey of [-1, 1].</summary>
    public static IView Negate { get; } = new NegateView();

    /// <summary>
    /// A jigsaw: the image cut into <paramref name="patch"/> x <paramref name="patch"/> squares, shuffled by a fixed seed
    /// (each square moved whole, not rotated).
    /// </summary>
    public static IView PatchPermutation(int height, int width, int patch, int seed = 0)
    {
        if (patch < 1 || height % patch != 0 || width % patch != 0)
            throw new ArgumentException($"the patch size must divide the image ({height}x{width}), got {patch}.", nameof(patch));
        int rows = height / patch, columns = width / patch;
        var squares = Enumerable.Range(0, rows * columns).ToArray();
        new Random(seed).Shuffle(squares);
        // Output square k shows input square squares[k]: map every output pixel to its input pixel.
        var order = new long[height * width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int source = squares[y / patch * columns + x / patch];
                order[y * width + x] = (long)(source / columns * patch + y % patch) * width + source % columns * patch + x % patch;
            }
        return new PermutationView(height, width, order, $"jigsaw of {patch}x{patch} patches (seed {seed})");
    }

    /// <summary>
    /// A skew: row y shifted right by <paramref name="shiftPerRow"/> x y pixels, wrapping around (a shear of the torus,
    /// so no pixel is lost).
    /// </summary>
    public static IView Skew(int height, int width, int shiftPerRow = 1)
    {
        if (height < 1 || width < 1)
            throw new ArgumentException($"a skew needs a positive height and width, got {height}x{width}.", nameof(height));
        var order = new long[height * width];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                order[y * width + x] = (long)y * width + ((x - shiftPerRow * y) % width + width) % width;
        return new PermutationView(height, width, order, $"skew ({shiftPerRow} px a row)");
    }

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

    sealed class NegateView : IView
    {
        public string Name => "negated";
        public Tensor Apply(Tensor image) => -image;
        public Tensor Inverse(Tensor image) => -image;
        public Tensor InverseVariance(Tensor variance) => variance.alias();
    }

    sealed class RotateView(int quarterTurns = 1, string name = "rotate 90") : IView
    {
        public string Name => name;
        public Tensor Apply(Tensor image) => Square(image).rot90(quarterTurns, (-2, -1));
        public Tensor Inverse(Tensor image) => Square(image).rot90(-quarterTurns, (-2, -1));

        static Tensor Square(Tensor image) => image.shape[^1] == image.shape[^2]
            ? image
            : throw new ArgumentException($"a 90-degree rotation needs a square image, got {Shapes.Format(image.shape)}.", nameof(image));
    }

    sealed class PermutationView : IView
    {
        readonly int _height, _width;
        readonly long[] _forward, _inverse;

        public PermutationView(int height, int width, int seed) : this(height, width, Shuffled(height, width, seed), $"pixel permutation (seed {seed})") { }

        /// <param name="height">image height the permutation is for</param>
        /// <param name="width">image width</param>
        /// <param name="order">output pixel i (row-major) shows input pixel order[i]</param>
        /// <param name="name">how the view is called in captions</param>
        public PermutationView(int height, int width, long[] order, string name)
        {
            _height = height; _width = width;
            _forward = order;
            _inverse = new long[_forward.Length];
            for (int i = 0; i < _forward.Length; i++) _inverse[_forward[i]] = i;
            Name = name;
        }

        static long[] Shuffled(int height, int width, int seed)
        {
            if (height < 1 || width < 1)
                throw new ArgumentException($"a pixel permutation needs a positive height and width, got {height}x{width}.", nameof(height));
            var order = Enumerable.Range(0, height * width).Select(i => (long)i).ToArray();
            new Random(seed).Shuffle(order);
            return order;
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

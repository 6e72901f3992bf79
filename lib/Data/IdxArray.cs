namespace Diffusion.Data;

/// <summary>
/// The contents of one IDX file of unsigned bytes (the MNIST format): a shape and its values, row-major.
/// Images are N x rows x cols (idx3), labels are N (idx1).
/// </summary>
public sealed record IdxArray(int[] Shape, byte[] Data)
{
    /// <summary>Number of items along the first axis (images or labels).</summary>
    public int Count => Shape.Length == 0 ? 0 : Shape[0];

    /// <summary>Bytes per item: the product of every axis after the first.</summary>
    public int ItemSize => Shape.Skip(1).Aggregate(1, (a, b) => a * b);

    public string ShapeText => string.Join(" x ", Shape);
}

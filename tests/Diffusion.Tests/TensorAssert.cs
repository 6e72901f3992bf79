using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>Tensor comparisons whose failure says how far apart the tensors were.</summary>
static class TensorAssert
{
    /// <summary>allclose(actual, expected, rtol, atol); on failure the message names <paramref name="what"/>, the shapes and the largest difference.</summary>
    public static void Close(Tensor actual, Tensor expected, double rtol, double atol, string what = "tensors")
    {
        if (!actual.shape.SequenceEqual(expected.shape))
            Assert.Fail($"{what}: shape {string.Join("x", actual.shape)}, expected {string.Join("x", expected.shape)}");
        if (!actual.allclose(expected, rtol, atol))
            Assert.Fail($"{what}: max |difference| {SamplingTestKit.MaxAbsDiff(actual, expected):E2} exceeds atol {atol:E0} + rtol {rtol:E0} x |expected|");
    }
}

using static TorchSharp.torch;

namespace Diffusion.FlowMatching;

/// <summary>
/// The course's flow-matching path (part B, flow-matching version; <see href="https://arxiv.org/abs/2210.02747">Lipman
/// et al. 2023, Flow Matching</see>, its optimal-transport path with sigma_min = 0, written in
/// <see href="https://arxiv.org/abs/2209.03003">Liu et al. 2023, Rectified Flow</see>'s convention): noise x_0 ~ N(0, I) at t = 0, a digit x_1 at t = 1,
/// x_t = (1 - t) x_0 + t x_1, whose velocity d x_t / dt = x_1 - x_0 is what the UNet learns to predict.
/// </summary>
public static class FlowPath
{
    /// <summary>x_t = (1 - t) x_0 + t x_1. <paramref name="t"/>: one value for the batch, or N values (N, N x 1 or N x 1 x 1 x 1).</summary>
    public static Tensor Interpolate(Tensor noise, Tensor data, Tensor t)
    {
        CheckPair(noise, data);
        var tt = AsBroadcast(t, noise);
        return (1 - tt) * noise + tt * data;
    }

    /// <summary>x_t = (1 - t) x_0 + t x_1 for one time t in [0, 1].</summary>
    public static Tensor Interpolate(Tensor noise, Tensor data, double t)
    {
        CheckPair(noise, data);
        CheckTime(t);
        return (1 - t) * noise + t * data;
    }

    /// <summary>The path's velocity, the regression target: x_1 - x_0.</summary>
    public static Tensor Velocity(Tensor noise, Tensor data)
    {
        CheckPair(noise, data);
        return data - noise;
    }

    /// <summary>Throws unless 0 &lt;= t &lt;= 1 (the path is only defined there).</summary>
    public static void CheckTime(double t, string paramName = "t")
    {
        if (!(t >= 0 && t <= 1))
            throw new ArgumentOutOfRangeException(paramName, t, $"{paramName} must be a time in [0, 1] (0 is noise, 1 is data), got {t}.");
    }

    /// <summary>Throws unless every value of <paramref name="t"/> lies in [0, 1].</summary>
    public static void CheckTimes(Tensor t, string paramName = "t")
    {
        using var scope = NewDisposeScope();
        var low = t.min().item<float>();
        var high = t.max().item<float>();
        if (!(low >= 0 && high <= 1))
            throw new ArgumentOutOfRangeException(paramName, $"{paramName} must hold times in [0, 1] (0 is noise, 1 is data), got values from {low} to {high}.");
    }

    static void CheckPair(Tensor noise, Tensor data)
    {
        if (!noise.shape.SequenceEqual(data.shape))
            throw new ArgumentException(
                $"noise and data must have the same shape, got noise {string.Join("x", noise.shape)} and data {string.Join("x", data.shape)}.", nameof(noise));
    }

    static Tensor AsBroadcast(Tensor t, Tensor like)
    {
        CheckTimes(t);
        long n = like.shape[0];
        if (t.numel() == 1) return t.reshape(1).to(like.dtype).to(like.device);
        if (t.numel() != n)
            throw new ArgumentException($"t must hold one time for the batch or one per image ({n}), got {string.Join("x", t.shape)}.", nameof(t));
        var shape = new long[like.ndim];
        Array.Fill(shape, 1L);
        shape[0] = n;
        return t.reshape(shape).to(like.dtype).to(like.device);
    }
}

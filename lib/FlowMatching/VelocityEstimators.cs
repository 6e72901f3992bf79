using Diffusion.Sampling;
using static TorchSharp.torch;

namespace Diffusion.FlowMatching;

/// <summary>What the Euler sampler asks every step: the velocity to follow at (x_t, t). Guidance is one of these.</summary>
public interface IVelocityEstimator
{
    IVelocityField Field { get; }
    Tensor Estimate(Tensor xt, double t);
}

public static class VelocityEstimators
{
    /// <summary>The field under one conditioning (Null for the time-conditioned model).</summary>
    public static IVelocityEstimator Conditioned(this IVelocityField field, Conditioning conditioning) =>
        new ConditionedVelocity(field, conditioning);

    public static IVelocityEstimator Unconditional(this IVelocityField field) => new ConditionedVelocity(field, Conditioning.Null);

    /// <summary>Classifier-free guidance on velocities: u = u_u + gamma (u_c - u_u).</summary>
    public static IVelocityEstimator Guided(this IVelocityField field, Conditioning conditioning, double gamma) =>
        new GuidedVelocity(field, conditioning, gamma);

    /// <summary>Any rule for the velocity as an estimator (a notebook's own guidance, a hidden test's probe).</summary>
    public static IVelocityEstimator From(IVelocityField field, Func<Tensor, double, Tensor> estimate) =>
        new VelocityFrom(field, estimate);

    sealed class VelocityFrom(IVelocityField field, Func<Tensor, double, Tensor> estimate) : IVelocityEstimator
    {
        public IVelocityField Field { get; } = field ?? throw new ArgumentNullException(nameof(field));
        public Tensor Estimate(Tensor xt, double t) => estimate(xt, t);
    }

    internal static void CheckAccepted(IVelocityField field, Conditioning conditioning, string paramName)
    {
        ArgumentNullException.ThrowIfNull(field);
        ArgumentNullException.ThrowIfNull(conditioning, paramName);
        if (field.Reject(conditioning) is { } why) throw new ArgumentException(why, paramName);
    }
}

public sealed class ConditionedVelocity : IVelocityEstimator
{
    public ConditionedVelocity(IVelocityField field, Conditioning conditioning)
    {
        VelocityEstimators.CheckAccepted(field, conditioning, nameof(conditioning));
        Field = field;
        Conditioning = conditioning;
    }

    public IVelocityField Field { get; }
    public Conditioning Conditioning { get; }
    public Tensor Estimate(Tensor xt, double t) => Field.Predict(xt, t, Conditioning);
}

/// <summary>
/// Classifier-free guidance for a flow (the course's FM guidance, <see href="https://arxiv.org/abs/2207.12598">Ho and
/// Salimans 2022</see>'s combination applied to velocities): u = u_u + gamma (u_c - u_u), u_u from the zeroed
/// class. gamma 1 is the conditional field, 0 the unconditional one; the course uses 5.
/// </summary>
public sealed class GuidedVelocity : IVelocityEstimator
{
    public GuidedVelocity(IVelocityField field, Conditioning conditioning, double gamma)
    {
        if (!double.IsFinite(gamma))
            throw new ArgumentException($"gamma (the guidance scale) must be a finite number, got {gamma}.", nameof(gamma));
        VelocityEstimators.CheckAccepted(field, conditioning, nameof(conditioning));
        VelocityEstimators.CheckAccepted(field, Conditioning.Null, "field");
        Field = field; Conditioning = conditioning; Gamma = gamma;
    }

    public IVelocityField Field { get; }
    public Conditioning Conditioning { get; }
    public double Gamma { get; }

    public Tensor Estimate(Tensor xt, double t)
    {
        using var scope = NewDisposeScope();
        var (conditional, unconditional) = Field.PredictPair(xt, t, Conditioning, Conditioning.Null);
        return (unconditional + Gamma * (conditional - unconditional)).MoveToOuterDisposeScope();
    }
}

using Diffusion.Schedules;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.TextToImage;

/// <summary>
/// The part A model v2's loss: Improved DDPM's hybrid objective (<see href="https://arxiv.org/abs/2102.09672">Nichol and Dhariwal 2021</see>, section 3.1),
/// L_hybrid = L_simple + lambda L_vlb with lambda = 0.001, for a network that outputs the noise and a variance v:
/// <list type="number">
/// <item>augment and caption as the 32 x 32 model does (<see cref="TextToImageObjective.Augment"/>, <see cref="TextToImageObjective.Captions"/>:
///   shifts and scales, a random caption, "a high quality photo" at 5%, "" at 10% = prompt dropout);</item>
/// <item>t ~ U{0..T-1}, eps ~ N(0, I), x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps (A.2); the network gives eps_hat and v;</item>
/// <item>L_simple = ||eps_hat - eps||^2 (mean over pixels), or for a v head (<see cref="VPrediction"/>) ||v_hat - v||^2,
///   eps_hat then read off v_hat for the next term;</item>
/// <item>L_t: the model's step p(x_{t-1} | x_t) = N(mu, sigma^2), with mu from eps_hat with the gradient stopped (so L_vlb
///   trains only the variance; the paper's stop-gradient) and log sigma^2 = frac log beta_t + (1 - frac) log beta_tilde_t,
///   frac = (v + 1) / 2 (the paper's eq. 15, the course's add_variance); for t >= 1, L_t = KL(q(x_{t-1} | x_t, x0) || p)
///   (eq. 5-7, the posterior of A.3 with one step); for t = 0, L_0 = -log p(x0 | x_1), discretised to 256 levels (eq. 13 of
///   Ho et al. 2020). Both in bits per dimension;</item>
/// <item>loss = L_simple + lambda T L_t: with t drawn uniformly, T L_t estimates L_vlb = sum_t L_t.</item>
/// </list>
/// </summary>
public sealed class HybridObjective : ITrainingObjective<TextUNet64>
{
    readonly TextToImageObjective _data;
    // Per schedule index t (float32): abar_t, sqrt(abar_t), sqrt(1 - abar_t), the one-step posterior's coefficients of x0 and x_t,
    // log beta_t, log beta_tilde_t (at t = 0, where beta_tilde is 0, t = 1's value: the paper's "clipped" log variance),
    // and log beta_tilde_t unclipped for the true posterior (t >= 1 only).
    readonly Tensor _alphaBar, _sqrtAbar, _sqrtOneMinusAbar, _x0Coefficient, _xtCoefficient, _logBeta, _logBetaTildeClipped;

    public NoiseSchedule Schedule { get; }
    public double VlbWeight { get; }

    /// <summary>The data side (captions, augmentation) shared with the 32 x 32 model's objective.</summary>
    public TextToImageObjective Data => _data;

    public HybridObjective(TextToImageObjective data, double vlbWeight = 0.001)
    {
        if (!(vlbWeight >= 0) || !double.IsFinite(vlbWeight))
            throw new ArgumentOutOfRangeException(nameof(vlbWeight), vlbWeight, "lambda, the weight of L_vlb, must be a finite number >= 0.");
        _data = data;
        Schedule = data.Schedule;
        VlbWeight = vlbWeight;
        int steps = Schedule.Steps;
        var c = Enumerable.Range(0, steps).Select(t => Schedule.Step(t, t - 1)).ToArray();
        Tensor Of(Func<int, double> f) => tensor(Enumerable.Range(0, steps).Select(t => (float)f(t)).ToArray()).DetachFromDisposeScope();
        _alphaBar = Of(t => c[t].AlphaBar);
        _sqrtAbar = Of(t => Math.Sqrt(c[t].AlphaBar));
        _sqrtOneMinusAbar = Of(t => Math.Sqrt(1 - c[t].AlphaBar));
        _x0Coefficient = Of(t => c[t].X0Coefficient);
        _xtCoefficient = Of(t => c[t].XtCoefficient);
        _logBeta = Of(t => Math.Log(c[t].Beta));
        _logBetaTildeClipped = Of(t => Math.Log(t == 0 ? c[Math.Min(1, steps - 1)].BetaTilde : c[t].BetaTilde));
    }

    public string Name => FormattableString.Invariant(
        $"hybrid L_simple + {VlbWeight} L_vlb (Improved DDPM), noise and learned-range variance, text-conditioned (T {Schedule.Steps} {Schedule.Name}, p_null {_data.NullProbability}, p_generic {_data.GenericProbability}, shift {_data.MaxShift} px, scale {_data.MaxScale})");

    public Tensor Loss(TextUNet64 model, Tensor images, Tensor labels, Generator generator)
    {
        long n = images.shape[0];
        var x0 = _data.Augment(images, generator);
        var text = _data.Captions(labels, generator);
        var t = randint(0, Schedule.Steps, [n], dtype: ScalarType.Int64, generator: generator);
        var eps = randn(x0.shape, generator: generator);
        var xt = At(_sqrtAbar, t) * x0 + At(_sqrtOneMinusAbar, t) * eps;            // A.2
        var output = model.call(xt, t, text);
        var head = output.narrow(1, 0, 3);
        var v = output.narrow(1, 3, 3);
        if (model.Head == HeadTarget.Noise)
            return (head - eps).square().mean() + VlbWeight * Schedule.Steps * VlbTerm(x0, xt, t, head.detach(), v).mean();
        var alphaBar = At(_alphaBar, t);
        var simple = (head - VPrediction.Target(x0, eps, alphaBar)).square().mean();
        var noise = VPrediction.ToNoise(head.detach(), xt, alphaBar);
        return simple + VlbWeight * Schedule.Steps * VlbTerm(x0, xt, t, noise, v).mean();
    }

    /// <summary>
    /// L_t of each sample in bits per dimension (N values): the KL from the true posterior to the model's step for t >= 1,
    /// the discretised decoder's negative log-likelihood of x0 for t = 0. <paramref name="noise"/> should come without
    /// gradient (the paper's stop-gradient on the mean); <paramref name="v"/> is the variance output in [-1, 1].
    /// </summary>
    public Tensor VlbTerm(Tensor x0, Tensor xt, Tensor t, Tensor noise, Tensor v)
    {
        var x0Hat = (xt - At(_sqrtOneMinusAbar, t) * noise) / At(_sqrtAbar, t);           // 1.3
        var modelMean = At(_x0Coefficient, t) * x0Hat + At(_xtCoefficient, t) * xt;        // A.3 with one step
        var frac = (v + 1) / 2;
        var modelLogVar = frac * At(_logBeta, t) + (1 - frac) * At(_logBetaTildeClipped, t);   // add_variance
        var trueMean = At(_x0Coefficient, t) * x0 + At(_xtCoefficient, t) * xt;
        var kl = GaussianKl(trueMean, At(_logBetaTildeClipped, t).expand_as(xt), modelMean, modelLogVar).mean([1, 2, 3]) / Math.Log(2);
        var nll = -DiscretisedGaussianLogLikelihood(x0, modelMean, modelLogVar).mean([1, 2, 3]) / Math.Log(2);
        return where(t == 0, nll, kl);
    }

    /// <summary>KL(N(mean1, e^logVar1) || N(mean2, e^logVar2)) per element, in nats.</summary>
    public static Tensor GaussianKl(Tensor mean1, Tensor logVar1, Tensor mean2, Tensor logVar2) =>
        0.5 * (-1 + logVar2 - logVar1 + (logVar1 - logVar2).exp() + (mean1 - mean2).square() * (-logVar2).exp());

    /// <summary>
    /// log P(x) per element for x in [-1, 1] on 256 levels under N(mean, e^logVar): the mass of x's bin (width 2/255),
    /// the edge bins reaching to -inf and +inf (Ho et al. 2020, eq. 13), with the tanh approximation of the normal CDF.
    /// </summary>
    public static Tensor DiscretisedGaussianLogLikelihood(Tensor x, Tensor mean, Tensor logVar)
    {
        var centred = x - mean;
        var invStd = (-0.5 * logVar).exp();
        var cdfPlus = ApproxStandardNormalCdf(invStd * (centred + 1.0 / 255));
        var cdfMin = ApproxStandardNormalCdf(invStd * (centred - 1.0 / 255));
        var logCdfPlus = cdfPlus.clamp(min: 1e-12).log();
        var logOneMinusCdfMin = (1 - cdfMin).clamp(min: 1e-12).log();
        var logDelta = (cdfPlus - cdfMin).clamp(min: 1e-12).log();
        return where(x < -0.999, logCdfPlus, where(x > 0.999, logOneMinusCdfMin, logDelta));
    }

    static Tensor ApproxStandardNormalCdf(Tensor x) =>
        0.5 * (1 + (Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh());

    static Tensor At(Tensor table, Tensor t) => table.index_select(0, t).view(-1, 1, 1, 1);
}

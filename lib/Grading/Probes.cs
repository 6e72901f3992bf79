using Diffusion.Imaging;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Schedules;
using static TorchSharp.torch;

namespace Diffusion.Grading;

/// <summary>
/// The pieces probes are made of. Noise estimators with no symmetry, for the combiners (anagrams, hybrids, guidance):
/// a per-pixel predictor such as <see cref="GaussianDataPredictor"/> commutes with flips, so a student who forgets to
/// flip back would still pass against it; these multiply x_t by a fixed random pattern and add another, so every view
/// matters. Seeded images, and networks run with seeded weights so a student's block can be compared with the course's.
/// </summary>
public static class Probes
{
    /// <summary>eps(x_t, t) = x_t * a + b (1 + t / T), with patterns a, b of the model's image size drawn from <paramref name="seed"/>.</summary>
    public static INoiseEstimator Patterned(INoisePredictor model, long seed, double? varianceOutput = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Tensor scale, offset;
        using (var generator = new Generator((ulong)seed))
        {
            scale = rand(new long[] { model.Channels, model.Height, model.Width }, generator: generator) + 0.5;
            offset = randn(new long[] { model.Channels, model.Height, model.Width }, generator: generator);
        }
        scale.DetachFromDisposeScope();
        offset.DetachFromDisposeScope();
        int steps = model.Schedule.Steps;
        return new EstimatorFrom(model, (xt, t) =>
        {
            var noise = xt * scale.to(xt.dtype) + offset.to(xt.dtype) * (1.0 + (double)t / steps);
            var variance = varianceOutput is { } v ? full_like(xt, v) : null;
            return new NoisePrediction(noise, variance);
        });
    }

    /// <summary>A batch of standard normal images of the model's size, drawn from <paramref name="seed"/>.</summary>
    public static Tensor Images(INoisePredictor model, int count, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var generator = new Generator((ulong)seed);
        return randn(new long[] { count, model.Channels, model.Height, model.Width }, generator: generator);
    }

    /// <summary>
    /// A noise predictor with no symmetry that answers every conditioning differently: eps = x_t * a + b (1 + t / T) + k c,
    /// with k = 0 for the null conditioning, a number of the prompt's text for a prompt, and label + 1 per image for classes.
    /// Guidance written against it must use both passes the way the course's formula does.
    /// </summary>
    public static INoisePredictor PromptSensitive(NoiseSchedule schedule, int channels, int size, long seed) =>
        new PromptSensitivePredictor(schedule, channels, size, seed);

    /// <summary>A part A model around <paramref name="predictor"/>, for probes of functions that read the notebook's <c>model</c>.</summary>
    public static PartAModel PartAModelAround(INoisePredictor predictor, PartASettings settings) =>
        new("the grader's probe model", predictor, ValueRange.MinusOneOne, settings.Stride, settings.Prompts,
            text => Conditioning.Prompt(text),
            (name, _) => throw new InvalidOperationException($"the grader's probe model has no pictures (asked for {name})."));

    /// <summary>"[16x8x3x3] [16] ...": a network's parameter shapes in order.</summary>
    public static string ParameterShapes(nn.Module<Tensor, Tensor> module) =>
        string.Join(" ", module.parameters().Select(p => "[" + string.Join("x", p.shape) + "]"));

    /// <summary>
    /// The network's output on <paramref name="input"/> in training mode (BatchNorm uses the batch) after every parameter,
    /// in order, is drawn from <paramref name="seed"/>: two networks with the course's layers in the course's order give the same.
    /// </summary>
    public static Tensor RunWithSeededWeights(nn.Module<Tensor, Tensor> module, Tensor input, long seed)
    {
        ArgumentNullException.ThrowIfNull(module);
        using (no_grad())
        using (var generator = new Generator((ulong)seed))
            foreach (var p in module.parameters())
            {
                using var value = randn(p.shape, generator: generator) * 0.3;
                p.copy_(value);
            }
        module.train();
        using (no_grad()) return module.call(input);
    }

    sealed class PromptSensitivePredictor : INoisePredictor
    {
        readonly Tensor _scale, _offset, _conditioned;

        public PromptSensitivePredictor(NoiseSchedule schedule, int channels, int size, long seed)
        {
            Schedule = schedule; Channels = channels; Height = size; Width = size;
            using var generator = new Generator((ulong)seed);
            _scale = (rand(new long[] { channels, size, size }, generator: generator) + 0.5).DetachFromDisposeScope();
            _offset = randn(new long[] { channels, size, size }, generator: generator).DetachFromDisposeScope();
            _conditioned = randn(new long[] { channels, size, size }, generator: generator).DetachFromDisposeScope();
        }

        public NoiseSchedule Schedule { get; }
        public int Channels { get; }
        public int Height { get; }
        public int Width { get; }
        public ConditioningKinds Accepts => ConditioningKinds.Null | ConditioningKinds.Class | ConditioningKinds.Prompt;

        public NoisePrediction Predict(Tensor xt, int t, Conditioning conditioning)
        {
            Shapes.CheckBatch(this, xt, nameof(xt));
            Schedule.CheckIndex(t);
            int n = (int)xt.shape[0];
            double[] k = conditioning.Kind switch
            {
                ConditioningKinds.Class => conditioning.LabelsFor(n).Select(label => label + 1.0).ToArray(),
                ConditioningKinds.Prompt => Enumerable.Repeat(1 + (conditioning.Text ?? "").Sum(c => c) % 7 / 3.0, n).ToArray(),
                _ => new double[n],
            };
            using var scope = NewDisposeScope();
            var weights = tensor(k, dtype: xt.dtype, device: xt.device).view(n, 1, 1, 1);
            var noise = xt * _scale.to(xt.dtype) + _offset.to(xt.dtype) * (1.0 + (double)t / Schedule.Steps) + weights * _conditioned.to(xt.dtype);
            return new NoisePrediction(noise.MoveToOuterDisposeScope());
        }
    }
}

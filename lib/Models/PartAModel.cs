using Diffusion.Data;
using Diffusion.Imaging;
using Diffusion.Sampling;
using Diffusion.Schedules;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// A pretrained model as part A's notebooks drive it: a noise predictor plus what the sections need to talk to it:
/// how a prompt becomes a conditioning, the image size and value range, the strided timesteps, a test image,
/// and default prompts for each section. Any trained model is a backend: <see cref="Default"/> picks the kit's
/// text-to-image model when its weights are in data/models/text-to-image/ and its recorded prompt hit rate reaches
/// <see cref="TextToImage.ModelCard.DefaultBar"/>, else the part B class-conditioned digit model (prompts "a 0" .. "a 9").
/// </summary>
public sealed class PartAModel : IDisposable
{
    readonly Func<string, Conditioning> _prompt;
    readonly Func<string, int, Tensor> _loadImage;

    public string Name { get; }
    public INoisePredictor Predictor { get; }
    public ValueRange Range { get; }
    /// <summary>The stride of the strided timesteps (course: 30 for T = 1000).</summary>
    public int Stride { get; }
    public PartAPrompts Prompts { get; }

    public PartAModel(string name, INoisePredictor predictor, ValueRange range, int stride, PartAPrompts prompts,
        Func<string, Conditioning> prompt, Func<string, int, Tensor> loadImage)
    {
        Name = name; Predictor = predictor; Range = range; Stride = stride; Prompts = prompts;
        _prompt = prompt; _loadImage = loadImage;
    }

    public NoiseSchedule Schedule => Predictor.Schedule;
    public int Size => Predictor.Height;

    /// <summary>The strided timesteps (1.4): T - 1 rounded down to the stride, ..., 0.</summary>
    public int[] Timesteps(int? stride = null) => Schedules.Timesteps.Strided(Schedule, stride ?? Stride);

    /// <summary>The conditioning for a prompt; "" is the null (unconditional) prompt.</summary>
    public Conditioning Prompt(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? Conditioning.Null : _prompt(text);
    }

    /// <summary>A test picture (a file in data/images/, or "mnist:D" for a test digit D) at the model's size and range, C x H x W.</summary>
    public Tensor LoadImage(string name) => _loadImage(name, Size);

    public void Dispose() => (Predictor as IDisposable)?.Dispose();

    public override string ToString() => $"{Name}: {Predictor.Channels}x{Size}x{Size}, T = {Schedule.Steps}, stride {Stride}";

    /// <summary>
    /// The kit's default part A model: the text-to-image model when shipped, else the digit model. Part A always uses a
    /// pretrained model, so full mode is pretrained mode here; smoke mode trains a tiny digit model for seconds.
    /// </summary>
    public static PartAModel Default(Runtime.KitMode? mode = null)
    {
        var m = mode ?? Runtime.KitModes.Current;
        if (m == Runtime.KitMode.Smoke)
        {
            var tiny = TrainedDigitModel.Get(DigitModelKind.Class, m);
            return Digits(tiny.Snapshots[^1], tiny);
        }
        return DefaultIsText(out _, m) ? Text() : Digits();
    }

    /// <summary>
    /// Whether <see cref="Default"/> picks the text-to-image model, and why: it must be shipped and its recorded prompt
    /// hit rate must reach <see cref="TextToImage.ModelCard.DefaultBar"/>; otherwise part A runs on the digit model.
    /// Smoke mode always runs on a tiny digit model, so the answer there is no.
    /// </summary>
    public static bool DefaultIsText(out string why, Runtime.KitMode? mode = null)
    {
        if ((mode ?? Runtime.KitModes.Current) == Runtime.KitMode.Smoke)
        {
            why = "smoke mode: a tiny digit model trained in seconds stands in for every part A model.";
            return false;
        }
        if (!TextToImage.TextToImageModel.IsShipped)
        {
            why = "the text-to-image model is not shipped (train it with `train text`), so part A runs on the digit model.";
            return false;
        }
        var rate = TextToImage.ModelCard.ShippedHitRate();
        if (rate is null)
        {
            why = "the text-to-image model has no recorded prompt adherence (run `evaluate-text`), so part A runs on the digit model.";
            return false;
        }
        bool text = rate >= TextToImage.ModelCard.DefaultBar;
        why = text
            ? FormattableString.Invariant($"the text-to-image model's prompt hit rate is {rate:P0} (the bar is {TextToImage.ModelCard.DefaultBar:P0}): part A runs on it.")
            : FormattableString.Invariant($"the text-to-image model's prompt hit rate is {rate:P0}, below the {TextToImage.ModelCard.DefaultBar:P0} bar: part A runs on the digit model; PartAModel.Text() loads the text model.");
        return text;
    }

    /// <summary>
    /// The kit's text-to-image model (3 x 32 x 32 in [-1, 1], IF's cosine T = 1000, stride 30) with the course's prompts.
    /// </summary>
    public static PartAModel Text(string? folder = null, int? epoch = null)
    {
        var predictor = TextToImage.TextToImageModel.Load(folder, epoch);
        var prompts = new PartAPrompts(
            Generate: ["an oil painting of a snowy mountain village", "a man wearing a hat", "a rocket ship"],
            TestImage: "rocket.jpg",
            OwnImages: ["coffee.png", "chelsea.png"],
            WebImage: "astronaut.png",
            Drawings: ["house.png", "flower.png"],
            Mask: "rocket_mask.png",
            EditPrompts: ["a rocket ship", "a lithograph of a skull", "an oil painting of an old man"],
            Anagrams: [("an oil painting of an old man", "an oil painting of people around a campfire"),
                       ("a rocket ship", "a man wearing a hat"),
                       ("an oil painting of a snowy mountain village", "a lithograph of a skull")],
            Hybrids: [("a lithograph of a skull", "a lithograph of waterfalls"),
                      ("a lithograph of a skull", "an oil painting of a snowy mountain village"),
                      ("an oil painting of an old man", "an oil painting of people around a campfire")],
            HybridKernel: 33, HybridSigma: 2);
        return new PartAModel("kit text-to-image model (emoji, MiniLM prompts)", predictor, ValueRange.MinusOneOne, stride: 30, prompts,
            text => Conditioning.Prompt(text),
            (name, size) => TestImages.Load(name, size: size, range: ValueRange.MinusOneOne));
    }

    /// <summary>The part B class-conditioned UNet (epoch 20 unless given) as a part A backend: prompts name digits.</summary>
    public static PartAModel Digits(int epoch = 20, TrainedDigitModel? trained = null)
    {
        var predictor = trained is null
            ? ShippedModels.LoadNoisePredictor(DigitModelKind.Class, epoch)
            : trained.LoadNoisePredictor(epoch);
        var prompts = new PartAPrompts(
            Generate: ["a 3", "a 5", "a 7"],
            TestImage: "mnist:5",
            OwnImages: ["mnist:2", "mnist:8"],
            WebImage: "astronaut.png",
            Drawings: ["house.png", "flower.png"],
            Mask: "top-half",
            EditPrompts: ["a 0", "a 4", "a 9"],
            Anagrams: [("a 6", "a 9"), ("a 1", "a 7"), ("a 2", "a 5")],
            Hybrids: [("a 0", "a 1"), ("a 8", "a 3"), ("a 6", "a 4")],
            HybridKernel: 9, HybridSigma: 2);
        return new PartAModel($"class-conditioned digit UNet (epoch {epoch})", predictor, ValueRange.ZeroOne, stride: 10, prompts,
            DigitPrompt, LoadDigitImage);
    }

    /// <summary>"a 7", "the digit 7", "7", "a photo of a 7": class 7. Near-null prompts such as "a high quality photo" give the null class.</summary>
    public static Conditioning DigitPrompt(string text)
    {
        var digits = text.Where(char.IsAsciiDigit).ToList();
        if (digits.Count == 1) return Conditioning.Class(digits[0] - '0');
        if (digits.Count == 0 && text.Contains("high quality photo", StringComparison.OrdinalIgnoreCase)) return Conditioning.Null;
        throw new ArgumentException(
            $"the digit model understands prompts that name one digit, like \"a 7\" (or \"\" for none); got \"{text}\".", nameof(text));
    }

    /// <summary>
    /// A picture for the digit model: "mnist:D" is the first test digit D; a file is made grayscale, resized to 28x28 and,
    /// when its background is light (drawings, photos), inverted so it looks like MNIST's white-on-black.
    /// </summary>
    static Tensor LoadDigitImage(string name, int size)
    {
        if (name.StartsWith("mnist:", StringComparison.Ordinal))
        {
            if (!int.TryParse(name.AsSpan(6), out var digit) || digit is < 0 or > 9)
                throw new ArgumentException($"\"mnist:D\" needs a digit D from 0 to 9, got \"{name}\".", nameof(name));
            using var test = Mnist.Load("test");
            int index = Array.IndexOf(test.Labels, (long)digit);
            return test.Images[index].clone();
        }
        using var scope = NewDisposeScope();
        var image = TestImages.Load(name, size: size, grayscale: true);
        if (image.mean().item<float>() > 0.5f) image = 1 - image;
        return image.MoveToOuterDisposeScope();
    }
}

/// <summary>Default prompts and pictures of each part A section for one backend (students change them in the notebooks).</summary>
public sealed record PartAPrompts(
    IReadOnlyList<string> Generate,
    string TestImage,
    IReadOnlyList<string> OwnImages,
    string WebImage,
    IReadOnlyList<string> Drawings,
    string Mask,
    IReadOnlyList<string> EditPrompts,
    IReadOnlyList<(string First, string Second)> Anagrams,
    IReadOnlyList<(string Low, string High)> Hybrids,
    int HybridKernel = 33,
    double HybridSigma = 2);

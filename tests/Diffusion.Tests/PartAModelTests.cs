using Diffusion.Imaging;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class PartAModelTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("parta-tests-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("a 7", 7)]
    [InlineData("the digit 7", 7)]
    [InlineData("7", 7)]
    [InlineData("a photo of a 0", 0)]
    [InlineData("A 9", 9)]
    public void DigitPromptsNameOneClass(string text, int digit)
    {
        var c = PartAModel.DigitPrompt(text);
        Assert.Equal(ConditioningKinds.Class, c.Kind);
        Assert.Equal(new[] { digit }, c.Labels);
    }

    [Theory]
    [InlineData("a high quality photo")]
    [InlineData("A High Quality Photo of something")]
    public void TheQualityPromptIsTheNullOne(string text) =>
        Assert.Equal(ConditioningKinds.Null, PartAModel.DigitPrompt(text).Kind);

    [Theory]
    [InlineData("a rocket ship")]
    [InlineData("a 12")]
    [InlineData("a 3 and a 4")]
    [InlineData("")]
    public void OtherPromptsAreRejectedWithAnExample(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => PartAModel.DigitPrompt(text));
        Assert.Equal("text", e.ParamName);
        Assert.Contains("one digit", e.Message);
        Assert.Contains("\"a 7\"", e.Message);
        Assert.Contains($"got \"{text}\"", e.Message);
    }

    [Fact]
    public void TheEmptyPromptIsNullAndTheOthersGoToTheBackend()
    {
        using var model = TinyDigitModel();
        Assert.Same(Conditioning.Null, model.Prompt(""));
        Assert.Equal(new[] { 4 }, model.Prompt("a 4").Labels);
        Assert.Throws<ArgumentException>(() => model.Prompt("a cat"));
    }

    [Theory]
    [InlineData("mnist:5")]
    [InlineData("house.png")]
    public void LoadImageGivesADigitSizedImageInZeroOne(string name)
    {
        using var model = TinyDigitModel();
        using var image = model.LoadImage(name);
        Assert.Equal(new long[] { 1, 28, 28 }, image.shape);
        Assert.Equal(ScalarType.Float32, image.dtype);
        Assert.True(image.min().item<float>() >= 0, "values below 0");
        Assert.True(image.max().item<float>() <= 1, "values above 1");
        // MNIST style: a dark background, so a light drawing is inverted.
        Assert.True(image.mean().item<float>() < 0.5, $"mean {image.mean().item<float>()}: the background should be dark");
        Assert.True(image.max().item<float>() > 0.5, "the picture should have bright strokes");
    }

    [Fact]
    public void TheTestDigitIsTheFirstFiveOfTheTestSet()
    {
        using var model = TinyDigitModel();
        using var image = model.LoadImage("mnist:5");
        using var test = Diffusion.Data.Mnist.Load("test");
        int index = Array.IndexOf(test.Labels, 5L);
        using var expected = test.Images[index];
        Assert.Equal(0f, (image - expected).abs().max().item<float>());
    }

    [Theory]
    [InlineData("mnist:x")]
    [InlineData("mnist:10")]
    public void BadMnistNamesSayWhatIsExpected(string name)
    {
        using var model = TinyDigitModel();
        var e = Assert.Throws<ArgumentException>(() => model.LoadImage(name));
        Assert.Contains("digit D from 0 to 9", e.Message);
        Assert.Contains(name, e.Message);
    }

    [Fact]
    public void SmokeModeNeverChoosesTheTextModelAndSaysWhy()
    {
        Assert.False(PartAModel.DefaultIsText(out var why, Runtime.KitMode.Smoke));
        Assert.Contains("smoke mode", why);
        // Outside smoke mode the answer follows the recorded hit rate and the bar.
        bool text = PartAModel.DefaultIsText(out var pretrained, Runtime.KitMode.Pretrained);
        Assert.Equal(TextToImage.ModelCard.ShippedHitRate() >= TextToImage.ModelCard.DefaultBar, text);
        Assert.DoesNotContain("smoke mode", pretrained);
    }

    [Fact]
    public void TheDigitBackendDescribesItself()
    {
        using var model = TinyDigitModel();
        Assert.Equal(28, model.Size);
        Assert.Equal(ValueRange.ZeroOne, model.Range);
        Assert.Equal(300, model.Schedule.Steps);
        Assert.Equal(30, model.Timesteps().Length);
        Assert.Equal(290, model.Timesteps()[0]);
        // Every default prompt of every section is one the backend understands.
        var p = model.Prompts;
        var prompts = p.Generate.Concat(p.EditPrompts)
            .Concat(p.Anagrams.SelectMany(a => new[] { a.First, a.Second }))
            .Concat(p.Hybrids.SelectMany(h => new[] { h.Low, h.High }));
        foreach (var prompt in prompts) Assert.Null(model.Predictor.Reject(model.Prompt(prompt)));
    }

    /// <summary>The digit backend on an untrained class-conditioned UNet (D = 4) saved in a temporary folder: no training, no shipped weights.</summary>
    PartAModel TinyDigitModel()
    {
        var recipe = DigitRecipe.Course(DigitModelKind.Class) with { Hidden = 4 };
        var path = Path.Combine(_dir, Trainer<nn.Module>.SnapshotName(1));
        if (!File.Exists(path))
        {
            using var net = new DigitUNet(recipe.UNetKind, recipe.Hidden);
            WeightsFile.Save(path, net, recipe.Architecture, half: false);
        }
        return PartAModel.Digits(epoch: 1, trained: new TrainedDigitModel(recipe, _dir));
    }

    [Fact]
    public void TheTextBackendTakesCoursePromptsAndPhotosInMinusOneToOne()
    {
        // An untrained tiny text UNet saved like a shipped snapshot: the backend's plumbing, not its pictures.
        manual_seed(4);
        using (var net = new Diffusion.TextToImage.TextUNet(8, 16))
            WeightsFile.Save(Path.Combine(_dir, "epoch-01.weights"), net, net.Architecture, half: true);
        using var model = PartAModel.Text(_dir);
        Assert.Equal((3, 32, 1000, 30), (model.Predictor.Channels, model.Size, model.Schedule.Steps, model.Stride));
        Assert.Equal(34, model.Timesteps().Length);
        Assert.Equal(ValueRange.MinusOneOne, model.Range);
        using var photo = model.LoadImage(model.Prompts.TestImage);
        Assert.Equal(new long[] { 3, 32, 32 }, photo.shape);
        Assert.True(photo.min().item<float>() >= -1f && photo.max().item<float>() <= 1f && photo.min().item<float>() < 0f);
        foreach (var prompt in model.Prompts.Generate.Concat(model.Prompts.EditPrompts)
                     .Concat(model.Prompts.Anagrams.SelectMany(p => new[] { p.First, p.Second }))
                     .Concat(model.Prompts.Hybrids.SelectMany(p => new[] { p.Low, p.High })))
            Assert.Null(model.Predictor.Reject(model.Prompt(prompt)));
        Assert.Equal(ConditioningKinds.Null, model.Prompt("").Kind);
    }
}

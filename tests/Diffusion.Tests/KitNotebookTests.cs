using Diffusion.Display;
using Diffusion.Models;
using Diffusion.Runtime;
using Diffusion.Training;
using TorchSharp;

namespace Diffusion.Tests;

public sealed class KitNotebookTests
{
    [Fact]
    public void Max_difference_is_the_largest_absolute_elementwise_gap()
    {
        TorchTests.LoadTorch();
        using var scope = torch.NewDisposeScope();
        var mine = torch.tensor(new float[] { 1f, -2f, 3f, 0.5f }).view(2, 2);
        var reference = torch.tensor(new float[] { 1f, 2f, 2.75f, 0.5f }).view(2, 2);
        Assert.Equal(4.0, KitNotebook.MaxDifference(mine, reference), 6);
        Assert.Equal(4.0, KitNotebook.MaxDifference(reference, mine), 6);
        Assert.Equal(0.0, KitNotebook.MaxDifference(mine, mine.clone()));
    }

    [Fact]
    public void Max_difference_of_different_shapes_names_both_shapes()
    {
        TorchTests.LoadTorch();
        using var scope = torch.NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => KitNotebook.MaxDifference(torch.zeros(2, 3), torch.zeros(3, 2)));
        Assert.Equal("reference", error.ParamName);
        Assert.Contains("[2, 3]", error.Message);
        Assert.Contains("[3, 2]", error.Message);
    }

    [Fact]
    public void Start_prints_the_mode_the_notebook_runs_in()
    {
        var output = new StringWriter();
        KitNotebook.Start(output);
        Assert.Equal($"mode: {KitModes.Current.Name()}", output.ToString().Trim());
    }

    [SkippableFact]
    public void A_notebook_model_cell_prints_what_the_shipped_model_is()
    {
        Skip.IfNot(KitModes.Current == KitMode.Pretrained, $"{KitModes.Variable} is {KitModes.Current.Name()}: the shipped model is loaded in pretrained mode only");
        TorchTests.LoadTorch();
        var output = new StringWriter();
        var model = TrainedDigitModel.GetForNotebook(DigitModelKind.OneStep, output);
        Assert.Equal(TrainedDigitModel.Shipped(DigitModelKind.OneStep).Folder, model.Folder);
        Assert.Equal(model.Describe(), output.ToString().Trim());
    }
}

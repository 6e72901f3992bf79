using Diffusion.Display;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>The main job's cache of same-every-run figures: what it replays, what misses it, and when it refuses.</summary>
public sealed class FigureCacheTests : IDisposable
{
    readonly string _folder = Path.Combine(Path.GetTempPath(), "diffusion-figures-tests-" + Guid.NewGuid().ToString("N"));

    public FigureCacheTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, true);

    string Model(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }

    FigureCache Cache(FigureCacheMode mode, string notebookHash = "sha256:aa") => new(Path.Combine(_folder, "figures"), mode, "B9-test", notebookHash);

    static Func<Tensor> Drawing(int[] calls, float value) => () =>
    {
        calls[0]++;
        return full(new long[] { 2, 1, 3, 3 }, value);
    };

    [Fact]
    public void AStoredFigureIsReplayedOnlyForTheSameNotebookAndModels()
    {
        var model = Model("epoch-05.weights", "weights one");
        var calls = new int[1];
        using (var stored = Cache(FigureCacheMode.Store).Draw("epoch-5", Drawing(calls, 0.25f), model))
            Assert.Equal(0.25f, stored[0, 0, 0, 0].item<float>());
        Assert.Equal(1, calls[0]);
        Assert.True(File.Exists(Path.Combine(_folder, "figures", "B9-test", "epoch-5.figure")));

        using (var replayed = Cache(FigureCacheMode.Replay).Draw("epoch-5", Drawing(calls, 0.75f), model))
        {
            Assert.Equal(1, calls[0]);   // not drawn again
            Assert.Equal([2L, 1, 3, 3], replayed.shape);
            Assert.True(replayed.allclose(full(new long[] { 2, 1, 3, 3 }, 0.25f), rtol: 0, atol: 0.5 / 255), "the replayed figure is not the stored one, to 8 bits");
        }
        // Another notebook text, another model file, another figure: each misses and draws.
        using (var _ = Cache(FigureCacheMode.Replay, "sha256:bb").Draw("epoch-5", Drawing(calls, 0.75f), model)) Assert.Equal(2, calls[0]);
        File.WriteAllText(model, "weights two");
        using (var drawn = Cache(FigureCacheMode.Replay).Draw("epoch-5", Drawing(calls, 0.75f), model))
        {
            Assert.Equal(3, calls[0]);
            Assert.Equal(0.75f, drawn[0, 0, 0, 0].item<float>());
        }
        using (var _ = Cache(FigureCacheMode.Replay).Draw("epoch-6", Drawing(calls, 0.75f), model)) Assert.Equal(4, calls[0]);
    }

    [Fact]
    public void ARefreshRemovesOnlyTheFiguresItDidNotDrawAgain()
    {
        var model = Model("epoch-05.weights", "weights");
        var calls = new int[1];
        using (var _ = Cache(FigureCacheMode.Store).Draw("epoch-1", Drawing(calls, 0.25f), model)) { }
        using (var _ = Cache(FigureCacheMode.Store).Draw("epoch-5", Drawing(calls, 0.25f), model)) { }
        var folder = Path.Combine(_folder, "figures", "B9-test");
        var refreshStarted = DateTime.UtcNow;
        File.SetLastWriteTimeUtc(Path.Combine(folder, "epoch-1.figure"), refreshStarted.AddMinutes(-5));   // drawn by an earlier refresh only
        File.SetLastWriteTimeUtc(Path.Combine(folder, "epoch-5.figure"), refreshStarted.AddSeconds(1));    // drawn again by this one

        Assert.Equal(["epoch-1"], FigureCache.RemoveNotRedrawn(Path.Combine(_folder, "figures"), "B9-test", refreshStarted));
        Assert.False(File.Exists(Path.Combine(folder, "epoch-1.figure")), "the figure the refresh did not draw is still stored");
        Assert.True(File.Exists(Path.Combine(folder, "epoch-5.figure")), "the refresh removed a figure it had just drawn");
        Assert.Empty(FigureCache.RemoveNotRedrawn(Path.Combine(_folder, "figures"), "B0-never-run", refreshStarted));
    }

    [Fact]
    public void OffDrawsEveryTimeAndStoresNothing()
    {
        var calls = new int[1];
        var cache = Cache(FigureCacheMode.Off);
        for (int i = 0; i < 2; i++)
            using (cache.Draw("epoch-5", Drawing(calls, 0.5f), "no/such/model/needed")) { }
        Assert.Equal(2, calls[0]);
        Assert.False(Directory.Exists(Path.Combine(_folder, "figures")));
    }

    [Fact]
    public void VerifyFailsWhenTheStoredFigureIsStaleMissingOrForOtherModels()
    {
        var model = Model("epoch-05.weights", "weights");
        var calls = new int[1];
        var missing = Assert.Throws<InvalidOperationException>(() => Cache(FigureCacheMode.Verify).Draw("epoch-5", Drawing(calls, 0.5f), model));
        Assert.Contains("no stored figure", missing.Message);
        Assert.Contains("--refresh-figures", missing.Message);
        using (Cache(FigureCacheMode.Store).Draw("epoch-5", Drawing(calls, 0.5f), model)) { }
        using (Cache(FigureCacheMode.Verify).Draw("epoch-5", Drawing(calls, 0.5001f), model)) { }   // rounding: fine
        var stale = Assert.Throws<InvalidOperationException>(() => Cache(FigureCacheMode.Verify).Draw("epoch-5", Drawing(calls, 0.6f), model));
        Assert.Contains("stale", stale.Message);
        var other = Assert.Throws<InvalidOperationException>(() => Cache(FigureCacheMode.Verify, "sha256:cc").Draw("epoch-5", Drawing(calls, 0.5f), model));
        Assert.Contains("another notebook text or other models", other.Message);
    }

    [Fact]
    public void BadNamesAndSettingsAreRefusedAndAnUnreadableFileIsDrawnAgain()
    {
        var calls = new int[1];
        var e = Assert.Throws<ArgumentException>(() => Cache(FigureCacheMode.Replay).Draw("epoch 5", Drawing(calls, 0.5f)));
        Assert.Equal("figure", e.ParamName);
        Assert.Throws<FileNotFoundException>(() => Cache(FigureCacheMode.Replay).Draw("epoch-5", Drawing(calls, 0.5f), Path.Combine(_folder, "gone.weights")));
        var notebook = Model("B9-test.dib", "#!csharp\n1 + 1\n");
        Assert.Matches("^store;B9-test;sha256:[0-9a-f]{64}$", FigureCache.Setting(FigureCacheMode.Store, notebook));
        var model = Model("epoch-05.weights", "weights");
        var path = Path.Combine(_folder, "figures", "B9-test", "epoch-5.figure");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "not a figure");
        using (var drawn = Cache(FigureCacheMode.Replay).Draw("epoch-5", Drawing(calls, 0.5f), model)) Assert.Equal(1, calls[0]);
    }
}

using Diffusion.Training;

namespace Diffusion.Display;

/// <summary>Training-loss plots: every step faintly, an exponential moving average on top, log y by default.</summary>
public static class LossCurve
{
    /// <summary>The loss of every training step in <paramref name="history"/>.</summary>
    public static LineChart Plot(LossHistory history, string title, bool logY = true, double smoothing = 0.9)
    {
        ArgumentNullException.ThrowIfNull(history);
        return Plot(history.StepLosses.Select(l => (double)l).ToList(), title, logY, smoothing);
    }

    /// <param name="losses">One loss per training step (or per epoch), in order.</param>
    /// <param name="title">The chart's title.</param>
    /// <param name="logY">Log-scale y axis (losses span decades).</param>
    /// <param name="smoothing">Weight of the past in the moving average, 0 (none) to below 1 (TensorBoard-style, bias-corrected).</param>
    public static LineChart Plot(IReadOnlyList<double> losses, string title, bool logY = true, double smoothing = 0.9)
    {
        ArgumentNullException.ThrowIfNull(losses);
        if (losses.Count == 0) throw new ArgumentException("losses is empty: there is nothing to plot yet.", nameof(losses));
        if (smoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "smoothing must be in [0, 1).");

        var steps = Enumerable.Range(1, losses.Count).Select(s => (double)s).ToArray();
        return new LineChart(title, "step", "loss",
        [
            new ChartSeries("loss", steps, losses, Opacity: 0.35),
            new ChartSeries($"smoothed ({smoothing:0.##})", steps, Smooth(losses, smoothing)),
        ], logY);
    }

    /// <summary>Bias-corrected exponential moving average: the first points are not pulled towards zero.</summary>
    public static double[] Smooth(IReadOnlyList<double> values, double smoothing)
    {
        var result = new double[values.Count];
        double average = 0, weight = 0;
        for (int i = 0; i < values.Count; i++)
        {
            average = smoothing * average + (1 - smoothing) * values[i];
            weight = smoothing * weight + (1 - smoothing);
            result[i] = average / weight;
        }
        return result;
    }
}

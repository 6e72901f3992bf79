using Plotly.NET;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace Diffusion.Display;

/// <summary>Training-loss plots: every step faintly, an exponential moving average on top, log y by default.</summary>
public static class LossCurve
{
    /// <param name="losses">One loss per training step (or per epoch), in order.</param>
    /// <param name="title">The chart's title.</param>
    /// <param name="logY">Log-scale y axis (losses span decades).</param>
    /// <param name="smoothing">Weight of the past in the moving average, 0 (none) to below 1 (TensorBoard-style, bias-corrected).</param>
    public static GenericChart Plot(IReadOnlyList<double> losses, string title, bool logY = true, double smoothing = 0.9)
    {
        ArgumentNullException.ThrowIfNull(losses);
        if (losses.Count == 0) throw new ArgumentException("losses is empty: there is nothing to plot yet.", nameof(losses));
        if (smoothing is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "smoothing must be in [0, 1).");

        var steps = Enumerable.Range(1, losses.Count).ToArray();
        var raw = CSharpChart.Line<int, double, string>(x: steps, y: losses, Name: "loss", Opacity: 0.35);
        var smooth = CSharpChart.Line<int, double, string>(x: steps, y: Smooth(losses, smoothing), Name: $"smoothed ({smoothing:0.##})");
        var chart = CSharpChart.Combine([raw, smooth]);
        var styled = Plotly.NET.CSharp.GenericChartExtensions
            .WithYAxisStyle<double, double, string>(chart, TitleText: "loss", AxisType: logY ? StyleParam.AxisType.Log : StyleParam.AxisType.Linear);
        styled = Plotly.NET.CSharp.GenericChartExtensions.WithXAxisStyle<int, int, string>(styled, TitleText: "step");
        return Chart.withTitle(title, null).Invoke(styled);
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

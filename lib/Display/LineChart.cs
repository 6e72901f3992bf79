namespace Diffusion.Display;

/// <summary>One line of a <see cref="LineChart"/>: its legend name, points and opacity (0-1).</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, double Opacity = 1)
{
    public int Count => X.Count;
}

/// <summary>
/// A line chart as plain data (loss curves, accuracy against steps...). Notebooks show it as an SVG drawn by the
/// kit, made interactive with plotly.js where the page can load it (<see cref="ChartDisplay"/>), so it needs no
/// F# library and renders in every kernel, in saved notebooks and in the offline report alike.
/// </summary>
public sealed record LineChart
{
    public string Title { get; }
    public string XTitle { get; }
    public string YTitle { get; }
    public IReadOnlyList<ChartSeries> Series { get; }
    public bool LogY { get; }

    public LineChart(string title, string xTitle, string yTitle, IReadOnlyList<ChartSeries> series, bool logY = false)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) throw new ArgumentException("a chart needs at least one series.", nameof(series));
        foreach (var s in series)
        {
            if (s.X.Count != s.Y.Count)
                throw new ArgumentException($"series \"{s.Name}\" has {s.X.Count} x values but {s.Y.Count} y values.", nameof(series));
            if (s.Count == 0) throw new ArgumentException($"series \"{s.Name}\" is empty: there is nothing to plot.", nameof(series));
            if (s.Opacity is < 0 or > 1) throw new ArgumentException($"series \"{s.Name}\" has opacity {s.Opacity}; expected 0 to 1.", nameof(series));
            if (s.X.Concat(s.Y).Any(v => !double.IsFinite(v)))
                throw new ArgumentException($"series \"{s.Name}\" holds a value that is not finite (NaN or infinity).", nameof(series));
            if (logY && s.Y.Any(v => v <= 0))
                throw new ArgumentException($"series \"{s.Name}\" has a y value <= 0, which a log axis cannot show; use logY: false.", nameof(series));
        }
        Title = title;
        XTitle = xTitle;
        YTitle = yTitle;
        Series = series;
        LogY = logY;
    }

    public override string ToString() =>
        $"{Title}: {string.Join(", ", Series.Select(s => $"{s.Name} ({s.Count} points)"))}";
}

using System.Globalization;
using System.Net;
using System.Text;

namespace Diffusion.Display;

/// <summary>
/// Draws a <see cref="LineChart"/> as a self-contained SVG: axes with round-number ticks (decades on a log axis),
/// one polyline per series, a legend and titles. It is what every client shows when scripts cannot run (a saved
/// notebook, JupyterLab's untrusted view, an offline laptop), so it carries the whole chart.
/// </summary>
public static class ChartSvg
{
    public const int Width = 720, Height = 400;
    const int Left = 70, Right = 170, Top = 40, Bottom = 50;
    /// <summary>Plotly's default colour cycle, so the static and the interactive chart look alike.</summary>
    static readonly string[] Colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"];

    public static string Render(LineChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var xs = chart.Series.SelectMany(s => s.X).ToList();
        var ys = chart.Series.SelectMany(s => s.Y).ToList();
        var xAxis = Axis.Linear(xs.Min(), xs.Max());
        var yAxis = chart.LogY ? Axis.Log(ys.Min(), ys.Max()) : Axis.Linear(ys.Min(), ys.Max());
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double X(double v) => Left + xAxis.Fraction(v) * plotW;
        double Y(double v) => Top + (1 - yAxis.Fraction(v)) * plotH;

        var svg = new StringBuilder();
        svg.Append(F($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"sans-serif\" font-size=\"12\">"));
        svg.Append(F($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>"));
        svg.Append(F($"<text x=\"{Left + plotW / 2:0.#}\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">{Escape(chart.Title)}</text>"));
        foreach (var tick in xAxis.Ticks)
        {
            double x = X(tick);
            svg.Append(F($"<line x1=\"{x:0.#}\" y1=\"{Top}\" x2=\"{x:0.#}\" y2=\"{Top + plotH:0.#}\" stroke=\"#eee\"/>"));
            svg.Append(F($"<text x=\"{x:0.#}\" y=\"{Top + plotH + 16:0.#}\" text-anchor=\"middle\">{Label(tick)}</text>"));
        }
        foreach (var tick in yAxis.Ticks)
        {
            double y = Y(tick);
            svg.Append(F($"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Left + plotW:0.#}\" y2=\"{y:0.#}\" stroke=\"#eee\"/>"));
            svg.Append(F($"<text x=\"{Left - 6}\" y=\"{y + 4:0.#}\" text-anchor=\"end\">{Label(tick)}</text>"));
        }
        svg.Append(F($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW:0.#}\" height=\"{plotH:0.#}\" fill=\"none\" stroke=\"#444\"/>"));
        svg.Append(F($"<text x=\"{Left + plotW / 2:0.#}\" y=\"{Height - 12}\" text-anchor=\"middle\">{Escape(chart.XTitle)}</text>"));
        svg.Append(F($"<text transform=\"translate(16 {Top + plotH / 2:0.#}) rotate(-90)\" text-anchor=\"middle\">{Escape(chart.YTitle)}</text>"));
        for (int i = 0; i < chart.Series.Count; i++)
        {
            var s = chart.Series[i];
            var colour = Colours[i % Colours.Length];
            var points = string.Join(" ", Enumerable.Range(0, s.Count).Select(k => F($"{X(s.X[k]):0.#},{Y(s.Y[k]):0.#}")));
            svg.Append(F($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" stroke-opacity=\"{s.Opacity:0.##}\" points=\"{points}\"/>"));
            double ly = Top + 12 + 20 * i;
            svg.Append(F($"<line x1=\"{Width - Right + 14}\" y1=\"{ly:0.#}\" x2=\"{Width - Right + 38}\" y2=\"{ly:0.#}\" stroke=\"{colour}\" stroke-width=\"2\" stroke-opacity=\"{Math.Max(s.Opacity, 0.35):0.##}\"/>"));
            svg.Append(F($"<text x=\"{Width - Right + 44}\" y=\"{ly + 4:0.#}\">{Escape(s.Name)}</text>"));
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    static string Escape(string text) => WebUtility.HtmlEncode(text);

    static string Label(double v) => Math.Abs(v) is >= 1e5 or (< 1e-3 and > 0) ? v.ToString("0.#e0", CultureInfo.InvariantCulture) : v.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>Where values fall on one axis (as a fraction of its length) and where its ticks go.</summary>
    sealed record Axis(Func<double, double> Fraction, IReadOnlyList<double> Ticks)
    {
        public static Axis Linear(double min, double max)
        {
            if (max <= min) { min -= 0.5; max += 0.5; }
            double step = NiceStep((max - min) / 5);
            double lo = Math.Floor(min / step) * step, hi = Math.Ceiling(max / step) * step;
            var ticks = new List<double>();
            for (double t = lo; t <= hi + step / 2; t += step) ticks.Add(Math.Round(t / step) * step);
            return new Axis(v => (v - lo) / (hi - lo), ticks);
        }

        /// <summary>Bounds and ticks at 1, 2 and 5 times powers of ten around the data (decades only when it spans more than two).</summary>
        public static Axis Log(double min, double max)
        {
            var candidates = new List<double>();
            for (double d = Math.Floor(Math.Log10(min)) - 1; d <= Math.Ceiling(Math.Log10(max)) + 1; d++)
                foreach (var m in new[] { 1.0, 2, 5 }) candidates.Add(m * Math.Pow(10, d));
            double lo = candidates.Last(c => c <= min * (1 + 1e-12)), hi = candidates.First(c => c >= max * (1 - 1e-12));
            if (hi <= lo) hi = candidates.First(c => c > lo);
            bool manyDecades = Math.Log10(hi / lo) > 2;
            var ticks = candidates.Where(c => c >= lo && c <= hi && (!manyDecades || Math.Abs(Math.Log10(c) - Math.Round(Math.Log10(c))) < 1e-9)).ToList();
            double logLo = Math.Log10(lo), logHi = Math.Log10(hi);
            return new Axis(v => (Math.Log10(v) - logLo) / (logHi - logLo), ticks);
        }

        /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>.</summary>
        static double NiceStep(double rough)
        {
            double power = Math.Pow(10, Math.Floor(Math.Log10(rough)));
            foreach (var m in new[] { 1.0, 2, 5, 10 })
                if (m * power >= rough) return m * power;
            return 10 * power;
        }
    }
}

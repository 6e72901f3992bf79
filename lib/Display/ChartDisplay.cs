using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Threading;
using Microsoft.DotNet.Interactive.Formatting;

namespace Diffusion.Display;

/// <summary>
/// Shows <see cref="LineChart"/>s in notebooks. A chart's output holds two MIME types:
/// <list type="bullet">
/// <item>text/html: the kit's SVG inside a div, plus a script that redraws it with plotly.js (zoom, hover) when the
///   page has plotly.js or can load it from its CDN; offline, or where scripts do not run, the SVG stays;</item>
/// <item>image/svg+xml: the same SVG alone, for clients that show no HTML.</item>
/// </list>
/// No F# library is involved, so the chart renders in any kernel (the dotnet-interactive tool loads its own
/// FSharp.Core, which Plotly.NET 6 cannot use). Called by <c>NotebookDisplay.Register()</c>; safe to call more than once.
/// </summary>
public static class ChartDisplay
{
    public const string HtmlMimeType = "text/html", SvgMimeType = "image/svg+xml";
    /// <summary>The class of the div every chart is drawn in (the report counts and checks them).</summary>
    public const string ChartClass = "diffusion-chart";
    /// <summary>Where pages without plotly.js load it from, when they are online.</summary>
    public const string PlotlyCdn = "https://cdn.plot.ly/plotly-2.35.2.min.js";
    static int _registered, _charts;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        Formatter.Register<LineChart>((chart, writer) => writer.Write(ToHtml(chart)), HtmlMimeType);
        Formatter.Register<LineChart>((chart, writer) => writer.Write(ChartSvg.Render(chart)), SvgMimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(LineChart), HtmlMimeType, SvgMimeType);
    }

    /// <summary>The div with the static SVG, the chart as plotly JSON, and the script that upgrades it when it can.</summary>
    public static string ToHtml(LineChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var id = $"{ChartClass}-{Environment.ProcessId:x}-{Interlocked.Increment(ref _charts)}";
        return $$"""
            <div class="{{ChartClass}}" id="{{id}}" style="max-width:{{ChartSvg.Width}}px">{{ChartSvg.Render(chart)}}</div>
            <script type="application/json" id="{{id}}-spec">{{PlotlySpec(chart).Replace("</", "<\\/")}}</script>
            <script>
            (function () {
              var el = document.getElementById('{{id}}');
              function draw(Plotly) {
                if (!Plotly || !el) return;
                var spec = JSON.parse(document.getElementById('{{id}}-spec').textContent);
                el.innerHTML = '';
                Plotly.newPlot(el, spec.data, spec.layout, { responsive: true });
              }
              if (typeof Plotly !== 'undefined') { draw(Plotly); return; }
              if (typeof require === 'function' && require.config) { require(['{{PlotlyCdn[..^3]}}'], draw, function () {}); return; }
              var s = document.createElement('script');
              s.src = '{{PlotlyCdn}}';
              s.onload = function () { draw(window.Plotly); };
              document.head.appendChild(s);
            })();
            </script>
            """;
    }

    /// <summary>The chart as plotly.js's figure JSON ({data, layout}).</summary>
    public static string PlotlySpec(LineChart chart)
    {
        var data = chart.Series.Select(s => new Dictionary<string, object>
        {
            ["type"] = "scatter",
            ["mode"] = "lines",
            ["name"] = s.Name,
            ["opacity"] = s.Opacity,
            ["x"] = s.X.Select(Compact).ToArray(),
            ["y"] = s.Y.Select(Compact).ToArray(),
        }).ToArray();
        var layout = new Dictionary<string, object>
        {
            ["title"] = new { text = chart.Title },
            ["width"] = ChartSvg.Width,
            ["height"] = ChartSvg.Height,
            ["xaxis"] = new { title = new { text = chart.XTitle } },
            ["yaxis"] = new { title = new { text = chart.YTitle }, type = chart.LogY ? "log" : "linear" },
        };
        return JsonSerializer.Serialize(new { data, layout });
    }

    /// <summary>Six significant digits: what a screen can show, a quarter of the JSON.</summary>
    static double Compact(double v) => double.Parse(v.ToString("G6", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}

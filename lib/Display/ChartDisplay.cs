using System.Text.RegularExpressions;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;

namespace Diffusion.Display;

/// <summary>
/// Shows Plotly.NET charts in notebooks as text/html. The HTML loads plotly.js from its CDN when a
/// notebook is opened online; the kit's report swaps that for a bundled copy so it renders offline.
/// Called by <c>NotebookDisplay.Register()</c>; safe to call more than once.
/// </summary>
public static partial class ChartDisplay
{
    public const string HtmlMimeType = "text/html";
    static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        Formatter.Register<GenericChart>((chart, writer) => writer.Write(ToHtml(chart)), HtmlMimeType);
        Formatter.SetPreferredMimeTypesFor(typeof(GenericChart), HtmlMimeType);
    }

    /// <summary>Where notebooks opened online load plotly.js from when the page has none yet.</summary>
    public const string PlotlyCdn = "https://cdn.plot.ly/plotly-2.35.2.min.js";

    /// <summary>
    /// A div and the script that draws the chart into it. Plotly.NET's HTML assumes plotly.js is already
    /// on the page; the drawing call is wrapped so plotly.js is loaded first when it is not.
    /// </summary>
    public static string ToHtml(GenericChart chart) => WithPlotlyLoader(GenericChart.toChartHTML(chart));

    internal static string WithPlotlyLoader(string html) => RenderCall().Replace(html, m =>
        $$"""
        (function (render) {
          if (typeof Plotly !== 'undefined') { render(); return; }
          var s = document.createElement('script');
          s.src = '{{PlotlyCdn}}';
          s.onload = render;
          document.head.appendChild(s);
        })({{m.Groups[1].Value}});
        </script>
        """, 1);

    [GeneratedRegex(@"(renderPlotly_\w+)\(\);\s*</script>")]
    private static partial Regex RenderCall();
}

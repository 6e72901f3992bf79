using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>
/// Every notebooks/*.dib executed once in smoke mode by each engine: the kit's own kernel host (what `run` and the
/// grader use) and the dotnet-interactive tool (what VS Code and Jupyter use), shared by the tests that read them.
/// </summary>
public sealed class SmokeRuns
{
    public RunSummary Kit { get; }
    public RunSummary Tool { get; }

    public SmokeRuns()
    {
        var notebooks = Directory.GetFiles(KitPaths.Notebooks, "*.dib").Order(StringComparer.Ordinal).ToArray();
        var outDir = TempDir("smoke-runs");
        Kit = Run(Path.Combine(outDir, "kit"), NotebookKernel.Kit, notebooks);
        Tool = Run(Path.Combine(outDir, "tool"), NotebookKernel.DotnetInteractive, notebooks);
    }

    static RunSummary Run(string outDir, NotebookKernel kernel, string[] notebooks) =>
        NotebookRun.RunAsync(new RunOptions(notebooks, KitMode.Smoke, TimeSpan.FromSeconds(300), outDir, WriteReport: false, kernel),
            _ => { }, CancellationToken.None).GetAwaiter().GetResult();

    public static NotebookResult ResultOf(RunSummary summary, string notebook) =>
        summary.Results.Single(r => r.Name == notebook);

    public static string IpynbOf(RunSummary summary, string notebook) => Path.Combine(summary.NotebooksDir, notebook + ".ipynb");

    public static TheoryData<string> Notebooks()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(KitPaths.Notebooks, "*.dib").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(path));
        return data;
    }
}

[CollectionDefinition(Name)]
public sealed class SmokeRunsCollection : ICollectionFixture<SmokeRuns>
{
    public const string Name = "smoke runs of every notebook";
}

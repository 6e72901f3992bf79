using System.Text.Json;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;
using static Diffusion.Tests.RunnerTestSupport;

namespace Diffusion.Tests;

/// <summary>The notebook runner: outputs land in the .ipynb, failures and hung cells are caught and named.</summary>
public class RunnerTests
{
    [Fact]
    public async Task TinyNotebookYieldsIpynbWithMarkdownDisplayAndStdout()
    {
        var dir = TempDir("tiny");
        var nb = WriteNotebook(dir, "tiny",
            ("markdown", "# A title\n\nSome *words*."),
            ("csharp", "display(\"shown value\");"),
            ("csharp", "Console.WriteLine(\"printed line\");"),
            ("csharp", "6 * 7"));

        var summary = await RunAsync(Path.Combine(dir, "out"), KitMode.Smoke, 120, report: false, nb);

        var result = Assert.Single(summary.Results);
        Assert.Equal(NotebookStatus.Ok, result.Status);
        var ipynb = Path.Combine(summary.NotebooksDir, "tiny.ipynb");
        using var doc = JsonDocument.Parse(File.ReadAllText(ipynb));
        var first = doc.RootElement.GetProperty("cells")[0];
        Assert.Equal("markdown", first.GetProperty("cell_type").GetString());
        Assert.Contains("Some *words*.", TextOf(first.GetProperty("source")));

        var outputs = Outputs(ipynb);
        var shown = Assert.Single(outputs, o => o.Cell == 2).Output;
        Assert.Equal("display_data", shown.GetProperty("output_type").GetString());
        Assert.Contains("shown value", TextOf(shown.GetProperty("data").GetProperty("text/plain")));
        var printed = Assert.Single(outputs, o => o.Cell == 3).Output;
        Assert.Equal("stream", printed.GetProperty("output_type").GetString());
        Assert.Equal("stdout", printed.GetProperty("name").GetString());
        Assert.Equal("printed line\n", TextOf(printed.GetProperty("text")));
        var returned = Assert.Single(outputs, o => o.Cell == 4).Output;
        Assert.Equal("execute_result", returned.GetProperty("output_type").GetString());
        Assert.Contains("42", returned.GetProperty("data").GetRawText());
    }

    [Fact]
    public void FailingCellMakesRunExitNonZeroAndNamesTheCell()
    {
        var dir = TempDir("failing");
        var nb = WriteNotebook(dir, "failing",
            ("csharp", "var fine = 1;"),
            ("markdown", "Next comes the bad cell."),
            ("csharp", "var broken = fine + 1;\nthrow new InvalidOperationException(\"the model exploded\");"),
            ("csharp", "Console.WriteLine(\"never runs\");"));

        var (code, stdout, stderr) = RunKit(TimeSpan.FromMinutes(3),
            "run", nb, "--mode", "smoke", "--out", Path.Combine(dir, "out"), "--no-report");

        Assert.Equal(1, code);
        Assert.Contains("failing", stderr);
        Assert.Contains("cell 3 (`var broken = fine + 1;`)", stderr);
        Assert.Contains("the model exploded", stderr);
        Assert.Contains("failed", stdout);
        var outputs = Outputs(Path.Combine(dir, "out", "notebooks", "failing.ipynb"));
        var error = Assert.Single(outputs, o => o.Output.GetProperty("output_type").GetString() == "error");
        Assert.Equal(3, error.Cell);
        Assert.Contains("the model exploded", error.Output.GetProperty("evalue").GetString());
        Assert.DoesNotContain(outputs, o => o.Cell == 4);
    }

    [Fact]
    public async Task CompileErrorFailsTheNotebookAndNamesTheCell()
    {
        var dir = TempDir("compile");
        var nb = WriteNotebook(dir, "compile", ("csharp", "int x = \"not a number\";"));

        var result = Assert.Single((await RunAsync(Path.Combine(dir, "out"), KitMode.Smoke, 120, report: false, nb)).Results);

        Assert.Equal(NotebookStatus.Failed, result.Status);
        Assert.Equal(1, result.FailedCell);
        Assert.Contains("CS0029", result.Error);
    }

    [Fact]
    public async Task HungCellIsStoppedByTheCellTimeLimit()
    {
        var dir = TempDir("hung");
        var nb = WriteNotebook(dir, "hung",
            ("csharp", "Console.WriteLine(\"before\");"),
            ("csharp", "System.Threading.Thread.Sleep(System.Threading.Timeout.Infinite);"));
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var summary = await RunAsync(Path.Combine(dir, "out"), KitMode.Smoke, 5, report: false, nb);

        var result = Assert.Single(summary.Results);
        Assert.Equal(NotebookStatus.TimedOut, result.Status);
        Assert.Equal(2, result.FailedCell);
        Assert.Contains("5 s limit", result.Error);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(90), $"took {watch.Elapsed}");
        var outputs = Outputs(Path.Combine(summary.NotebooksDir, "hung.ipynb"));
        Assert.Contains(outputs, o => o.Cell == 1 && o.Output.GetProperty("output_type").GetString() == "stream");
        Assert.Contains(outputs, o => o.Cell == 2 && o.Output.GetProperty("ename").GetString() == "CellTimeout");
    }

    [Fact]
    public async Task NotebookRunsInItsFolderWithTheModeAndResolvesRelativeAndNugetReferences()
    {
        // Placed inside the repository so that ../../artifacts/lib resolves as it does for notebooks/.
        var dir = TempDir("refs", Path.Combine(KitPaths.Out, "test-notebooks"));
        var nb = WriteNotebook(dir, "refs",
            ("csharp", """
                #r "../../../artifacts/lib/Diffusion.Lib.dll"
                #r "nuget: Markdig, 1.6.0"
                Console.WriteLine(System.IO.Directory.GetCurrentDirectory());
                Console.WriteLine(Diffusion.Runtime.KitModes.Current);
                Console.WriteLine(Markdig.Markdown.ToHtml("*hi*").Trim());
                """));

        var summary = await RunAsync(Path.Combine(dir, "out"), KitMode.Smoke, 300, report: false, nb);

        var result = Assert.Single(summary.Results);
        Assert.True(result.Status == NotebookStatus.Ok, NotebookRun.Describe(result));
        var outputs = Outputs(Path.Combine(summary.NotebooksDir, "refs.ipynb"));
        var printed = TextOf(Assert.Single(outputs, o => o.Output.GetProperty("output_type").GetString() == "stream").Output.GetProperty("text"));
        Assert.Contains("Installed Packages", Assert.Single(outputs, o => o.Output.GetProperty("output_type").GetString() == "display_data").Output.GetRawText());
        Assert.Equal($"{dir}\nSmoke\n<p><em>hi</em></p>\n", printed);
    }

    [Fact]
    public void NamesResolveToNotebooksByFileNameOrPrefix()
    {
        var dir = TempDir("names");
        WriteNotebook(dir, "00-setup");
        WriteNotebook(dir, "01-forward");

        Assert.Equal(2, NotebookRun.Resolve([], dir).Count);
        Assert.EndsWith("01-forward.dib", Assert.Single(NotebookRun.Resolve(["01"], dir)));
        Assert.EndsWith("00-setup.dib", Assert.Single(NotebookRun.Resolve(["00-setup.dib"], dir)));
        var e = Assert.Throws<FileNotFoundException>(() => NotebookRun.Resolve(["02"], dir));
        Assert.Contains("00-setup, 01-forward", e.Message);
    }
}

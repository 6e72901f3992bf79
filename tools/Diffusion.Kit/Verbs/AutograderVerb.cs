using System.CommandLine;
using Diffusion.Kit.Grading;
using Diffusion.Kit.Grading.Gradescope;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`autograder`: writes the Gradescope autograder zip; `autograder run` is what its run_autograder runs.</summary>
public sealed class AutograderVerb : IVerb
{
    readonly Option<string?> _notebook = KitOptions.TextOrNull("--notebook",
        "the notebooks due (default: every gradable one); one not submitted scores zero", "NAME[,NAME]");
    readonly Option<string> _mode = KitOptions.Word("--mode", "how much work the notebooks do", m => KitModes.Parse(m, "--mode"), "pretrained", "smoke|pretrained|full");
    readonly Option<string> _visibility = KitOptions.Choice("--visibility", "who sees the tests on Gradescope", "after_published", AutograderConfig.Visibilities);
    readonly Option<int> _cellTimeout = KitOptions.Int("--cell-timeout", "seconds per cell, as for grade", 300, 1, 86_400, "S");
    readonly Option<int> _submissionTimeout = KitOptions.Int("--submission-timeout", "seconds per notebook, all attempts together, as for grade", 1800, 1, 7 * 86_400, "S");
    readonly Option<int> _memory = KitOptions.Int("--memory", "resident memory per notebook process, in MB, as for grade", 4096, 64, 1 << 20, "MB");
    readonly Option<bool> _allowReferenceCalls = KitOptions.Flag("--allow-reference-calls", "as for grade");
    readonly Option<string?> _out = KitOptions.TextOrNull("--out", "default out/autograder", "DIR");

    public Command Command { get; }

    public AutograderVerb()
    {
        Command = KitOptions.Verb("autograder", """
            write the zip Gradescope's autograder takes (setup.sh, run_autograder, the kit and the key)
            Writes out/autograder/autograder.zip and the folder it zips (a Docker build context).
            `autograder run` is what its run_autograder runs.
            """, RunAsync, _notebook, _mode, _visibility, _cellTimeout, _submissionTimeout, _memory, _allowReferenceCalls, _out, RunCommand());
    }

    /// <summary>`autograder run`: grades ROOT/submission with ROOT/source's key and settings and writes ROOT/results/results.json.</summary>
    static Command RunCommand()
    {
        var root = KitOptions.Text("--root", "the autograder's folder (Gradescope's run_autograder calls it with /autograder)", "/autograder", "DIR");
        return KitOptions.Verb("run", "grade ROOT/submission with ROOT/source's key and settings; write ROOT/results/results.json", async (parse, cancel) =>
        {
            var folder = Path.GetFullPath(parse.GetValue(root)!);
            if (!Directory.Exists(folder)) throw new ArgumentException($"--root: no folder {folder}.", "--root");
            var results = await AutograderRun.RunAsync(folder, Console.WriteLine, cancel);
            Console.WriteLine($"results.json: {results.Tests.Sum(t => t.Score):0.##} / {results.Tests.Sum(t => t.MaxScore):0.##} over {results.Tests.Count} tests.");
            return 0;
        }, root);
    }

    async Task<int> RunAsync(ParseResult parse, CancellationToken cancel)
    {
        var only = (parse.GetValue(_notebook) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var mode = KitModes.Parse(parse.GetValue(_mode)!, "--mode");
        var config = new AutograderConfig([], KitModes.Name(mode), parse.GetValue(_visibility)!,
            parse.GetValue(_cellTimeout), parse.GetValue(_submissionTimeout), parse.GetValue(_memory), parse.GetValue(_allowReferenceCalls));
        var outDir = Path.GetFullPath(parse.GetValue(_out) ?? Path.Combine(KitPaths.Out, "autograder"));

        var key = await GradingKey.LoadAsync(KitPaths.Notebooks, only);
        foreach (var why in key.Ungradable.Values) Console.Error.WriteLine($"warning: {why}");
        config = config with { Notebooks = key.Notebooks.ToList() };
        var written = AutograderPackage.Write(KitPaths.Root, outDir, config);
        Console.WriteLine($"Autograder: {written.Zip} ({written.Bytes / 1e6:0.#} MB, {written.Entries} files) for {string.Join(", ", config.Notebooks)}, mode {config.Mode}, tests {config.Visibility}.");
        Console.WriteLine($"Upload it on Gradescope (Configure Autograder, Ubuntu 22.04 base image); `docker build -t diffusion-grader {written.Folder}` builds the same image.");
        return 0;
    }
}

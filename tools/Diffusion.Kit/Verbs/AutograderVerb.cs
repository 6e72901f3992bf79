using Diffusion.Kit.Grading;
using Diffusion.Kit.Grading.Gradescope;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`autograder`: writes the Gradescope autograder zip; `autograder run` is what its run_autograder runs.</summary>
public sealed class AutograderVerb : IVerb
{
    public string Name => "autograder";
    public string Summary => "write the zip Gradescope's autograder takes (setup.sh, run_autograder, the kit and the key)";
    public string Usage => $"""
        autograder [options]          writes out/autograder/autograder.zip and the folder it zips (a Docker build context)
          --notebook NAME[,NAME]      the notebooks due (default: every gradable one); one not submitted scores zero
          --mode M                    smoke|pretrained|full (default pretrained)
          --visibility V              who sees the tests on Gradescope: {string.Join("|", AutograderConfig.Visibilities)} (default after_published)
          --cell-timeout S, --submission-timeout S, --memory MB, --allow-reference-calls   as for grade
          --out DIR                   default out/autograder
        autograder run [--root DIR]   grades ROOT/submission with ROOT/source's key and settings, writes ROOT/results/results.json
                                      (default root /autograder: what Gradescope's run_autograder calls)
        """;

    public async Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        if (args.Positional is ["run"])
        {
            var root = Path.GetFullPath(args.String("root", "/autograder"));
            args.RejectUnknown("autograder run");
            if (!Directory.Exists(root)) throw new ArgumentException($"--root: no folder {root}.", "--root");
            var results = await AutograderRun.RunAsync(root, Console.WriteLine, cancel);
            Console.WriteLine($"results.json: {results.Tests.Sum(t => t.Score):0.##} / {results.Tests.Sum(t => t.MaxScore):0.##} over {results.Tests.Count} tests.");
            return 0;
        }
        if (args.Positional.Count > 0) throw new ArgumentException($"autograder takes no words but `run`, got \"{string.Join(' ', args.Positional)}\".", "autograder");
        var only = (args.String("notebook") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var mode = KitModes.Parse(args.String("mode", "pretrained"), "--mode");
        var visibility = args.String("visibility", "after_published");
        if (!AutograderConfig.Visibilities.Contains(visibility))
            throw new ArgumentException($"--visibility: expected one of {string.Join(", ", AutograderConfig.Visibilities)}, got \"{visibility}\".", "--visibility");
        var config = new AutograderConfig([], KitModes.Name(mode), visibility,
            args.Int("cell-timeout", 300, 1, 86_400), args.Int("submission-timeout", 1800, 1, 7 * 86_400), args.Int("memory", 4096, 64, 1 << 20),
            args.Flag("allow-reference-calls"));
        var outDir = Path.GetFullPath(args.String("out") ?? Path.Combine(KitPaths.Out, "autograder"));
        args.RejectUnknown(Name);

        var key = await GradingKey.LoadAsync(KitPaths.Notebooks, only);
        foreach (var why in key.Ungradable.Values) Console.Error.WriteLine($"warning: {why}");
        config = config with { Notebooks = key.Notebooks.ToList() };
        var written = AutograderPackage.Write(KitPaths.Root, outDir, config);
        Console.WriteLine($"Autograder: {written.Zip} ({written.Bytes / 1e6:0.#} MB, {written.Entries} files) for {string.Join(", ", config.Notebooks)}, mode {config.Mode}, tests {config.Visibility}.");
        Console.WriteLine($"Upload it on Gradescope (Configure Autograder, Ubuntu 22.04 base image); `docker build -t diffusion-grader {written.Folder}` builds the same image.");
        return 0;
    }
}

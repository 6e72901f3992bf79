using Diffusion.Kit.Grading;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`student`: writes the notebooks students receive, solution regions replaced and hidden tests removed.</summary>
public sealed class StudentVerb : IVerb
{
    public string Name => "student";
    public string Summary => "write student versions of the notebooks (solutions replaced by placeholders, hidden tests removed)";
    public string Usage => """
        student [NAMES...] [--out DIR]
          NAMES    notebooks (file names in notebooks/, unique prefixes or paths); default all
          --out    where the student notebooks go (default out/student); their #r lines point at this kit's artifacts/lib
        Each `// BEGIN SOLUTION` ... `// END SOLUTION` region keeps its functions' signatures, with bodies that throw
        NotImplementedException; cells starting `// HIDDEN TEST:` are left out. Writing again gives the same files.
        """;

    public async Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        var outDir = Path.GetFullPath(args.String("out") ?? Path.Combine(KitPaths.Out, "student"));
        args.RejectUnknown(Name);
        var notebooks = NotebookRun.Resolve(args.Positional, KitPaths.Notebooks);
        foreach (var path in notebooks)
        {
            var written = await StudentVersions.WriteAsync(path, outDir, KitPaths.Root);
            Console.WriteLine($"{Path.GetFileName(path)}: {written.Regions} solution regions replaced, {written.HiddenTestsRemoved} hidden tests removed -> {written.Path}");
        }
        return 0;
    }
}

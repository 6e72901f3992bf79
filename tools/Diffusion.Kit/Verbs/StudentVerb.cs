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
        student [NAMES...] [--track ddpm|fm|both] [--out DIR]
          NAMES    notebooks (file names in notebooks/, unique prefixes or paths); default all of the track
          --track  part B's version: ddpm (B2, B3), fm (flow matching: B4, B5) or both (default); setup,
                   part A and B1 belong to every track
          --out    where the student notebooks go (default out/student); their #r lines point at this kit's artifacts/lib
        Each `// BEGIN SOLUTION` ... `// END SOLUTION` region keeps its functions' signatures, with bodies that throw
        NotImplementedException; cells starting `// HIDDEN TEST:` are left out. Writing again gives the same files.
        """;

    public async Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        var outDir = Path.GetFullPath(args.String("out") ?? Path.Combine(KitPaths.Out, "student"));
        var track = CourseTracks.Parse(args.String("track", "both"), "--track");
        args.RejectUnknown(Name);
        var notebooks = NotebookRun.Resolve(args.Positional, KitPaths.Notebooks).Where(p => track.Includes(p)).ToList();
        if (notebooks.Count == 0)
            throw new ArgumentException($"none of the notebooks named is on the {track.Name()} track.", "--track");
        Console.WriteLine($"Track {track.Name()}: {CourseTracks.Describe(notebooks)}");
        foreach (var path in notebooks)
        {
            var written = await StudentVersions.WriteAsync(path, outDir, KitPaths.Root);
            Console.WriteLine($"{Path.GetFileName(path)}: {written.Regions} solution regions replaced, {written.HiddenTestsRemoved} hidden tests removed -> {written.Path}");
        }
        return 0;
    }
}

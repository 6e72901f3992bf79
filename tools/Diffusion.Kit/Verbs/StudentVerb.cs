using System.CommandLine;
using Diffusion.Kit.Grading;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`student`: writes the notebooks students receive, solution regions replaced and hidden tests removed.</summary>
public sealed class StudentVerb : IVerb
{
    readonly Argument<string[]> _names = KitOptions.Words("NAMES", "notebooks (file names in notebooks/, unique prefixes or paths); default all of the track");
    readonly Option<string> _track = KitOptions.Word("--track",
        "part B's version: ddpm (B2, B3), fm (flow matching: B4, B5) or both; setup, part A and B1 belong to every track",
        t => CourseTracks.Parse(t, "--track"), "both", "ddpm|fm|both");
    readonly Option<string?> _out = KitOptions.TextOrNull("--out",
        "where the student notebooks go (default out/student); their #r lines point at this kit's artifacts/lib", "DIR");

    public Command Command { get; }

    public StudentVerb() => Command = KitOptions.Verb("student", """
        write student versions of the notebooks (solutions replaced by placeholders, hidden tests removed)
        Each `// BEGIN SOLUTION` ... `// END SOLUTION` region keeps its functions' signatures, with bodies that throw
        NotImplementedException; cells starting `// HIDDEN TEST:` are left out. Writing again gives the same files.
        """, RunAsync, _names, _track, _out);

    async Task<int> RunAsync(ParseResult parse, CancellationToken cancel)
    {
        var outDir = Path.GetFullPath(parse.GetValue(_out) ?? Path.Combine(KitPaths.Out, "student"));
        var track = CourseTracks.Parse(parse.GetValue(_track)!, "--track");
        var notebooks = NotebookRun.Resolve(parse.GetValue(_names)!, KitPaths.Notebooks).Where(p => track.Includes(p)).ToList();
        if (notebooks.Count == 0)
            throw new ArgumentException($"--track {track.Name()}: none of the notebooks named is on the {track.Name()} track.", "--track");
        Console.WriteLine($"Track {track.Name()}: {CourseTracks.Describe(notebooks)}");
        foreach (var path in notebooks)
        {
            var written = await StudentVersions.WriteAsync(path, outDir, KitPaths.Root);
            Console.WriteLine($"{Path.GetFileName(path)}: {written.Regions} solution regions replaced, {written.HiddenTestsRemoved} hidden tests removed -> {written.Path}");
        }
        return 0;
    }
}

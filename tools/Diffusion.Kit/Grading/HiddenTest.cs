using System.Globalization;
using System.Text.RegularExpressions;
using Diffusion.Kit.Notebooks;
using Microsoft.DotNet.Interactive.Documents;

namespace Diffusion.Kit.Grading;

/// <summary>
/// A hidden test: a C# cell of the instructor's notebook whose first line is
/// <c>// HIDDEN TEST: 1.1 Forward process [4 points]</c>: a probe cell. It runs after a submission's cells, in the same
/// kernel, calls the student's function on inputs drawn from the grader's seed and keeps what came back; the grader
/// judges that (<see cref="Sections.SectionJudges"/>). `run` skips these cells, `student` removes them.
/// </summary>
public sealed partial record HiddenTest(int Index, string Section, double Points, string Code)
{
    [GeneratedRegex(@"^//\s*HIDDEN TEST:\s*(?<section>.+?)\s*\[\s*(?<points>\d+(?:\.\d+)?)\s*points?\s*\]\s*$")]
    private static partial Regex Marker();

    const string MarkerStart = "// HIDDEN TEST";

    /// <summary>True when the cell is a hidden test (or tries to be one: a malformed marker is an error, not a silent student cell).</summary>
    public static bool IsHiddenTest(InteractiveDocumentElement cell) =>
        cell.KernelName == NotebookExecutor.CSharp && FirstCodeLine(cell.Contents).StartsWith(MarkerStart, StringComparison.Ordinal);

    /// <summary>Every hidden test in a notebook, numbered from 1 in order.</summary>
    public static IReadOnlyList<HiddenTest> In(InteractiveDocument notebook, string notebookName)
    {
        var tests = new List<HiddenTest>();
        foreach (var cell in notebook.Elements.Where(IsHiddenTest))
        {
            var line = FirstCodeLine(cell.Contents);
            var match = Marker().Match(line);
            if (!match.Success)
                throw new FormatException($"{notebookName}: the hidden-test marker `{line}` should read `// HIDDEN TEST: SECTION [N points]`.");
            double points = double.Parse(match.Groups["points"].Value, CultureInfo.InvariantCulture);
            tests.Add(new HiddenTest(tests.Count + 1, match.Groups["section"].Value, points, cell.Contents));
        }
        return tests;
    }

    static string FirstCodeLine(string code) =>
        code.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
}

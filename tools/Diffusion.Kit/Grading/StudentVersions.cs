using System.Text.RegularExpressions;
using Diffusion.Kit.Notebooks;
using Microsoft.DotNet.Interactive.Documents;

namespace Diffusion.Kit.Grading;

/// <summary>
/// Writes the notebooks students receive: every solution region replaced by placeholders (<see cref="SolutionRegions"/>),
/// every hidden-test cell removed, and the library references pointed at the kit from wherever the copy is written.
/// The kit's notebooks stay the single source; writing again gives the same files.
/// </summary>
public static partial class StudentVersions
{
    [GeneratedRegex("""^(?<lead>\s*#r\s+")(?<path>[^"]*artifacts/lib/)(?<file>[^"/]+\.dll)(?<tail>"\s*)$""", RegexOptions.Multiline)]
    private static partial Regex LibraryReference();

    /// <summary>What one notebook became: how many regions were replaced and hidden tests removed.</summary>
    public sealed record Written(string Source, string Path, int Regions, int HiddenTestsRemoved);

    public static async Task<Written> WriteAsync(string sourcePath, string outDir, string kitRoot)
    {
        var name = System.IO.Path.GetFileNameWithoutExtension(sourcePath);
        var document = await NotebookExecutor.LoadAsync(sourcePath);
        var libraryFolder = System.IO.Path.GetRelativePath(outDir, System.IO.Path.Combine(kitRoot, "artifacts", "lib")).Replace('\\', '/') + "/";
        var kept = new List<InteractiveDocumentElement>();
        int regions = 0, removed = 0;
        for (int i = 0; i < document.Elements.Count; i++)
        {
            var cell = document.Elements[i];
            if (HiddenTest.IsHiddenTest(cell)) { removed++; continue; }
            if (cell.KernelName == NotebookExecutor.CSharp)
            {
                var code = cell.Contents;
                if (SolutionRegions.Contains(code))
                {
                    regions += code.Split('\n').Count(l => l.Trim() == SolutionRegions.Begin);
                    code = SolutionRegions.ToStudentVersion(code, $"{name}, cell {i + 1}");
                }
                code = PointReferencesAt(code, libraryFolder);
                cell = new InteractiveDocumentElement(code, cell.KernelName);
            }
            kept.Add(cell);
        }
        Directory.CreateDirectory(outDir);
        var path = System.IO.Path.Combine(outDir, name + ".dib");
        NotebookExecutor.WriteAtomically(path, new InteractiveDocument(kept).ToCodeSubmissionContent());
        return new Written(sourcePath, path, regions, removed);
    }

    /// <summary>Rewrites <c>#r "…/artifacts/lib/X.dll"</c> to <c>#r "FOLDER/X.dll"</c>.</summary>
    public static string PointReferencesAt(string code, string libraryFolder) =>
        LibraryReference().Replace(code, m => m.Groups["lead"].Value + libraryFolder + m.Groups["file"].Value + m.Groups["tail"].Value);
}

namespace Diffusion.Kit.Grading;

/// <summary>
/// Finds who submitted what. A submissions folder holds, per student, either a folder named after the student with
/// notebooks inside (<c>alice/A1-sampling-loops.ipynb</c>), or files named student and notebook together
/// (<c>alice_A1-sampling-loops.dib</c>). Notebooks are .dib or executed .ipynb; a file matches the key notebook whose
/// name it contains. Files matching nothing are listed, not graded.
/// </summary>
public static class SubmissionFolder
{
    public sealed record Found(IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> ByStudent, IReadOnlyList<string> Unmatched);

    static readonly string[] Extensions = [".dib", ".ipynb"];

    public static Found Scan(string folder, IEnumerable<string> notebooks)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"SUBMISSIONS: no folder {folder}.");
        var names = notebooks.OrderByDescending(n => n.Length).ToList();   // the longest name wins when names nest
        var byStudent = new SortedDictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        var unmatched = new List<string>();

        void Add(string student, string file)
        {
            var stem = Path.GetFileNameWithoutExtension(file);
            var notebook = names.FirstOrDefault(n => stem.Contains(n, StringComparison.OrdinalIgnoreCase));
            student = student.Trim(' ', '_', '-', '.');
            if (notebook is null || student.Length == 0) { unmatched.Add(file); return; }
            var mine = byStudent.TryGetValue(student, out var m) ? m : byStudent[student] = new Dictionary<string, string>(StringComparer.Ordinal);
            // Two files for one notebook: the .ipynb (executed, what the student saw) is preferred, else the first by name.
            if (!mine.TryGetValue(notebook, out var earlier) || (Path.GetExtension(earlier) != ".ipynb" && Path.GetExtension(file) == ".ipynb"))
                mine[notebook] = file;
        }

        foreach (var dir in Directory.GetDirectories(folder).Order(StringComparer.Ordinal))
            foreach (var file in Directory.GetFiles(dir).Where(IsNotebook).Order(StringComparer.Ordinal))
                Add(Path.GetFileName(dir), file);
        foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            if (!IsNotebook(file)) { unmatched.Add(file); continue; }
            var stem = Path.GetFileNameWithoutExtension(file);
            var notebook = names.FirstOrDefault(n => stem.Contains(n, StringComparison.OrdinalIgnoreCase));
            Add(notebook is null ? "" : stem.Remove(stem.IndexOf(notebook, StringComparison.OrdinalIgnoreCase), notebook.Length), file);
        }
        return new Found(byStudent.ToDictionary(p => p.Key, p => (IReadOnlyDictionary<string, string>)p.Value), unmatched);
    }

    static bool IsNotebook(string file) => Extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase);
}

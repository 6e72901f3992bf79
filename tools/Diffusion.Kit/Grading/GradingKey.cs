using Diffusion.Kit.Notebooks;

namespace Diffusion.Kit.Grading;

/// <summary>The instructor's notebooks that carry hidden tests, by name: what each submission is graded against.</summary>
public sealed class GradingKey
{
    GradingKey(string folder, IReadOnlyDictionary<string, IReadOnlyList<HiddenTest>> tests, IReadOnlyDictionary<string, IReadOnlyList<string>> handouts, bool chosen,
        IReadOnlyDictionary<string, string> ungradable)
    {
        Folder = folder; Tests = tests; Handouts = handouts; Chosen = chosen; Ungradable = ungradable;
    }

    /// <summary>
    /// Notebooks with hidden tests the grader has no judgement for yet (tools/Diffusion.Kit/Grading/Sections), and why.
    /// They are never graded: no section can earn points without a judgement. Naming one with --notebook is an error.
    /// </summary>
    public IReadOnlyDictionary<string, string> Ungradable { get; }

    public string Folder { get; }
    /// <summary>Notebook name (file name without .dib) to its hidden tests; notebooks without tests are not graded.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<HiddenTest>> Tests { get; }

    /// <summary>Notebook name to the C# cells of its handout (solutions replaced, hidden tests removed), as students got them.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Handouts { get; }

    public IEnumerable<string> Notebooks => Tests.Keys.Order(StringComparer.Ordinal);

    /// <summary>True when the instructor named the notebooks (--notebook): all of them are due, submitted or not.</summary>
    public bool Chosen { get; }

    public static async Task<GradingKey> LoadAsync(string folder, IReadOnlyCollection<string>? only = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--key: no folder {folder}.");
        var tests = new SortedDictionary<string, IReadOnlyList<HiddenTest>>(StringComparer.Ordinal);
        var handouts = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var ungradable = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(folder, "*.dib"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (only is { Count: > 0 } && !only.Contains(name)) continue;
            var document = await NotebookExecutor.LoadAsync(path);
            var found = HiddenTest.In(document, name);
            if (found.Count == 0) continue;
            var unjudged = found.Where(t => Sections.SectionJudges.Find(name, t.Section) is null).Select(t => $"\"{t.Section}\"").ToList();
            if (unjudged.Count > 0)
            {
                ungradable[name] = $"{name} has hidden tests for {string.Join(", ", unjudged)} that the grader has no judgement for (tools/Diffusion.Kit/Grading/Sections), so it is not graded.";
                continue;
            }
            tests[name] = found;
            handouts[name] = document.Elements.Where(e => e.KernelName == NotebookExecutor.CSharp && !HiddenTest.IsHiddenTest(e))
                .Select(e => SolutionRegions.Contains(e.Contents) ? SolutionRegions.ToStudentVersion(e.Contents, name) : e.Contents).ToList();
        }
        if (only is { Count: > 0 })
            foreach (var name in only.Where(n => !tests.ContainsKey(n)))
                throw new ArgumentException(ungradable.TryGetValue(name, out var why) ? $"--notebook: {why}"
                    : $"--notebook: {name} is not a notebook with hidden tests in {folder} (those are: {string.Join(", ", tests.Keys)}).");
        if (tests.Count == 0) throw new InvalidDataException($"--key: no notebook in {folder} has hidden tests (cells starting `// HIDDEN TEST: SECTION [N points]`).");
        return new GradingKey(folder, tests, handouts, only is { Count: > 0 }, ungradable);
    }
}

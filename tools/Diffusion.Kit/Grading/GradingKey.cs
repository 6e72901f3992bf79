using Diffusion.Kit.Notebooks;

namespace Diffusion.Kit.Grading;

/// <summary>The instructor's notebooks that carry hidden tests, by name: what each submission is graded against.</summary>
public sealed class GradingKey
{
    GradingKey(string folder, IReadOnlyDictionary<string, IReadOnlyList<HiddenTest>> tests, bool chosen) { Folder = folder; Tests = tests; Chosen = chosen; }

    public string Folder { get; }
    /// <summary>Notebook name (file name without .dib) to its hidden tests; notebooks without tests are not graded.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<HiddenTest>> Tests { get; }

    public IEnumerable<string> Notebooks => Tests.Keys.Order(StringComparer.Ordinal);

    /// <summary>True when the instructor named the notebooks (--notebook): all of them are due, submitted or not.</summary>
    public bool Chosen { get; }

    public static async Task<GradingKey> LoadAsync(string folder, IReadOnlyCollection<string>? only = null)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"--key: no folder {folder}.");
        var tests = new SortedDictionary<string, IReadOnlyList<HiddenTest>>(StringComparer.Ordinal);
        foreach (var path in Directory.GetFiles(folder, "*.dib"))
        {
            var name = Path.GetFileNameWithoutExtension(path);
            if (only is { Count: > 0 } && !only.Contains(name)) continue;
            var found = HiddenTest.In(await NotebookExecutor.LoadAsync(path), name);
            if (found.Count > 0) tests[name] = found;
        }
        if (only is { Count: > 0 })
            foreach (var name in only.Where(n => !tests.ContainsKey(n)))
                throw new ArgumentException($"--notebook: {name} is not a notebook with hidden tests in {folder} (those are: {string.Join(", ", tests.Keys)}).");
        if (tests.Count == 0) throw new InvalidDataException($"--key: no notebook in {folder} has hidden tests (cells starting `// HIDDEN TEST: SECTION [N points]`).");
        return new GradingKey(folder, tests, only is { Count: > 0 });
    }
}

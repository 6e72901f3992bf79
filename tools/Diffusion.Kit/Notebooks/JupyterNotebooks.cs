using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;

namespace Diffusion.Kit.Notebooks;

/// <summary>
/// The .ipynb twins of the kit's .dib notebooks, for Jupyter and VS Code's Jupyter extension. The .dib files stay
/// the single source: `ipynb` writes notebooks/NAME.ipynb from NAME.dib (no outputs, cell ids, the .NET C# kernelspec),
/// leaving out the hidden-test cells as `run` does, and a test checks the two are in step.
/// </summary>
public static class JupyterNotebooks
{
    public static string PathFor(string dibPath) => Path.ChangeExtension(Path.GetFullPath(dibPath), ".ipynb");

    /// <summary>The .ipynb text for a .dib notebook.</summary>
    public static async Task<string> FromDibAsync(string dibPath)
    {
        var source = await NotebookExecutor.LoadAsync(dibPath);
        var twin = new InteractiveDocument();
        foreach (var element in source.Elements)
            if (!Grading.HiddenTest.IsHiddenTest(element))
                twin.Add(new InteractiveDocumentElement(element.Contents, element.KernelName));
        foreach (var (key, value) in source.Metadata) twin.Metadata[key] = value;
        var json = JupyterFormat.WithCellIds(twin.ToJupyterJson("C#"), Path.GetFileNameWithoutExtension(dibPath));
        return json.ReplaceLineEndings("\n") + "\n";
    }

    /// <summary>Whether notebooks/NAME.ipynb holds exactly what <see cref="FromDibAsync"/> makes now.</summary>
    public static async Task<bool> IsCurrentAsync(string dibPath) =>
        File.Exists(PathFor(dibPath)) && await File.ReadAllTextAsync(PathFor(dibPath)) == await FromDibAsync(dibPath);
}

using Microsoft.DotNet.Interactive.Documents;
using Microsoft.DotNet.Interactive.Documents.Jupyter;

namespace Diffusion.Kit.Notebooks;

/// <summary>
/// The two files an executed notebook leaves in its output folder, rewritten after every cell so a crash keeps
/// what ran: NAME.ipynb (every output with all its MIME types) and NAME.run.json (the <see cref="NotebookResult"/>).
/// Used by `run` and by the grading child.
/// </summary>
public sealed class ExecutedNotebookFiles(string outDir, string name)
{
    public string IpynbPath { get; } = Path.Combine(outDir, name + ".ipynb");
    public string ResultPath { get; } = NotebookExecutor.ResultPathFor(outDir, name);

    bool _jupyterMetadataAdded;

    public NotebookResult Save(InteractiveDocument document, NotebookResult result)
    {
        // The Jupyter kernelspec metadata is added to the document once; adding it again throws.
        var json = _jupyterMetadataAdded ? document.ToJupyterJson() : document.ToJupyterJson("C#");
        NotebookExecutor.WriteAtomically(IpynbPath, JupyterFormat.WithCellIds(json, name));
        _jupyterMetadataAdded = true;
        NotebookExecutor.WriteAtomically(ResultPath, result.ToJson());
        return result;
    }
}

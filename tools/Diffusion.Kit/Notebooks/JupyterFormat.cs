using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Diffusion.Kit.Notebooks;

/// <summary>
/// What the kit's .ipynb files need beyond what Microsoft.DotNet.Interactive.Documents writes: nbformat 4.5
/// requires every cell to carry an "id" (1-64 of [A-Za-z0-9_-], unique in the notebook), which that writer leaves
/// out. Ids are made from the notebook's name and the cell's position, so regenerating a file gives the same bytes.
/// </summary>
public static class JupyterFormat
{
    // Readable in a diff: quotes, backticks and non-ASCII text as themselves, not \u escapes.
    static readonly JsonSerializerOptions Options = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string WithCellIds(string ipynbJson, string notebookName)
    {
        var root = JsonNode.Parse(ipynbJson)?.AsObject() ?? throw new InvalidDataException("the notebook JSON is not an object.");
        var prefix = new string(notebookName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
        if (prefix.Length > 56) prefix = prefix[..56];
        int index = 0;
        foreach (var cell in root["cells"]?.AsArray() ?? [])
            if (cell is JsonObject c) c["id"] = $"{prefix}-{++index:000}";
        root["nbformat"] = 4;
        root["nbformat_minor"] = Math.Max(5, root["nbformat_minor"]?.GetValue<int>() ?? 5);
        return root.ToJsonString(Options);
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using Diffusion.Kit.Notebooks;

namespace Diffusion.Tests;

/// <summary>
/// Writes a notebook in the shape the real dotnet-interactive kernel (Microsoft.dotnet-interactive 1.0.712001) saves
/// .ipynb files: cell ids, <c>dotnet_interactive</c> and <c>polyglot_notebook</c> cell metadata, and outputs of every
/// type it writes (stream, display_data, execute_result, error), as a student who ran it in VS Code would hand it in.
/// </summary>
static class RealKernelNotebook
{
    public static async Task<string> FromDibAsync(string dib)
    {
        var document = await NotebookExecutor.LoadAsync(dib);
        var cells = new JsonArray();
        int count = 0;
        foreach (var element in document.Elements)
        {
            var source = new JsonArray(SourceLines(element.Contents).Select(l => (JsonNode)l).ToArray());
            var id = Guid.NewGuid().ToString("N")[..8];
            if (element.KernelName != NotebookExecutor.CSharp)
            {
                cells.Add(new JsonObject { ["cell_type"] = "markdown", ["id"] = id, ["metadata"] = new JsonObject(), ["source"] = source });
                continue;
            }
            count++;
            var outputs = new JsonArray
            {
                new JsonObject { ["name"] = "stdout", ["output_type"] = "stream", ["text"] = new JsonArray("ran in VS Code\n") },
                new JsonObject
                {
                    ["data"] = new JsonObject { ["text/plain"] = new JsonArray("a picture"), ["image/png"] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==" },
                    ["metadata"] = new JsonObject(), ["output_type"] = "display_data",
                },
                new JsonObject { ["data"] = new JsonObject { ["text/plain"] = new JsonArray("42") }, ["execution_count"] = count, ["metadata"] = new JsonObject(), ["output_type"] = "execute_result" },
                new JsonObject { ["ename"] = "Error", ["evalue"] = "an old error", ["output_type"] = "error", ["traceback"] = new JsonArray("an old error") },
            };
            cells.Add(new JsonObject
            {
                ["cell_type"] = "code", ["execution_count"] = count, ["id"] = id,
                ["metadata"] = new JsonObject
                {
                    ["dotnet_interactive"] = new JsonObject { ["language"] = "csharp" },
                    ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" },
                },
                ["outputs"] = outputs, ["source"] = source,
            });
        }
        var notebook = new JsonObject
        {
            ["cells"] = cells,
            ["metadata"] = new JsonObject
            {
                ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
                ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
                ["polyglot_notebook"] = new JsonObject
                {
                    ["kernelInfo"] = new JsonObject
                    {
                        ["defaultKernelName"] = "csharp",
                        ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
                    },
                },
            },
            ["nbformat"] = 4,
            ["nbformat_minor"] = 5,
        };
        return notebook.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    static IEnumerable<string> SourceLines(string text)
    {
        var lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++) yield return i < lines.Length - 1 ? lines[i] + "\n" : lines[i];
    }
}

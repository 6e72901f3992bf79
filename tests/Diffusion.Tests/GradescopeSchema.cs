using Diffusion.Runtime;
using Json.Schema;

namespace Diffusion.Tests;

/// <summary>
/// The results.json schema written from Gradescope's specification, built once per test process: JsonSchema.Net
/// registers a schema by its $id globally and refuses to build the same one twice.
/// </summary>
public static class GradescopeSchema
{
    public static readonly string Path = System.IO.Path.Combine(KitPaths.Root, "tests", "Diffusion.Tests", "Fixtures", "gradescope-results.schema.json");

    static readonly Lazy<JsonSchema> Built = new(() => JsonSchema.FromText(File.ReadAllText(Path)));

    public static JsonSchema Instance => Built.Value;
}

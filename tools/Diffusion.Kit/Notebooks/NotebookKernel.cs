namespace Diffusion.Kit.Notebooks;

/// <summary>
/// Which engine executes a notebook's cells. `run` and the grader use the kit's own host by default: it starts in
/// the kit's process, enforces a time limit per cell and needs no tool installed. The dotnet-interactive tool is
/// the engine students run (VS Code's Polyglot Notebooks, Jupyter's .NET kernel); the tests execute every notebook
/// in it too and check that it shows what the kit's host shows.
/// </summary>
public enum NotebookKernel
{
    /// <summary>Microsoft.DotNet.Interactive's C# kernel hosted in the `run-one` process.</summary>
    Kit,
    /// <summary>The `dotnet-interactive` tool pinned in .config/dotnet-tools.json, driven over its stdio protocol.</summary>
    DotnetInteractive,
}

public static class NotebookKernels
{
    public const string KitName = "kit", ToolName = "dotnet-interactive";

    public static string Name(this NotebookKernel kernel) => kernel == NotebookKernel.Kit ? KitName : ToolName;

    public static NotebookKernel Parse(string value, string argument) => value switch
    {
        KitName => NotebookKernel.Kit,
        ToolName => NotebookKernel.DotnetInteractive,
        _ => throw new ArgumentException($"{argument} must be {KitName} or {ToolName}, got '{value}'.", argument),
    };
}

using System.CommandLine;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`ipynb`: writes (or checks) the Jupyter twins of the .dib notebooks.</summary>
public sealed class IpynbVerb : IVerb
{
    readonly Argument<string[]> _names = KitOptions.Words("NAMES", "notebooks (file names in notebooks/, unique prefixes or paths); default all");
    readonly Option<bool> _check = KitOptions.Flag("--check", "write nothing; exit 1 naming every .ipynb that is missing or differs from its .dib");

    public Command Command { get; }

    public IpynbVerb() => Command = KitOptions.Verb("ipynb", """
        write notebooks/*.ipynb from notebooks/*.dib for Jupyter (the .dib stay the source)
        Each NAME.ipynb holds NAME.dib's cells without outputs and without the hidden tests, with nbformat 4.5
        cell ids and the .NET (C#) kernelspec that `dotnet interactive jupyter install` registers.
        """, RunAsync, _names, _check);

    async Task<int> RunAsync(ParseResult parse, CancellationToken cancel)
    {
        bool check = parse.GetValue(_check);
        var stale = new List<string>();
        foreach (var dib in NotebookRun.Resolve(parse.GetValue(_names)!, KitPaths.Notebooks))
        {
            var target = JupyterNotebooks.PathFor(dib);
            if (check)
            {
                if (!await JupyterNotebooks.IsCurrentAsync(dib)) stale.Add(Path.GetFileName(target));
                continue;
            }
            await File.WriteAllTextAsync(target, await JupyterNotebooks.FromDibAsync(dib), cancel);
            Console.WriteLine($"{Path.GetFileName(dib)} -> {Path.GetRelativePath(KitPaths.Root, target)}");
        }
        if (stale.Count == 0) return 0;
        Console.Error.WriteLine($"out of step with their .dib: {string.Join(", ", stale)}. Write them with: dotnet run --project tools/Diffusion.Kit -- ipynb");
        return 1;
    }
}

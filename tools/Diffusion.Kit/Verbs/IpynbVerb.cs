using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`ipynb`: writes (or checks) the Jupyter twins of the .dib notebooks.</summary>
public sealed class IpynbVerb : IVerb
{
    public string Name => "ipynb";
    public string Summary => "write notebooks/*.ipynb from notebooks/*.dib for Jupyter (the .dib stay the source)";
    public string Usage => """
        ipynb [NAMES...] [--check]
          NAMES     notebooks (file names in notebooks/, unique prefixes or paths); default all
          --check   write nothing; exit 1 naming every .ipynb that is missing or differs from its .dib
        Each NAME.ipynb holds NAME.dib's cells without outputs and without the hidden tests, with nbformat 4.5
        cell ids and the .NET (C#) kernelspec that `dotnet interactive jupyter install` registers.
        """;

    public async Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        bool check = args.Flag("check");
        args.RejectUnknown(Name);
        var stale = new List<string>();
        foreach (var dib in NotebookRun.Resolve(args.Positional, KitPaths.Notebooks))
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

using System.Security.Cryptography;
using System.Text;
using Diffusion.Runtime;

namespace Diffusion.Kit.Notebooks;

/// <summary>
/// The main job's cache of executed notebooks. A notebook's outputs are a function of its text, the library and kit
/// that ran it, the data and shipped models it read, the mode and the kernel: every seed is fixed. So a successful run
/// is stored under the hash of all of those, and a later run with the same hash replays it instead of executing it
/// (the figures are the ones that run computed; the report says so and when). Changing any cell, rebuilding the
/// library with other code, retraining a model or touching data/ changes the hash. Only `run` in pretrained mode uses
/// it (`--no-cache` turns it off); tests, smoke and full runs, and the grader always execute.
/// </summary>
public sealed class NotebookCache(string folder)
{
    const string Version = "notebook-cache-1";

    public static NotebookCache Default => new(Path.Combine(KitPaths.Out, "cache", "notebooks"));

    /// <summary>The hash of everything a notebook's outputs depend on.</summary>
    public static string Key(string notebookPath, KitMode mode, NotebookKernel kernel)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\0"));
        void AddFile(string path) { Add(path); hash.AppendData(File.ReadAllBytes(path)); }

        Add(Version);
        Add(mode.Name());
        Add(kernel.Name());
        AddFile(Path.GetFullPath(notebookPath));
        var lib = Path.Combine(KitPaths.Root, "artifacts", "lib");
        foreach (var dll in new[] { "Diffusion.Lib.dll", "TorchSharp.dll" })
            if (File.Exists(Path.Combine(lib, dll))) AddFile(Path.Combine(lib, dll));
        AddFile(typeof(NotebookCache).Assembly.Location);
        foreach (var file in Directory.GetFiles(KitPaths.Data, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            AddFile(file);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    string Entry(string name, string key) => Path.Combine(folder, name, key);

    /// <summary>
    /// Copies a stored run of <paramref name="name"/> into <paramref name="notebooksOutDir"/> and returns its result,
    /// marked as replayed; null when there is none for this key.
    /// </summary>
    public NotebookResult? TryReplay(string name, string key, string notebooksOutDir)
    {
        var entry = Entry(name, key);
        var stored = NotebookResult.TryRead(NotebookExecutor.ResultPathFor(entry, name));
        var ipynb = Path.Combine(entry, name + ".ipynb");
        if (stored is not { Status: NotebookStatus.Ok } || !File.Exists(ipynb)) return null;
        Directory.CreateDirectory(notebooksOutDir);
        File.Copy(ipynb, Path.Combine(notebooksOutDir, name + ".ipynb"), overwrite: true);
        var replayed = stored with { ReplayedFrom = stored.ReplayedFrom ?? File.GetLastWriteTimeUtc(ipynb) };
        NotebookExecutor.WriteAtomically(NotebookExecutor.ResultPathFor(notebooksOutDir, name), replayed.ToJson());
        return replayed;
    }

    /// <summary>Stores a successful run (its .ipynb and result) under its key; a failed one is never stored.</summary>
    public void Store(string name, string key, string notebooksOutDir, NotebookResult result)
    {
        if (result.Status != NotebookStatus.Ok || result.ReplayedFrom is not null) return;
        var ipynb = Path.Combine(notebooksOutDir, name + ".ipynb");
        if (!File.Exists(ipynb)) return;
        var entry = Entry(name, key);
        if (Directory.Exists(Path.Combine(folder, name))) Directory.Delete(Path.Combine(folder, name), recursive: true);   // one entry per notebook
        Directory.CreateDirectory(entry);
        File.Copy(ipynb, Path.Combine(entry, name + ".ipynb"));
        NotebookExecutor.WriteAtomically(NotebookExecutor.ResultPathFor(entry, name), result.ToJson());
    }
}

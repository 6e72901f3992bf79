using System.CommandLine;
using Diffusion.Kit.Notebooks;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>
/// Internal: executes one notebook in this process. `run` starts one of these per notebook so each gets a
/// fresh kernel and TorchSharp state and can be killed; run it by hand to debug a single notebook.
/// </summary>
public sealed class RunOneVerb : IVerb
{
    /// <summary>Progress lines the parent echoes start with this.</summary>
    public const string ProgressPrefix = "@@progress ";
    public const int ExitFailed = 1;
    public const int ExitTimedOut = 3;

    readonly Argument<string> _notebook = KitOptions.Positional("NOTEBOOK", "the notebook (.dib) to execute");
    readonly Option<string?> _out = KitOptions.TextOrNull("--out", "where NAME.ipynb and NAME.run.json go (required)", "DIR");
    readonly Option<KitMode?> _mode = KitOptions.Parsed<KitMode?>("--mode", "smoke|pretrained|full (default: DIFFUSION_MODE, else pretrained)",
        m => KitModes.Parse(m, "--mode"), null, "smoke|pretrained|full");
    readonly Option<int?> _cellTimeout = KitOptions.IntOrNull("--cell-timeout", "seconds a cell may run (default: as `run`)", min: 1, helpName: "SECONDS");
    readonly Option<string> _kernel = KitOptions.Word("--kernel", "the engine that runs the cells",
        k => NotebookKernels.Parse(k, "--kernel"), NotebookKernels.KitName, $"{NotebookKernels.KitName}|{NotebookKernels.ToolName}");

    public Command Command { get; }

    public RunOneVerb()
    {
        Command = KitOptions.Verb("run-one", """
            (internal, used by run) execute one notebook in this process
            Executes the notebook in a fresh C# kernel started in the notebook's folder and writes
            DIR/NAME.ipynb and DIR/NAME.run.json. Exit code 0 ok, 1 a cell failed, 3 a cell ran out of time.
            """, RunAsync, _notebook, _out, _mode, _cellTimeout, _kernel);
        Command.Hidden = true;
        _out.Required = true;
    }

    async Task<int> RunAsync(ParseResult parse, CancellationToken cancel)
    {
        var path = Path.GetFullPath(parse.GetValue(_notebook)!);
        if (!File.Exists(path)) throw new FileNotFoundException($"Notebook not found: {path}", path);
        var outDir = Path.GetFullPath(parse.GetValue(_out)!);
        var mode = parse.GetValue(_mode) ?? KitModes.Current;
        var timeout = parse.GetValue(_cellTimeout) ?? RunVerb.DefaultCellTimeout(mode);
        var kernel = NotebookKernels.Parse(parse.GetValue(_kernel)!, "--kernel");

        void Progress(string line) { Console.Out.WriteLine(ProgressPrefix + line); Console.Out.Flush(); }
        var result = kernel == NotebookKernel.Kit
            ? await new NotebookExecutor(path, outDir, mode, TimeSpan.FromSeconds(timeout), Progress).RunAsync()
            : await new InteractiveToolExecutor(path, outDir, mode, TimeSpan.FromSeconds(timeout), Progress).RunAsync();
        Console.Out.Flush();
        Console.Error.Flush();
        return result.Status switch
        {
            NotebookStatus.Ok => 0,
            // A hung cell still owns a thread; leave at once rather than wait for it.
            NotebookStatus.TimedOut => ExitNow(ExitTimedOut),
            _ => ExitFailed,
        };
    }

    static int ExitNow(int code)
    {
        Environment.Exit(code);
        return code;
    }
}

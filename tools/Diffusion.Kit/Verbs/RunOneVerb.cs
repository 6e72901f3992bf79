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

    public string Name => "run-one";
    public string Summary => "(internal, used by run) execute one notebook in this process";
    public string Usage => """
        run-one NOTEBOOK.dib --out DIR [--mode smoke|pretrained|full] [--cell-timeout SECONDS] [--kernel kit|dotnet-interactive]
          Executes the notebook in a fresh C# kernel started in the notebook's folder and writes
          DIR/NAME.ipynb and DIR/NAME.run.json. Exit code 0 ok, 1 a cell failed, 3 a cell ran out of time.
        """;

    public async Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        if (args.Positional.Count != 1) throw new ArgumentException("run-one takes exactly one notebook path.");
        var path = Path.GetFullPath(args.Positional[0]);
        if (!File.Exists(path)) throw new FileNotFoundException($"Notebook not found: {path}", path);
        var outDir = Path.GetFullPath(args.String("out") ?? throw new ArgumentException("run-one needs --out DIR."));
        var mode = KitModes.Parse(args.String("mode", KitModes.Current.Name()), "--mode");
        var timeout = args.Int("cell-timeout", RunVerb.DefaultCellTimeout(mode), min: 1);
        var kernel = NotebookKernels.Parse(args.String("kernel", NotebookKernels.KitName), "--kernel");
        args.RejectUnknown(Name);

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

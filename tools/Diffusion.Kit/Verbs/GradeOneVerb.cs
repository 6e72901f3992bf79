using Diffusion.Kit.Grading;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>Internal: the grading child. `grade` starts one per attempt inside a sandbox.</summary>
public sealed class GradeOneVerb : IVerb
{
    public string Name => "grade-one";
    public string Summary => "(internal, used by grade) run one submission and the hidden tests in this process";
    public string Usage => """
        grade-one NOTEBOOK.dib --orders FILE --out DIR [--mode smoke|pretrained|full] [--cell-timeout SECONDS]
          Reads and deletes FILE (the probe cells and their seeds), runs the notebook's cells going on after failures,
          then the probes; reports progress on stdout in lines carrying the orders' nonce; writes DIR/NAME.ipynb,
          DIR/NAME.run.json and DIR/NAME.probes.json (what the probes kept, judged by `grade`).
        """;

    public async Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        if (args.Positional.Count != 1) throw new ArgumentException("grade-one takes exactly one notebook path.", "NOTEBOOK");
        var notebook = Path.GetFullPath(args.Positional[0]);
        var orders = Path.GetFullPath(args.String("orders") ?? throw new ArgumentException("grade-one needs --orders FILE.", "--orders"));
        var outDir = Path.GetFullPath(args.String("out") ?? throw new ArgumentException("grade-one needs --out DIR.", "--out"));
        var mode = KitModes.Parse(args.String("mode", KitModes.Current.Name()), "--mode");
        var timeout = args.Int("cell-timeout", RunVerb.DefaultCellTimeout(mode), min: 1);
        args.RejectUnknown(Name);
        return await new GradeExecutor(notebook, orders, outDir, mode, TimeSpan.FromSeconds(timeout)).RunAsync();
    }
}

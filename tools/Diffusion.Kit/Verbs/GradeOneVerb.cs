using System.CommandLine;
using Diffusion.Kit.Grading;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>Internal: the grading child. `grade` starts one per attempt inside a sandbox.</summary>
public sealed class GradeOneVerb : IVerb
{
    readonly Argument<string> _notebook = KitOptions.Positional("NOTEBOOK", "the submitted notebook (.dib or .ipynb)");
    readonly Option<string?> _orders = KitOptions.TextOrNull("--orders", "the probe cells and their seeds (read, then deleted; required)", "FILE");
    readonly Option<string?> _out = KitOptions.TextOrNull("--out", "where NAME.ipynb, NAME.run.json and NAME.probes.json go (required)", "DIR");
    readonly Option<KitMode?> _mode = KitOptions.Parsed<KitMode?>("--mode", "smoke|pretrained|full (default: DIFFUSION_MODE, else pretrained)",
        m => KitModes.Parse(m, "--mode"), null, "smoke|pretrained|full");
    readonly Option<int?> _cellTimeout = KitOptions.IntOrNull("--cell-timeout", "seconds a cell may run (default: as `run`)", min: 1, helpName: "SECONDS");

    public Command Command { get; }

    public GradeOneVerb()
    {
        Command = KitOptions.Verb("grade-one", """
            (internal, used by grade) run one submission and the hidden tests in this process
            Reads and deletes FILE (the probe cells and their seeds), runs the notebook's cells going on after failures,
            then the probes; reports progress on stdout in lines carrying the orders' nonce; writes DIR/NAME.ipynb,
            DIR/NAME.run.json and DIR/NAME.probes.json (what the probes kept, judged by `grade`).
            """, RunAsync, _notebook, _orders, _out, _mode, _cellTimeout);
        Command.Hidden = true;
        _orders.Required = _out.Required = true;
    }

    async Task<int> RunAsync(ParseResult parse, CancellationToken cancel)
    {
        var notebook = Path.GetFullPath(parse.GetValue(_notebook)!);
        var orders = Path.GetFullPath(parse.GetValue(_orders)!);
        var outDir = Path.GetFullPath(parse.GetValue(_out)!);
        var mode = parse.GetValue(_mode) ?? KitModes.Current;
        var timeout = parse.GetValue(_cellTimeout) ?? RunVerb.DefaultCellTimeout(mode);
        return await new GradeExecutor(notebook, orders, outDir, mode, TimeSpan.FromSeconds(timeout)).RunAsync();
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;

namespace Diffusion.Kit;

/// <summary>
/// The kit's command line: every <see cref="IVerb"/> under one root. Bad input (a parse error, or an argument a verb
/// refuses while it runs) is reported on standard error as "VERB: what was expected" with exit code 2.
/// </summary>
public static class KitCommandLine
{
    public const int ExitBadInput = 2;
    public const int ExitCancelled = 130;

    /// <summary>
    /// No response files: a word starting with @ (a prompt, a submitted notebook's name) is that word, not a file to
    /// read arguments from.
    /// </summary>
    public static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    public static RootCommand Build()
    {
        var root = new RootCommand("Diffusion course kit. Usage: dotnet run --project tools/Diffusion.Kit -- <verb> [options]");
        foreach (var verb in typeof(IVerb).Assembly.GetTypes()
                     .Where(t => typeof(IVerb).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
                     .Select(t => ((IVerb)Activator.CreateInstance(t)!).Command)
                     .OrderBy(c => c.Name, StringComparer.Ordinal))
            root.Add(verb);
        return root;
    }

    /// <summary>Runs the kit on <paramref name="args"/> in this process; errors go to <paramref name="error"/> (standard error by default).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? error = null, CancellationToken cancel = default)
    {
        error ??= Console.Error;
        var root = Build();
        if (args is [] or ["help" or "--help" or "-h" or "-?"])
        {
            Console.WriteLine(VerbList(root));
            return args.Length == 0 ? 1 : 0;
        }
        var parse = root.Parse(args, Parsing);
        var verb = string.Join(' ', parse.CommandResult.Command == root ? [] : Path(parse.CommandResult));
        if (parse.Errors.Count > 0)
        {
            if (parse.CommandResult.Command == root)
                error.WriteLine($"Unknown verb '{args[0]}'. Verbs: {string.Join(", ", Listed(root).Select(c => c.Name))}.");
            else
            {
                foreach (var e in parse.Errors) error.WriteLine($"{verb}: {e.Message}");
                error.WriteLine($"'{verb} --help' shows what it takes.");
            }
            return ExitBadInput;
        }
        try
        {
            // The kit handles Ctrl+C itself (the verbs stop at a safe point), so the library's own handler is off.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null }, cancel);
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException
                                      or InvalidOperationException or Diffusion.Runtime.TorchLoadException)
        {
            error.WriteLine($"{verb}: {Plain(e)}");
            return ExitBadInput;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine($"{verb}: cancelled.");
            return ExitCancelled;
        }
    }

    /// <summary>An exception's message without the " (Parameter 'x')" that ArgumentException appends when the message names it already.</summary>
    public static string Plain(Exception e)
    {
        if (e is not ArgumentException { ParamName: { } name }) return e.Message;
        var suffix = $" (Parameter '{name}')";
        var message = e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message;
        return message.Contains(name, StringComparison.Ordinal) ? message : e.Message;
    }

    /// <summary>The verbs people run (internal ones are hidden), each with the first line of its description.</summary>
    static string VerbList(RootCommand root)
    {
        var lines = Listed(root).Select(c => $"  {c.Name,-14} {(c.Description ?? "").Split('\n')[0].Trim()}");
        return $"{root.Description}\n\n{string.Join('\n', lines)}\n\n'<verb> --help' shows a verb's options.";
    }

    static IEnumerable<Command> Listed(RootCommand root) => root.Subcommands.Where(c => !c.Hidden);

    static IEnumerable<string> Path(SymbolResult result)
    {
        var names = new Stack<string>();
        for (var r = result as CommandResult; r?.Parent is not null; r = r.Parent as CommandResult) names.Push(r.Command.Name);
        return names;
    }
}

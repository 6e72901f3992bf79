using Spectre.Console;

namespace Diffusion.Kit.Terminal;

/// <summary>Whether a stream is a person's terminal (live bars, tables) or a file, pipe or test (plain lines only).</summary>
public static class TerminalOutput
{
    public static bool IsTerminal(TextWriter writer)
    {
        bool terminal = writer == System.Console.Out ? !System.Console.IsOutputRedirected : writer == System.Console.Error && !System.Console.IsErrorRedirected;
        return terminal && Environment.GetEnvironmentVariable("TERM") != "dumb";
    }

    /// <summary>A Spectre console writing to <paramref name="writer"/>, which <see cref="IsTerminal"/> said is a terminal.</summary>
    public static IAnsiConsole For(TextWriter writer) =>
        AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer), Ansi = AnsiSupport.Detect, Interactive = InteractionSupport.Detect });
}

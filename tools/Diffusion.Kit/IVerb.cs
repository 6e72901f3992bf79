using System.CommandLine;

namespace Diffusion.Kit;

/// <summary>
/// One command of the kit. Classes implementing it are found by reflection: adding a file adds a verb. The verb's
/// <see cref="Command"/> declares its arguments and options once (see <see cref="KitOptions"/>); the help, the checks of
/// every value and the verb list are made from it. A verb in full:
/// <code>
/// public sealed class GreetVerb : IVerb
/// {
///     readonly Argument&lt;string&gt; _name = KitOptions.Positional("NAME", "who to greet");
///     readonly Option&lt;int&gt; _times = KitOptions.Int("--times", "how often", 1, 1, 10);
///     public Command Command { get; }
///     public GreetVerb() => Command = KitOptions.Verb("greet", "say hello (first line: the verb list's summary)\nMore help.", Run, _name, _times);
///     int Run(ParseResult parse, CancellationToken cancel) { /* parse.GetValue(_times) ... */ return 0; }
/// }
/// </code>
/// A verb with parts (`train time`, `grade merge`) adds commands made the same way to its own.
/// </summary>
public interface IVerb
{
    Command Command { get; }
}

using System.CommandLine;

namespace Diffusion.Kit;

/// <summary>
/// One command of the kit. Classes implementing it are found by reflection: adding a file adds a verb. The verb's
/// <see cref="Command"/> declares its arguments and options once (see <see cref="KitOptions"/>); the help, the checks of
/// every value and the verb list are made from it.
/// </summary>
public interface IVerb
{
    Command Command { get; }
}

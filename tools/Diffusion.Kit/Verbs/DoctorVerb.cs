using System.CommandLine;
using Diffusion.Kit.Terminal;
using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`doctor`: what the kit found on this machine and, for anything missing, the command that fixes it.</summary>
public sealed class DoctorVerb : IVerb
{
    public Command Command { get; } = KitOptions.Verb("doctor", """
        check TorchSharp, the Debian fix, threads, device, data sets and shipped models
        Exit code 0 when everything needed is present, 1 otherwise.
        """, Run);

    static int Run(ParseResult parse, CancellationToken cancel)
    {
        var items = EnvironmentCheck.Run();
        var table = new TerminalTable("status", "what", "found");
        foreach (var item in items)
            table.Add(item.ToString(), item.Status == EnvironmentCheck.Status.Missing ? "MISSING" : item.Status.ToString().ToLowerInvariant(),
                item.Name, item.Detail + (item.Fix is null ? "" : $"\n-> {item.Fix}"));
        table.Write();
        int missing = items.Count(i => i.Status == EnvironmentCheck.Status.Missing);
        Console.WriteLine(missing == 0 ? "\nEverything the kit needs is here." : $"\n{missing} thing(s) missing: run the commands shown after '->'.");
        return missing == 0 ? 0 : 1;
    }
}

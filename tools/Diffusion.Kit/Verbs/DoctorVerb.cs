using Diffusion.Runtime;

namespace Diffusion.Kit.Verbs;

/// <summary>`doctor`: what the kit found on this machine and, for anything missing, the command that fixes it.</summary>
public sealed class DoctorVerb : IVerb
{
    public string Name => "doctor";
    public string Summary => "check TorchSharp, the Debian fix, threads, device, data sets and shipped models";
    public string Usage => "doctor\n  Exit code 0 when everything needed is present, 1 otherwise.";

    public Task<int> RunAsync(Args args, CancellationToken cancel)
    {
        args.RejectUnknown(Name);
        var items = EnvironmentCheck.Run();
        foreach (var item in items) Console.WriteLine(item);
        int missing = items.Count(i => i.Status == EnvironmentCheck.Status.Missing);
        Console.WriteLine(missing == 0 ? "\nEverything the kit needs is here." : $"\n{missing} thing(s) missing: run the commands shown after '->'.");
        return Task.FromResult(missing == 0 ? 0 : 1);
    }
}

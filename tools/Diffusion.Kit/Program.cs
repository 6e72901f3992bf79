using System.Reflection;
using Diffusion.Kit;

var verbs = typeof(IVerb).Assembly.GetTypes()
    .Where(t => typeof(IVerb).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
    .Select(t => (IVerb)Activator.CreateInstance(t)!)
    .OrderBy(v => v.Name, StringComparer.Ordinal)
    .ToDictionary(v => v.Name);

if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
{
    Console.WriteLine("Diffusion course kit. Usage: dotnet run --project tools/Diffusion.Kit -- <verb> [options]\n");
    // The runner's and grader's child verbs are started by `run` and `grade`, not by people.
    foreach (var v in verbs.Values.Where(v => !v.Summary.StartsWith("(internal", StringComparison.Ordinal)))
        Console.WriteLine($"  {v.Name,-10} {v.Summary}");
    Console.WriteLine("\n'<verb> --help' shows a verb's options.");
    return args.Length == 0 ? 1 : 0;
}
if (!verbs.TryGetValue(args[0], out var verb))
{
    Console.Error.WriteLine($"Unknown verb '{args[0]}'. Verbs: {string.Join(", ", verbs.Values.Where(v => !v.Summary.StartsWith("(internal", StringComparison.Ordinal)).Select(v => v.Name))}.");
    return 2;
}
if (args.Skip(1).Any(a => a is "--help" or "-h"))
{
    Console.WriteLine($"{verb.Name}: {verb.Summary}\n\n{verb.Usage}");
    return 0;
}
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
try
{
    return await verb.RunAsync(new Args(args.Skip(1)), cancel.Token);
}
catch (Exception e) when (e is ArgumentException or InvalidDataException or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException or Diffusion.Runtime.TorchLoadException)
{
    Console.Error.WriteLine($"{verb.Name}: {e.Message}");
    return 2;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine($"{verb.Name}: cancelled.");
    return 130;
}

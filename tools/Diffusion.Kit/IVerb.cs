namespace Diffusion.Kit;

/// <summary>One command of the kit. Classes implementing it are found by reflection: adding a file adds a verb.</summary>
public interface IVerb
{
    string Name { get; }
    /// <summary>One line for the help listing; the first word after the verb name in usage is shown too.</summary>
    string Summary { get; }
    string Usage { get; }
    /// <summary>Runs the verb; returns the process exit code.</summary>
    Task<int> RunAsync(Args args, CancellationToken cancel);
}

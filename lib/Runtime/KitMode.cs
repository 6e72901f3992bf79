namespace Diffusion.Runtime;

/// <summary>
/// How much work a notebook does. The `run` verb sets DIFFUSION_MODE for each notebook it executes;
/// a student in VS Code gets <see cref="Pretrained"/> unless they set it.
/// </summary>
public enum KitMode
{
    /// <summary>Seconds: tiny models and few steps, for the test suite.</summary>
    Smoke,
    /// <summary>Loads the shipped trained models and their loss histories.</summary>
    Pretrained,
    /// <summary>The course's own settings: trains from scratch.</summary>
    Full,
}

public static class KitModes
{
    public const string Variable = "DIFFUSION_MODE";

    public static KitMode Current => Parse(Environment.GetEnvironmentVariable(Variable) ?? "pretrained", Variable);

    public static KitMode Parse(string text, string argumentName) => text.Trim().ToLowerInvariant() switch
    {
        "smoke" => KitMode.Smoke,
        "pretrained" => KitMode.Pretrained,
        "full" => KitMode.Full,
        _ => throw new ArgumentException($"{argumentName} must be smoke, pretrained or full, got '{text}'.", argumentName),
    };

    public static string Name(this KitMode mode) => mode.ToString().ToLowerInvariant();
}

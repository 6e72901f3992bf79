using TorchSharp;

namespace Diffusion.Runtime;

/// <summary>
/// Where the kit's networks run: the CUDA GPU when TorchSharp's CUDA build sees one, else the CPU.
/// DIFFUSION_DEVICE=cpu|cuda overrides. Seeded noise is always drawn on the CPU and moved, so a seed gives
/// the same pixels on every device.
/// </summary>
public static class KitDevice
{
    public const string Variable = "DIFFUSION_DEVICE";
    static torch.Device? _current;

    public static torch.Device Current => _current ??= Choose();

    static torch.Device Choose()
    {
        TorchRuntime.Ensure();
        var wanted = Environment.GetEnvironmentVariable(Variable)?.Trim().ToLowerInvariant();
        return wanted switch
        {
            null or "" => torch.cuda.is_available() ? torch.CUDA : torch.CPU,
            "cpu" => torch.CPU,
            "cuda" when torch.cuda.is_available() => torch.CUDA,
            "cuda" => throw new InvalidOperationException($"{Variable}=cuda, but TorchSharp sees no CUDA GPU (a CPU build, or no driver); see README, GPU switch."),
            _ => throw new ArgumentException($"{Variable} must be cpu or cuda, got '{wanted}'.", Variable),
        };
    }
}

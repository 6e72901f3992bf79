using Diffusion.Runtime;

namespace Diffusion.Tests;

/// <summary>Loads TorchSharp (applying the Debian fix when needed) before any test touches a tensor.</summary>
public static class TorchTests
{
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void LoadTorch() => TorchRuntime.Ensure();
}

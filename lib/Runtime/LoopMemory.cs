namespace Diffusion.Runtime;

/// <summary>
/// What the kit's long loops (training and sampling steps) do to keep resident memory at what they need.
/// The native heap keeps freed memory for the next step (<see cref="NativeHeap"/>), and every step leaves TorchSharp
/// wrappers for .NET's first generation, whose budget grows with the L3 cache. Left alone, resident memory climbs by
/// that budget and swings with the heap's fragments; a first-generation collection and a trim every
/// <see cref="StepsBetweenReturns"/> steps hold it steady for a few milliseconds each (docs/measurements.md).
/// </summary>
public static class LoopMemory
{
    public const int StepsBetweenReturns = 100;

    /// <summary>Call after each step with the steps done so far; every <see cref="StepsBetweenReturns"/> gives memory back.</summary>
    public static void AfterStep(long stepsDone)
    {
        if (stepsDone > 0 && stepsDone % StepsBetweenReturns == 0) GiveBack();
    }

    /// <summary>At the end of a loop (an epoch, a sampling run) and every so many steps: nothing freed stays held.</summary>
    public static void GiveBack()
    {
        GC.Collect(0);
        NativeHeap.ReturnFreeMemory();
    }
}

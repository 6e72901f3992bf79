namespace Diffusion.Runtime;

/// <summary>
/// What the kit's long loops (training and sampling steps) do to keep resident memory at what they need.
/// The native heap keeps freed memory for the next step (<see cref="NativeHeap"/>), and every step leaves TorchSharp
/// wrappers for .NET's first generation (~200 KB a training step), whose budget here is ~90 MB because it grows with
/// the L3 cache. Left alone, a training run's resident memory climbed by that budget over its first ~600 steps and
/// swung by ~200 MB with the heap's fragments (516-748 MiB at batch 16, given back only at each epoch's end).
/// A first-generation collection and a trim every 100 steps held it at 288-304 MiB after each, over 800 steps, for
/// ~3 ms each; the next step's page faults cost under 0.1% of the 100 steps.
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

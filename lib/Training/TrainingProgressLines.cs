namespace Diffusion.Training;

/// <summary>
/// Training progress for notebooks as one printed line per finished epoch. A line that is printed stays true, in
/// every client and in the saved notebook; a live display updated in place keeps its first text in some clients'
/// saved files (Jupyter's), which would leave a stale "training…" line.
/// </summary>
public sealed class TrainingProgressLines(TextWriter? writer = null) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value)
    {
        if (value.Step != value.StepsPerEpoch) return;
        var output = writer ?? Console.Out;
        output.WriteLine(value.ToString());
        output.Flush();
    }
}

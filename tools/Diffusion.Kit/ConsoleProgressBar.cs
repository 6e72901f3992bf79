using Diffusion.Training;

namespace Diffusion.Kit;

/// <summary>A one-line progress bar on standard error, redrawn at most a few times a second; plain lines when not a terminal.</summary>
public sealed class ConsoleProgressBar : IProgress<TrainingProgress>
{
    DateTime _last = DateTime.MinValue;
    int _lastEpochPrinted;

    public void Report(TrainingProgress p)
    {
        bool epochDone = p.Step == p.StepsPerEpoch;
        if (Console.IsErrorRedirected)
        {
            if (epochDone && p.Epoch != _lastEpochPrinted) { Console.Error.WriteLine(p.ToString()); _lastEpochPrinted = p.Epoch; }
            return;
        }
        if (!epochDone && (DateTime.UtcNow - _last).TotalMilliseconds < 250) return;
        _last = DateTime.UtcNow;
        const int width = 30;
        int filled = (int)Math.Round(width * (double)p.Step / p.StepsPerEpoch);
        Console.Error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {p}   ");
        if (epochDone) Console.Error.WriteLine();
    }

    public void Finish() { if (!Console.IsErrorRedirected) Console.Error.WriteLine(); }
}

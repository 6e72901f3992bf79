namespace Diffusion.Training;

/// <summary>
/// Passes progress on at most once per <paramref name="interval"/> and at every epoch's end, on the
/// training thread (unlike System.Progress, which posts elsewhere): for live notebook displays.
/// </summary>
public sealed class ThrottledProgress(Action<TrainingProgress> report, TimeSpan? interval = null) : IProgress<TrainingProgress>
{
    readonly TimeSpan _interval = interval ?? TimeSpan.FromSeconds(1);
    DateTime _last = DateTime.MinValue;

    public void Report(TrainingProgress value)
    {
        if (value.Step != value.StepsPerEpoch && DateTime.UtcNow - _last < _interval) return;
        _last = DateTime.UtcNow;
        report(value);
    }
}

using Diffusion.Training;
using Spectre.Console;

namespace Diffusion.Kit.Terminal;

/// <summary>
/// Training progress on standard error: a live bar per epoch (Spectre.Console) when it is a terminal; otherwise, in
/// logs, tests and CI, one plain line per finished epoch, with no escape codes and nothing redrawn.
/// </summary>
public static class TrainingProgressDisplay
{
    /// <summary>Runs <paramref name="train"/> with a progress reporter suited to where standard error goes.</summary>
    public static T Show<T>(Func<IProgress<TrainingProgress>, T> train)
    {
        if (!TerminalOutput.IsTerminal(Console.Error)) return train(new TrainingProgressLines(Console.Error));
        return TerminalOutput.For(Console.Error).Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context => train(new EpochBars(context)));
    }

    /// <summary>One bar per epoch, so each finished epoch stays on screen with its last loss, as the plain lines do.</summary>
    sealed class EpochBars(ProgressContext context) : IProgress<TrainingProgress>
    {
        ProgressTask? _bar;
        int _epoch;

        public void Report(TrainingProgress p)
        {
            if (_bar is null || p.Epoch != _epoch)
            {
                _bar?.StopTask();
                _bar = context.AddTask($"epoch {p.Epoch}/{p.Epochs}", maxValue: p.StepsPerEpoch);
                _epoch = p.Epoch;
            }
            _bar.Description = Markup.Escape(FormattableString.Invariant(
                $"epoch {p.Epoch}/{p.Epochs}  loss {p.Loss:F5}  {p.ImagesPerSecond:F0} images/s"));
            _bar.Value = p.Step;
            if (p.Step == p.StepsPerEpoch) _bar.StopTask();
        }
    }
}

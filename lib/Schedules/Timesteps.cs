namespace Diffusion.Schedules;

/// <summary>
/// Lists of schedule indices a sampler walks through, from noisy to clean (spec part A 1.4): sampling on a
/// sub-sequence of the schedule (<see href="https://arxiv.org/abs/2010.02502">Song et al. 2021, DDIM</see>, section 4.2).
/// The default is the course's strided list 990, 960, ..., 0 (stride 30, 34 values) for T = 1000.
/// </summary>
public static class Timesteps
{
    /// <summary>
    /// start, start - stride, ..., down to the last value &gt;= 0. Without <paramref name="start"/> the list begins at
    /// the largest multiple of <paramref name="stride"/> below T, so it ends exactly at 0
    /// (T = 1000, stride 30: 990, 960, ..., 0; stride 1: 999, ..., 0).
    /// </summary>
    public static int[] Strided(NoiseSchedule schedule, int stride = 30, int? start = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return Strided(schedule.Steps, stride, start);
    }

    /// <inheritdoc cref="Strided(NoiseSchedule, int, int?)"/>
    public static int[] Strided(int steps, int stride = 30, int? start = null)
    {
        if (steps < 1) throw new ArgumentException($"steps (T) must be at least 1, got {steps}.", nameof(steps));
        if (stride < 1) throw new ArgumentException($"stride must be a positive number of schedule steps, got {stride}.", nameof(stride));
        int first = start ?? (steps - 1) / stride * stride;
        NoiseSchedule.CheckIndex(first, steps, nameof(start));
        var list = new int[first / stride + 1];
        for (int i = 0; i < list.Length; i++) list[i] = first - i * stride;
        return list;
    }

    /// <summary>
    /// <paramref name="count"/> indices from T-1 down with stride T / count (A.3's strided sampling in that many steps):
    /// a preview of full sampling at a fraction of its cost.
    /// </summary>
    public static int[] Spaced(NoiseSchedule schedule, int count)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (count < 1 || count > schedule.Steps)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be a number of steps from 1 to T = {schedule.Steps}.");
        return Strided(schedule, schedule.Steps / count, schedule.Steps - 1)[..count];
    }

    /// <summary>Every index T-1, T-2, ..., 0 (full sampling; part B adds the final step to the clean image, index -1).</summary>
    public static int[] Full(NoiseSchedule schedule) => Strided(schedule, 1, schedule.Steps - 1);

    /// <summary>
    /// Checks that <paramref name="timesteps"/> is a usable list for <paramref name="schedule"/>: not empty,
    /// strictly decreasing, every value in 0 .. T-1 (a final -1, the clean image, is allowed).
    /// </summary>
    public static void Validate(NoiseSchedule schedule, IReadOnlyList<int> timesteps, string paramName = "timesteps")
    {
        if (timesteps is null || timesteps.Count == 0)
            throw new ArgumentException("timesteps must hold at least one schedule index, got an empty list.", paramName);
        for (int i = 0; i < timesteps.Count; i++)
        {
            int t = timesteps[i];
            bool cleanEnd = t == -1 && i == timesteps.Count - 1 && i > 0;
            if (!cleanEnd) NoiseSchedule.CheckIndex(t, schedule.Steps, paramName, $"timesteps[{i}]", "or -1 last, the clean image");
            if (i > 0 && t >= timesteps[i - 1])
                throw new ArgumentException($"timesteps must decrease strictly (noisy to clean), but timesteps[{i - 1}] = {timesteps[i - 1]} and timesteps[{i}] = {t}.", paramName);
        }
    }
}

using System.Text.Json;

namespace Diffusion.Training;

/// <summary>The loss of every training step, and where each epoch ended; saved as JSON beside the checkpoint.</summary>
public sealed class LossHistory
{
    public List<float> StepLosses { get; set; } = [];
    /// <summary>StepLosses.Count at the end of each finished epoch.</summary>
    public List<int> EpochEnds { get; set; } = [];
    public List<double> EpochSeconds { get; set; } = [];

    public int EpochsDone => EpochEnds.Count;

    /// <summary>Mean loss over the steps of a finished epoch (1-based).</summary>
    public double EpochMean(int epoch)
    {
        if (epoch < 1 || epoch > EpochEnds.Count)
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"epoch must be 1..{EpochEnds.Count}.");
        int start = epoch == 1 ? 0 : EpochEnds[epoch - 2];
        int end = EpochEnds[epoch - 1];
        double sum = 0;
        for (int i = start; i < end; i++) sum += StepLosses[i];
        return sum / Math.Max(1, end - start);
    }

    /// <summary>Drops steps of an unfinished epoch (after a resume from the last finished one).</summary>
    public void TruncateToFinishedEpochs() =>
        StepLosses.RemoveRange(EpochEnds.LastOrDefault(), StepLosses.Count - EpochEnds.LastOrDefault());

    static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    public void Save(string path) => AtomicFile.WriteText(path, JsonSerializer.Serialize(this, Options));

    public static LossHistory Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"No loss history at {path}.", path);
        try
        {
            return JsonSerializer.Deserialize<LossHistory>(File.ReadAllText(path))
                   ?? throw new InvalidDataException($"{path} holds no loss history.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a loss history file: {e.Message}");
        }
    }
}

using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>Where a run stands, reported after every step.</summary>
public sealed record TrainingProgress(int Epoch, int Epochs, int Step, int StepsPerEpoch, float Loss, double ImagesPerSecond)
{
    public override string ToString() =>
        FormattableString.Invariant($"epoch {Epoch}/{Epochs}  step {Step}/{StepsPerEpoch}  loss {Loss:F5}  {ImagesPerSecond:F0} images/s");
}

/// <summary>
/// Where a run that spans several sittings (on machines that share only the git repository) goes on from: the compact
/// checkpoint a sitting committed (<see cref="Trainer{TModel}.SittingFile"/>: half-precision weights, the epoch and the
/// settings) and the loss history committed beside it. Adam's moments are not in it: they start afresh, the
/// learning-rate schedule goes on from the epoch.
/// </summary>
public sealed record SittingStart(string WeightsPath, string HistoryPath)
{
    public static SittingStart Beside(string weightsPath)
    {
        if (!File.Exists(weightsPath)) throw new FileNotFoundException($"No sitting checkpoint at {weightsPath} to continue from.", weightsPath);
        var history = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(weightsPath))!, "history.json");
        if (!File.Exists(history))
            throw new FileNotFoundException($"{weightsPath} has no history.json beside it; a sitting checkpoint is committed with its loss history.", history);
        return new SittingStart(Path.GetFullPath(weightsPath), history);
    }

    /// <summary>What a manifest of a run that spans sittings says about its optimiser and, when given, the sitting it went on from.</summary>
    public static void RecordIn(IDictionary<string, string> data, SittingStart? continuedFrom)
    {
        data["optimiser"] = "Adam; a run continued in a new sitting (--continue sitting.weights) starts Adam's moments afresh, the learning-rate schedule goes on from the epoch";
        if (continuedFrom is not null)
            data["continued from"] = $"{Path.GetRelativePath(Runtime.KitPaths.Root, continuedFrom.WeightsPath)} ({TrainingManifest.HashFile(continuedFrom.WeightsPath)})";
    }
}

/// <summary>A training loss became NaN or infinite; the last finished epoch is still on disk.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>
/// The one training loop of the kit: Adam, shuffled batches, an objective's loss, the loss of every step,
/// a checkpoint after every epoch (atomic), and resumption from it. Data order and noise for epoch e come
/// from generators seeded by (seed, e), so a run killed at any moment and resumed gives the same numbers
/// as one that never stopped.
/// Files in the run folder: resume.ckpt (weights + optimiser, float32), history.json, epoch-NN.weights
/// (half-precision snapshots), manifest.json (written by the caller through <see cref="EpochFinished"/>).
/// </summary>
public sealed class Trainer<TModel> where TModel : nn.Module
{
    public const string ResumeFile = "resume.ckpt";
    public const string HistoryFile = "history.json";
    /// <summary>The compact checkpoint written after every epoch when asked (<see cref="WriteSitting"/>): half-precision weights, epoch, settings.</summary>
    public const string SittingFile = "sitting.weights";
    /// <summary>The moving average of the weights written after every epoch when asked (<see cref="AverageDecay"/>), half precision.</summary>
    public const string AverageFile = "average.weights";

    readonly string _folder;
    readonly string _architecture;
    readonly TrainingSettings _settings;

    /// <summary>Called after each epoch's checkpoint is on disk (manifest writers, notebook figures).</summary>
    public event Action<int, LossHistory>? EpochFinished;

    /// <summary>Where to begin when the folder holds no resume checkpoint yet (a run continued in a new sitting).</summary>
    public SittingStart? ContinueFrom { get; init; }

    /// <summary>Also write <see cref="SittingFile"/> after every epoch, for committing when a sitting ends.</summary>
    public bool WriteSitting { get; init; }

    /// <summary>
    /// Also keep an exponential moving average of the weights with this decay (<see cref="WeightAverage"/>) and write it
    /// as <see cref="AverageFile"/> after every epoch. It starts afresh from the weights each time the loop starts
    /// (a resume or a new sitting); it does not change the training.
    /// </summary>
    public double? AverageDecay { get; init; }

    public Trainer(string folder, string architecture, TrainingSettings settings)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        settings.Validate();
        _folder = Path.GetFullPath(folder);
        _architecture = architecture;
        _settings = settings;
    }

    public static string SnapshotName(int epoch) => $"epoch-{epoch:D2}.weights";

    /// <summary>The epoch of a <see cref="SnapshotName"/> file name, or null for any other name (sitting.weights, say).</summary>
    public static int? SnapshotEpoch(string fileName)
    {
        var match = System.Text.RegularExpressions.Regex.Match(fileName, @"^epoch-(\d+)\.weights$");
        return match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }
    public string SnapshotPath(int epoch) => Path.Combine(_folder, SnapshotName(epoch));

    /// <summary>
    /// Trains <paramref name="model"/> (freshly made by the caller after <c>torch.manual_seed(seed)</c>) on
    /// images N x 1 x H x W and labels N, resuming from the folder's checkpoint when there is one.
    /// </summary>
    public LossHistory Train(TModel model, ITrainingObjective<TModel> objective, Tensor images, Tensor labels,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        if (images.ndim != 4) throw new ArgumentException($"images must be N x C x H x W, got {string.Join("x", images.shape)}.", nameof(images));
        if (labels.ndim != 1 || labels.shape[0] != images.shape[0])
            throw new ArgumentException($"labels must hold one value per image ({images.shape[0]}), got {string.Join("x", labels.shape)}.", nameof(labels));
        Directory.CreateDirectory(_folder);

        var device = Runtime.KitDevice.Current;
        model.to(device);
        var optimizer = optim.Adam(model.parameters(), lr: _settings.LearningRate);
        var history = Resume(model, optimizer);
        long n = images.shape[0];
        int stepsPerEpoch = (int)Math.Min((n + _settings.BatchSize - 1) / _settings.BatchSize, _settings.MaxStepsPerEpoch ?? int.MaxValue);
        using var average = AverageDecay is { } decay ? new WeightAverage(model, decay) : null;

        for (int epoch = history.EpochsDone; epoch < _settings.Epochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            foreach (var group in optimizer.ParamGroups) group.LearningRate = _settings.LearningRateAt(epoch);
            model.train();
            var clock = Stopwatch.StartNew();
            using var generator = new Generator((ulong)(_settings.Seed * 1_000_003 + epoch));
            using var order = randperm(n, generator: generator);
            for (int step = 0; step < stepsPerEpoch; step++)
            {
                cancel.ThrowIfCancellationRequested();
                float loss;
                using (NewDisposeScope())
                {
                    long start = (long)step * _settings.BatchSize;
                    var batch = order.narrow(0, start, Math.Min(_settings.BatchSize, n - start));
                    var x = images.index_select(0, batch).to(device);
                    var y = labels.index_select(0, batch).to(device);
                    optimizer.zero_grad();
                    var lossTensor = objective.Loss(model, x, y, generator);
                    lossTensor.backward();
                    optimizer.step();
                    average?.Update();
                    loss = lossTensor.item<float>();
                }
                if (!float.IsFinite(loss))
                    throw new TrainingDivergedException(
                        $"{objective.Name}: the loss became {loss} at epoch {epoch + 1}, step {step + 1}. " +
                        $"Epoch {history.EpochsDone} is safe in {_folder}; try a smaller learning rate (now {_settings.LearningRateAt(epoch)}).");
                history.StepLosses.Add(loss);
                Runtime.LoopMemory.AfterStep(history.StepLosses.Count);
                progress?.Report(new TrainingProgress(epoch + 1, _settings.Epochs, step + 1, stepsPerEpoch, loss,
                    (step + 1) * (double)_settings.BatchSize / Math.Max(1e-9, clock.Elapsed.TotalSeconds)));
            }
            history.EpochEnds.Add(history.StepLosses.Count);
            history.EpochSeconds.Add(clock.Elapsed.TotalSeconds);
            SaveEpoch(model, optimizer, history, epoch + 1, average);
            Runtime.LoopMemory.GiveBack();   // nothing is held after the last epoch
        }
        return history;
    }

    void SaveEpoch(TModel model, OptimizerHelper optimizer, LossHistory history, int epoch, WeightAverage? average)
    {
        // state_dict() and the optimizer's state hand out new tensor handles each call: free them every epoch.
        using var scope = NewDisposeScope();
        // Snapshot and history first, checkpoint last: the checkpoint's epoch count is what resume trusts.
        if (_settings.Snapshots.Contains(epoch))
            WeightsFile.Save(SnapshotPath(epoch), model, _architecture, half: true,
                new Dictionary<string, string> { ["epoch"] = epoch.ToString(), ["settings"] = _settings.Fingerprint() });
        history.Save(Path.Combine(_folder, HistoryFile));
        if (WriteSitting)
            WeightsFile.Save(Path.Combine(_folder, SittingFile), model, _architecture, half: true,
                new Dictionary<string, string> { ["epoch"] = epoch.ToString(), ["settings"] = _settings.Fingerprint(), ["optimiser"] = "not stored: Adam starts afresh when a run continues from this file" });
        average?.WhileAveraged(() => WeightsFile.Save(Path.Combine(_folder, AverageFile), model, _architecture, half: true,
            new Dictionary<string, string>
            {
                ["epoch"] = epoch.ToString(), ["settings"] = _settings.Fingerprint(),
                ["average"] = FormattableString.Invariant($"exponential moving average of the weights, decay {average.Decay}, of the {average.Updates} steps since it began (it starts afresh each sitting)"),
            }));
        WeightsFile.Save(Path.Combine(_folder, ResumeFile), model, _architecture, half: false,
            new Dictionary<string, string> { ["epoch"] = epoch.ToString(), ["settings"] = _settings.Fingerprint() },
            w => optimizer.save_state_dict(w));
        EpochFinished?.Invoke(epoch, history);
    }

    LossHistory Resume(TModel model, OptimizerHelper optimizer)
    {
        var checkpoint = Path.Combine(_folder, ResumeFile);
        if (!File.Exists(checkpoint)) return ContinueFrom is { } sitting ? Continue(model, sitting) : new LossHistory();
        var header = WeightsFile.ReadHeader(checkpoint);
        if (header.GetValueOrDefault("settings") != _settings.Fingerprint() || header.GetValueOrDefault("architecture") != _architecture)
            throw new InvalidOperationException(
                $"{_folder} already holds a run of {header.GetValueOrDefault("architecture")} with settings " +
                $"[{header.GetValueOrDefault("settings")}]; this run is {_architecture} with [{_settings.Fingerprint()}]. " +
                "Nothing was changed: choose another output folder, or delete that one to start over.");
        WeightsFile.Load(checkpoint, model, _architecture, r => optimizer.load_state_dict(r));
        int epochs = int.Parse(header["epoch"]);
        var history = LossHistory.Load(Path.Combine(_folder, HistoryFile));
        // The history may be one epoch ahead of the checkpoint if the process died between the two writes.
        while (history.EpochEnds.Count > epochs)
        {
            history.EpochEnds.RemoveAt(history.EpochEnds.Count - 1);
            history.EpochSeconds.RemoveAt(history.EpochSeconds.Count - 1);
        }
        history.TruncateToFinishedEpochs();
        if (history.EpochsDone != epochs)
            throw new InvalidDataException($"{_folder}: the checkpoint is at epoch {epochs} but history.json records only {history.EpochsDone}.");
        return history;
    }

    /// <summary>A new sitting: the committed weights and history, the epoch from the file's header, Adam afresh.</summary>
    LossHistory Continue(TModel model, SittingStart sitting)
    {
        var header = WeightsFile.ReadHeader(sitting.WeightsPath);
        if (header.GetValueOrDefault("settings") != _settings.Fingerprint() || header.GetValueOrDefault("architecture") != _architecture)
            throw new InvalidOperationException(
                $"{sitting.WeightsPath} is a sitting of {header.GetValueOrDefault("architecture")} with settings [{header.GetValueOrDefault("settings")}]; " +
                $"this run is {_architecture} with [{_settings.Fingerprint()}]. Continue it with the command in its manifest, or start a new run.");
        if (!int.TryParse(header.GetValueOrDefault("epoch"), out int epochs) || epochs < 1)
            throw new InvalidDataException($"{sitting.WeightsPath} does not say after which epoch it was written (header 'epoch').");
        WeightsFile.Load(sitting.WeightsPath, model, _architecture);
        var history = LossHistory.Load(sitting.HistoryPath);
        while (history.EpochEnds.Count > epochs)
        {
            history.EpochEnds.RemoveAt(history.EpochEnds.Count - 1);
            history.EpochSeconds.RemoveAt(history.EpochSeconds.Count - 1);
        }
        history.TruncateToFinishedEpochs();
        if (history.EpochsDone != epochs)
            throw new InvalidDataException($"{sitting.HistoryPath} records {history.EpochsDone} epochs, but {sitting.WeightsPath} was written after epoch {epochs}.");
        return history;
    }
}

using LDae.Files;
using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>
/// The training loop, generic over model and objective: AdamW with MAE's weight-decay groups, warm-up + cosine
/// schedule, optional gradient clipping and EMA, a JSONL log, and checkpoints that make an interrupted run
/// resume bit-identically.
/// </summary>
/// <remarks>
/// <para><b>Determinism.</b> Step s (0-based) trains on <c>data.Get(s / stepsPerEpoch, s % stepsPerEpoch)</c>
/// and hands the objective a generator seeded from (Seed, "step", s) (one per shard with data-parallel replicas, see
/// <see cref="DataParallel"/>). As long as the objective draws all its
/// randomness (noise levels, noise) from that generator, a run is a pure function of (options, initial weights,
/// data), and stopping at any step and resuming from the checkpoint gives exactly the same numbers on CPU.</para>
/// <para><b>Run directory.</b> <c>checkpoint.bin</c> (see <see cref="Checkpoint"/>), <c>log.jsonl</c> (one
/// <see cref="TrainLogEntry"/> per line) and, when the run completes, <c>weights.bin</c> — the weights to
/// evaluate (the EMA weights if EMA is on) in TorchSharp's <c>Module.save</c> format.</para>
/// </remarks>
public sealed class Trainer(TrainOptions options, string runDirectory, ITrainProgress? progress = null, TextWriter? log = null) : IDisposable
{
    public const string LogFileName = "log.jsonl";
    public const string WeightsFileName = "weights.bin";

    public TrainOptions Options { get; } = options;
    public string RunDirectory { get; } = runDirectory;
    readonly ITrainProgress progress = progress ?? NullTrainProgress.Instance;
    /// <summary>Where the trainer says why it does not resume from a checkpoint it found.</summary>
    readonly TextWriter log = log ?? TextWriter.Null;

    /// <summary>The EMA of the last <see cref="Run"/> (null if EmaDecay = 0); owned by the trainer.</summary>
    public Ema? Ema { get; private set; }

    public string LogPath => Path.Combine(RunDirectory, LogFileName);
    public string WeightsPath => Path.Combine(RunDirectory, WeightsFileName);

    /// <summary>
    /// Puts the evaluation weights (EMA if on) into the trained model until disposed; a no-op without EMA.
    /// </summary>
    public IDisposable EvaluationWeights() => Ema?.SwapIn() ?? NoOp.Instance;

    /// <summary>Loads a completed run's evaluation weights (weights.bin, checked against its SHA-256) into <paramref name="model"/>.</summary>
    public static void LoadEvaluationWeights(nn.Module model, string runDirectory)
    {
        var path = Path.Combine(runDirectory, WeightsFileName);
        VerifiedFile.Require(path);
        model.load(path);
    }

    /// <summary>
    /// Trains <paramref name="model"/> (resuming from the run directory's checkpoint if there is one) until
    /// the run's last step, <see cref="TrainOptions.StopAfterSteps"/>, or cancellation; checkpoints on the way
    /// and at the end.
    /// </summary>
    /// <param name="model">Initialised by the caller (seed first: <see cref="Seeding.Seed"/>); overwritten from the checkpoint when resuming.</param>
    /// <param name="data">Deterministic batches; its BatchSize must equal the options'.</param>
    /// <param name="objective">The loss of one batch; must take all its randomness from the given generator.</param>
    /// <remarks>Leaves the model in training mode with the trained (not EMA) weights; see <see cref="EvaluationWeights"/>.</remarks>
    public TrainResult Run(
        nn.Module model,
        IBatchSource data,
        Func<Batch, torch.Generator, StepLoss> objective,
        CancellationToken cancellation = default)
    {
        var o = Options;
        if (data.BatchSize != o.BatchSize)
            throw new ArgumentException($"batch source gives batches of {data.BatchSize}, options say {o.BatchSize}");
        if (o.LogEverySteps <= 0) throw new ArgumentException("LogEverySteps must be positive");
        int stepsPerEpoch = data.StepsPerEpoch;
        if (stepsPerEpoch <= 0) throw new ArgumentException("the batch source has no full batch");
        var schedule = o.Schedule(stepsPerEpoch);
        long total = schedule.TotalSteps;
        objective = InPrecision(objective, o.Precision);
        long stopAt = Math.Min(total, o.StopAfterSteps ?? total);

        Directory.CreateDirectory(RunDirectory);
        model.train();
        var trainable = model.parameters().Where(p => p.requires_grad).ToArray();
        using var parallel = new DataParallel(trainable, o.Replicas);
        using var optimizer = WeightDecayGroups.AdamW(model, o, parallel);
        Ema?.Dispose();
        Ema = o.EmaDecay > 0 ? new Ema(model, o.EmaDecay) : null;

        // Restore or start fresh.
        string checkpointPath = Checkpoint.PathIn(RunDirectory);
        var state = new CheckpointState { OptionsFingerprint = o.Fingerprint() };
        // A checkpoint that does not match its digest would resume from a state no run reached: start over instead.
        if (Checkpoint.DiscardIfUnusable(checkpointPath) is { } damage)
            log.WriteLine($"[train] {damage}: starting the run over from step 0");
        if (File.Exists(checkpointPath))
        {
            string written = Checkpoint.ReadState(checkpointPath).OptionsFingerprint;
            if (written != o.Fingerprint())
                throw new InvalidOperationException(
                    $"{checkpointPath} was written with different training options; use a new run directory " +
                    $"(checkpoint: {written}; now: {o.Fingerprint()})");
            state = Checkpoint.Load(checkpointPath, model, optimizer, Ema);
        }
        using (var log = new FileStream(LogPath, FileMode.OpenOrCreate, FileAccess.Write))
            log.SetLength(Math.Min(log.Length, state.LogBytes));
        var logged = TrainLogEntry.ReadAll(LogPath).ToList();

        long step = state.Step;
        long imagesSeen = state.ImagesSeen;
        double pendingLoss = state.PendingLossSum;
        int pendingSteps = state.PendingSteps;
        var pendingParts = new Dictionary<string, double>(state.PendingPartSums);
        double? lastGradNorm = null;
        long lastCheckpoint = step;

        // Wall time accumulates across resumes; rates and ETA use this process's steps only.
        double elapsedBefore = state.ElapsedSeconds;
        var clock = Stopwatch.StartNew();
        double Elapsed() => elapsedBefore + clock.Elapsed.TotalSeconds;
        long processStartStep = step, processImages = 0;
        double intervalStart = elapsedBefore;
        long intervalImages = 0;

        progress.Start(step, total);
        using var logWriter = new StreamWriter(new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.Read));

        void SaveCheckpoint()
        {
            logWriter.Flush();
            state = state with
            {
                Step = step,
                ImagesSeen = imagesSeen,
                ElapsedSeconds = Elapsed(),
                LogBytes = logWriter.BaseStream.Length,
                PendingLossSum = pendingLoss,
                PendingSteps = pendingSteps,
                PendingPartSums = new Dictionary<string, double>(pendingParts),
            };
            Checkpoint.Save(checkpointPath, state, model, optimizer, Ema);
            lastCheckpoint = step;
        }

        while (step < stopAt && !cancellation.IsCancellationRequested)
        {
            double lr = schedule.At(step);
            long batchCount;
            using (NewDisposeScope())
            {
                var batch = data.Get((int)(step / stepsPerEpoch), (int)(step % stepsPerEpoch));
                batchCount = batch.Count;
                foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
                optimizer.zero_grad();

                var values = parallel.ComputeGradients(batch, o.Seed, step, objective);
                if (o.GradClip > 0) lastGradNorm = GradientClipping.ClipGradNorm(trainable, o.GradClip, parallel);
                optimizer.step();
                (model as IAfterOptimizerStep)?.AfterOptimizerStep(step + 1, total);
                Ema?.Update(parallel);

                if (!double.IsFinite(values.Loss))
                    throw new InvalidOperationException($"loss is {values.Loss} at step {step} (lr {lr:G3}); stopping");
                pendingLoss += values.Loss;
                foreach (var (name, part) in values.Parts)
                {
                    if (TrainLogEntry.ReservedNames.Contains(name))
                        throw new ArgumentException($"loss part name '{name}' is reserved in the log");
                    pendingParts[name] = pendingParts.GetValueOrDefault(name) + part;
                }
                pendingSteps++;
            }

            // TorchSharp Scalars (made implicitly for every scalar argument: AdamW's β, lr and ε, x·(1 + s), …)
            // are not tracked by dispose scopes and hold native memory until the GC finalizes them. The managed
            // heap is tiny, so the GC rarely runs on its own, and those small blocks, scattered between the
            // step's large tensor buffers, fragment the native heap: RSS grew by ~150 MB over the first
            // ~100 steps. A gen-0 collection per step (well under a millisecond) frees them promptly.
            GC.Collect(0);

            step++;
            imagesSeen += batchCount;
            processImages += batchCount;
            intervalImages += batchCount;

            double processSeconds = clock.Elapsed.TotalSeconds;
            progress.Step(new TrainProgressInfo(
                step, total, pendingLoss / pendingSteps,
                processImages / Math.Max(processSeconds, 1e-9),
                TimeSpan.FromSeconds(Elapsed()),
                TimeSpan.FromSeconds(processSeconds / (step - processStartStep) * (total - step))));

            if (step % o.LogEverySteps == 0 || step == total)
            {
                double now = Elapsed();
                var entry = new TrainLogEntry(
                    step,
                    (double)step / stepsPerEpoch,
                    lr,
                    pendingLoss / pendingSteps,
                    pendingParts.ToDictionary(p => p.Key, p => p.Value / pendingSteps),
                    o.GradClip > 0 ? lastGradNorm : null,
                    intervalImages / Math.Max(now - intervalStart, 1e-9),
                    now);
                logWriter.WriteLine(entry.ToJson());
                logWriter.Flush();
                logged.Add(entry);
                progress.Logged(entry);
                pendingLoss = 0; pendingSteps = 0; pendingParts.Clear();
                intervalStart = now; intervalImages = 0;
            }

            if (o.CheckpointEverySteps > 0 && step % o.CheckpointEverySteps == 0 && step < stopAt)
                SaveCheckpoint();
        }

        if (step != lastCheckpoint || !File.Exists(checkpointPath)) SaveCheckpoint();
        bool completed = step >= total;
        if (completed)
            using (EvaluationWeights())
                VerifiedFile.WriteBinary(WeightsPath, w => model.save(w));

        var window = logged.TakeLast(Math.Max(1, o.FinalLossWindow)).ToList();
        var finalParts = window.Count == 0
            ? new Dictionary<string, double>()
            : window.SelectMany(e => e.Parts.Keys).Distinct()
                .ToDictionary(k => k, k => window.Where(e => e.Parts.ContainsKey(k)).Average(e => e.Parts[k]));
        double wall = state.ElapsedSeconds;
        var result = new TrainResult(
            window.Count == 0 ? double.NaN : window.Average(e => e.Loss),
            finalParts, step, total, imagesSeen, wall, imagesSeen / Math.Max(wall, 1e-9), completed);
        progress.Stop(result);
        return result;
    }

    public void Dispose()
    {
        Ema?.Dispose();
        Ema = null;
    }

    sealed class NoOp : IDisposable
    {
        public static readonly NoOp Instance = new();
        public void Dispose() { }
    }

    /// <summary>The objective with its forward pass computing in <paramref name="precision"/> on whichever thread runs it (a data-parallel replica's included); the backward pass follows the casts the forward pass recorded.</summary>
    public static Func<Batch, torch.Generator, StepLoss> InPrecision(Func<Batch, torch.Generator, StepLoss> objective, Kernels.ComputePrecision precision) =>
        precision == Kernels.ComputePrecision.Fp32 ? objective : (batch, g) =>
        {
            using var _ = Kernels.Autocast.Use(precision);
            return objective(batch, g);
        };
}

using LDae.Files;
using LDae.Runtime;
using LDae.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace LDae.Tests.Training;

public sealed class TrainerTests : IDisposable
{
    readonly Tensor x, y;
    readonly TempDir dir = new();

    public TrainerTests()
    {
        TorchRuntime.EnsureLoaded(threads: 1);
        (x, y) = Synthetic.Regression();
    }

    public void Dispose()
    {
        x.Dispose();
        y.Dispose();
        dir.Dispose();
    }

    // 256 examples / 32 = 8 steps per epoch. Checkpoint and log intervals deliberately do not divide each other
    // or the stop step, so the partial-interval bookkeeping is exercised.
    static readonly TrainOptions Options = new()
    {
        TotalSteps = 40, BatchSize = 32, BaseLr = 1e-2, LrScaling = LrScaling.None, WarmupSteps = 5, MinLr = 1e-4,
        WeightDecay = 0.05, GradClip = 1.0, EmaDecay = 0.9, Seed = 5,
        CheckpointEverySteps = 7, LogEverySteps = 3, FinalLossWindow = 3,
    };

    IBatchSource Source() => new TensorBatchSource(x, y, 32, seed: 5);

    /// <summary>Runs the trainer once in <paramref name="runDir"/> with a model initialised from <paramref name="initSeed"/>.</summary>
    (TrainResult Result, TinyMlp Model) TrainOnce(string runDir, TrainOptions o, long initSeed = 1, ITrainProgress? progress = null, CancellationToken ct = default)
    {
        var model = Synthetic.Model(initSeed);
        using var trainer = new Trainer(o, runDir, progress);
        var result = trainer.Run(model, Source(), Synthetic.NoisyMse(model), ct);
        return (result, model);
    }

    static string[] LogWithoutTimings(string runDir) =>
        TrainLogEntry.ReadAll(Path.Combine(runDir, Trainer.LogFileName))
            .Select(e => (e with { ImagesPerSecond = 0, ElapsedSeconds = 0 }).ToJson()).ToArray();

    [Fact]
    public void StoppingAndResumingIsBitIdenticalToAnUninterruptedRun()
    {
        var (full, fullModel) = TrainOnce(dir.Sub("full"), Options);

        var (first, _) = TrainOnce(dir.Sub("split"), Options with { StopAfterSteps = 20 });
        Assert.False(first.Completed);
        Assert.Equal(20, first.Steps);
        // A fresh process: a differently initialised model, everything restored from the checkpoint.
        var (resumed, resumedModel) = TrainOnce(dir.Sub("split"), Options, initSeed: 999);

        Assert.True(full.Completed && resumed.Completed);
        Assert.Equal(40, resumed.Steps);
        Assert.Equal(full.FinalLoss, resumed.FinalLoss);              // exact, not approximate
        Assert.Equal(full.FinalParts, resumed.FinalParts);
        Assert.Equal(full.ImagesSeen, resumed.ImagesSeen);
        Assert.True(Synthetic.SameParameters(fullModel, resumedModel));
        // weights.bin holds the EMA weights: EMA state was resumed exactly too.
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir.Sub("full"), Trainer.WeightsFileName)),
                     File.ReadAllBytes(Path.Combine(dir.Sub("split"), Trainer.WeightsFileName)));
        // The log is the same line for line (timings aside), with no duplicated lines from the replayed part.
        Assert.Equal(LogWithoutTimings(dir.Sub("full")), LogWithoutTimings(dir.Sub("split")));
        fullModel.Dispose();
        resumedModel.Dispose();
    }

    [Fact]
    public void DataParallelRunsResumeBitIdenticallyAndStayCloseToOneReplica()
    {
        var parallel = Options with { Replicas = 2 };
        var (full, fullModel) = TrainOnce(dir.Sub("dp-full"), parallel);
        TrainOnce(dir.Sub("dp-split"), parallel with { StopAfterSteps = 13 });
        var (resumed, resumedModel) = TrainOnce(dir.Sub("dp-split"), parallel, initSeed: 999);
        Assert.Equal(full.FinalLoss, resumed.FinalLoss);
        Assert.True(Synthetic.SameParameters(fullModel, resumedModel));
        Assert.Equal(LogWithoutTimings(dir.Sub("dp-full")), LogWithoutTimings(dir.Sub("dp-split")));

        // Other noise per shard, the same optimisation: the loss ends close to the single-replica run's.
        var (single, singleModel) = TrainOnce(dir.Sub("single"), Options);
        Assert.NotEqual(single.FinalLoss, full.FinalLoss);
        Assert.InRange(full.FinalLoss / single.FinalLoss, 0.8, 1.25);
        // A checkpoint written with one replica count is not resumed with another.
        Assert.Throws<InvalidOperationException>(() => TrainOnce(dir.Sub("dp-full"), Options));
        foreach (var m in new[] { fullModel, resumedModel, singleModel }) m.Dispose();
    }

    sealed class CancelAt(long step, CancellationTokenSource cts) : ITrainProgress
    {
        public void Start(long startStep, long totalSteps) { }
        public void Step(TrainProgressInfo info) { if (info.Step == step) cts.Cancel(); }
        public void Logged(TrainLogEntry entry) { }
        public void Stop(TrainResult result) { }
    }

    [Fact]
    public void CancellationCheckpointsAndResumesExactly()
    {
        var o = Options with { EmaDecay = 0, GradClip = 0 };
        var (full, fullModel) = TrainOnce(dir.Sub("full"), o);

        using var cts = new CancellationTokenSource();
        var (stopped, _) = TrainOnce(dir.Sub("cancel"), o, progress: new CancelAt(13, cts), ct: cts.Token);
        Assert.Equal(13, stopped.Steps);
        Assert.False(stopped.Completed);
        Assert.True(Checkpoint.ExistsIn(dir.Sub("cancel")));

        var (resumed, resumedModel) = TrainOnce(dir.Sub("cancel"), o, initSeed: 3);
        Assert.Equal(full.FinalLoss, resumed.FinalLoss);
        Assert.True(Synthetic.SameParameters(fullModel, resumedModel));
        fullModel.Dispose();
        resumedModel.Dispose();
    }

    [Fact]
    public void SameSeedSameNumbersOtherSeedOtherNumbers()
    {
        var (a, ma) = TrainOnce(dir.Sub("a"), Options);
        var (b, mb) = TrainOnce(dir.Sub("b"), Options);
        var (c, mc) = TrainOnce(dir.Sub("c"), Options with { Seed = 6 });   // same init and data order, other noise
        Assert.Equal(a.FinalLoss, b.FinalLoss);
        Assert.True(Synthetic.SameParameters(ma, mb));
        Assert.NotEqual(a.FinalLoss, c.FinalLoss);
        Assert.False(Synthetic.SameParameters(ma, mc));
        foreach (var m in new[] { ma, mb, mc }) m.Dispose();
    }

    [Fact]
    public void ACheckpointChangedInPlaceIsNotResumedTheRunStartsOverToTheUninterruptedResult()
    {
        var (full, fullModel) = TrainOnce(dir.Sub("full"), Options);
        var run = dir.Sub("flipped");
        TrainOnce(run, Options with { StopAfterSteps = 20 }).Model.Dispose();
        var path = Checkpoint.PathIn(run);
        var bytes = File.ReadAllBytes(path);
        for (int i = bytes.Length / 2; i < bytes.Length / 2 + 4; i++) bytes[i] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        Assert.False(Checkpoint.ExistsIn(run));

        long startedAt = -1;
        var log = new StringWriter();
        var model = Synthetic.Model(1);
        using (var trainer = new Trainer(Options, run, new StartRecorder(s => startedAt = s), log))
        {
            var result = trainer.Run(model, Source(), Synthetic.NoisyMse(model));
            Assert.Equal(full.FinalLoss, result.FinalLoss);
        }
        Assert.Equal(0, startedAt);
        Assert.Equal($"[train] {path} does not match the SHA-256 written with it (changed, damaged or truncated since): starting the run over from step 0", log.ToString().Trim());
        Assert.Equal(LogWithoutTimings(dir.Sub("full")), LogWithoutTimings(run));
        model.Dispose();
        fullModel.Dispose();
    }

    [Fact]
    public void ATruncatedCheckpointStartsTheRunOverInsteadOfFailingToRead()
    {
        var run = dir.Sub("truncated");
        TrainOnce(run, Options with { StopAfterSteps = 20 }).Model.Dispose();
        using (var f = new FileStream(Checkpoint.PathIn(run), FileMode.Open)) f.SetLength(f.Length / 2);
        long startedAt = -1;
        var (result, model) = TrainOnce(run, Options, progress: new StartRecorder(s => startedAt = s));
        Assert.Equal(0, startedAt);
        Assert.True(result.Completed);
        Assert.True(VerifiedFile.Check(Path.Combine(run, Trainer.WeightsFileName)).Usable);
        model.Dispose();
    }

    [Fact]
    public void LeftoverTempFileIsNotACheckpoint()
    {
        var run = dir.Sub("tmp");
        Directory.CreateDirectory(run);
        var leftover = AtomicFile.TempName(Checkpoint.PathIn(run));
        File.WriteAllText(leftover, "half-written garbage");
        Assert.False(Checkpoint.ExistsIn(run));

        long startedAt = -1;
        var (r, m) = TrainOnce(run, Options, progress: new StartRecorder(s => startedAt = s));
        var (clean, cm) = TrainOnce(dir.Sub("clean"), Options);
        Assert.Equal(0, startedAt);                                   // started fresh
        Assert.Equal(clean.FinalLoss, r.FinalLoss);
        Assert.True(Checkpoint.ExistsIn(run));
        Assert.Equal([leftover], Directory.GetFiles(run, "*.tmp-*"));   // another write's temporary file is neither read nor reused
        m.Dispose();
        cm.Dispose();
    }

    sealed class StartRecorder(Action<long> onStart) : ITrainProgress
    {
        public void Start(long startStep, long totalSteps) => onStart(startStep);
        public void Step(TrainProgressInfo info) { }
        public void Logged(TrainLogEntry entry) { }
        public void Stop(TrainResult result) { }
    }

    [Fact]
    public void AtomicWriteKeepsTheOldFileWhenWritingFails()
    {
        var path = dir.Sub("file.bin");
        AtomicFile.Write(path, s => s.Write([1, 2, 3]));
        Assert.Throws<InvalidOperationException>(() =>
            AtomicFile.Write(path, s => { s.Write([9, 9]); throw new InvalidOperationException("crash mid-write"); }));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
    }

    sealed class LiveTensorProbe : ITrainProgress
    {
        public readonly Dictionary<long, long> LiveAtLog = [];
        public void Start(long startStep, long totalSteps) { }
        public void Step(TrainProgressInfo info) { }
        public void Logged(TrainLogEntry e) => LiveAtLog[e.Step] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        public void Stop(TrainResult result) { }
    }

    [Fact]
    public void NoTensorsLeakPerStep()
    {
        var probe = new LiveTensorProbe();
        var o = Options with { TotalSteps = 200, LogEverySteps = 20, CheckpointEverySteps = 50 };
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        var (_, model) = TrainOnce(dir.Sub("leak"), o, progress: probe);
        // Optimizer moments and EMA shadows exist from the first steps on; after that the count must be flat.
        Assert.Equal(10, probe.LiveAtLog.Count);
        Assert.All(probe.LiveAtLog.Where(kv => kv.Key >= 40), kv => Assert.Equal(probe.LiveAtLog[40], kv.Value));
        model.Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        // Once the run returned and the model is disposed, what remains is at most a handful of wrappers.
        Assert.InRange(DisposeScopeManager.Statistics.ThreadTotalLiveCount - before, -1000, 20);
    }

    [Fact]
    public void LogHasOneLinePerIntervalWithScheduleAndParts()
    {
        var (result, model) = TrainOnce(dir.Sub("log"), Options);
        var log = TrainLogEntry.ReadAll(Path.Combine(dir.Sub("log"), Trainer.LogFileName));
        var schedule = Options.Schedule(stepsPerEpoch: 8);
        Assert.Equal(Enumerable.Range(1, 13).Select(i => 3L * i).Append(40), log.Select(e => e.Step));
        foreach (var e in log)
        {
            Assert.Equal(schedule.At(e.Step - 1), e.Lr);                     // the lr of the entry's last step
            Assert.Equal(e.Step / 8.0, e.Epoch);
            Assert.Equal(0.5 * (e.Parts["first"] + e.Parts["rest"]), e.Loss, 5);
            Assert.NotNull(e.GradNorm);
        }
        Assert.True(log[^1].Loss < 0.7 * log[0].Loss, $"loss did not fall: {log[0].Loss} → {log[^1].Loss}");
        Assert.Equal(log.TakeLast(3).Average(e => e.Loss), result.FinalLoss);
        Assert.Equal(40 * 32, result.ImagesSeen);
        model.Dispose();
    }

    [Fact]
    public void ResumingWithOtherOptionsIsRefused()
    {
        var (_, m) = TrainOnce(dir.Sub("opts"), Options with { StopAfterSteps = 10 });
        Assert.Throws<InvalidOperationException>(() => TrainOnce(dir.Sub("opts"), Options with { BaseLr = 2e-2 }));
        m.Dispose();
    }

    [Fact]
    public void RerunningACompletedRunRestoresItWithoutTraining()
    {
        var (done, trained) = TrainOnce(dir.Sub("done"), Options);
        long started = -1;
        var (again, restored) = TrainOnce(dir.Sub("done"), Options, initSeed: 77, progress: new StartRecorder(s => started = s));
        Assert.Equal(40, started);
        Assert.True(again.Completed);
        Assert.Equal(done.FinalLoss, again.FinalLoss);
        Assert.Equal(done.FinalParts, again.FinalParts);
        Assert.Equal(done.ImagesSeen, again.ImagesSeen);
        Assert.Equal(done.WallSeconds, again.WallSeconds);             // no time added: nothing was trained
        Assert.True(Synthetic.SameParameters(trained, restored));
        trained.Dispose();
        restored.Dispose();
    }

    [Fact]
    public void EvaluationWeightsAreTheEmaWeights()
    {
        var model = Synthetic.Model(1);
        using var trainer = new Trainer(Options, dir.Sub("ema"));
        trainer.Run(model, Source(), Synthetic.NoisyMse(model));
        var ema = trainer.Ema!;
        using var fromFile = Synthetic.Model(2);
        Trainer.LoadEvaluationWeights(fromFile, dir.Sub("ema"));

        Assert.False(Synthetic.SameParameters(model, fromFile));          // training weights ≠ EMA weights
        using (trainer.EvaluationWeights())
        {
            foreach (var (name, p) in model.named_parameters())
                Assert.True(Synthetic.Same(p, ema.Shadow(name)), name);
            Assert.True(Synthetic.SameParameters(model, fromFile));
        }
        Assert.False(Synthetic.SameParameters(model, fromFile));          // restored afterwards
        model.Dispose();
    }

    [Fact]
    public void WeightDecaySkipsBiasesNormsAndListedNames()
    {
        using var model = Synthetic.Model(1);
        string Names(IReadOnlyList<TorchSharp.Modules.Parameter> ps) =>
            string.Join(",", model.named_parameters().Where(np => ps.Any(p => ReferenceEquals(p, np.parameter))).Select(np => np.name));

        var (decay, noDecay) = WeightDecayGroups.Split(model, []);
        Assert.Equal("fc1.weight,fc2.weight", Names(decay));
        Assert.Equal("fc1.bias,norm.weight,norm.bias,fc2.bias", Names(noDecay));

        var (decay2, _) = WeightDecayGroups.Split(model, ["fc2"]);
        Assert.Equal("fc1.weight", Names(decay2));

        model.named_parameters().First(np => np.name == "fc1.weight").parameter.requires_grad = false;
        var (decay3, noDecay3) = WeightDecayGroups.Split(model, []);
        Assert.Equal("fc2.weight", Names(decay3));                           // frozen: in neither group
        Assert.Equal(4, noDecay3.Count);
    }

    [Fact]
    public void MismatchedBatchSizeIsRejected()
    {
        using var model = Synthetic.Model(1);
        using var trainer = new Trainer(Options with { BatchSize = 64 }, dir.Sub("bs"));
        Assert.Throws<ArgumentException>(() => trainer.Run(model, Source(), Synthetic.NoisyMse(model)));
    }

    [Fact]
    public void DivergingLossStopsWithTheStep()
    {
        using var model = Synthetic.Model(1);
        using var trainer = new Trainer(Options, dir.Sub("nan"));
        var ex = Assert.Throws<InvalidOperationException>(() =>
            trainer.Run(model, Source(), (batch, g) => model.forward(batch.X).mean() * float.NaN));   // a bare Tensor is a StepLoss
        Assert.Contains("at step 0", ex.Message);
    }
}

using System.Diagnostics;
using LDae.Data;
using LDae.Evaluation;
using LDae.Rows;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Method;
using LDae.Models;
using LDae.Runtime;
using LDae.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Benchmarks;

/// <summary>What to benchmark and for how long.</summary>
public sealed record BenchmarkOptions
{
    /// <summary>The final l-DAE row by default.</summary>
    public string Row { get; init; } = "table3/predict-original-image";
    public string Profile { get; init; } = "quick";
    /// <summary>Timed training steps (after the warm-up); the RSS growth is measured over these.</summary>
    public int Steps { get; init; } = 500;
    public int WarmupSteps { get; init; } = 20;
    /// <summary>Torch intra-op threads; null = the profile's train.threads (what a row run uses).</summary>
    public int? Threads { get; init; }
    /// <summary>Data-parallel replicas (see <see cref="DataParallel"/>); null = the profile's train.replicas.</summary>
    public int? Replicas { get; init; }
    /// <summary>Side of the square fp32 matmul used as the machine's yardstick.</summary>
    public int MatmulSize { get; init; } = 2048;
    public int MatmulRepeats { get; init; } = 5;
    /// <summary>Seconds each of the step's product shapes is timed (see <see cref="StepGemms"/>).</summary>
    public double StepGemmSeconds { get; init; } = 0.6;
    /// <summary>Images pushed through the frozen encoder to time probe feature extraction (capped at the training set).</summary>
    public int ProbeImages { get; init; } = 10000;
    public int RssSampleEvery { get; init; } = 50;
    /// <summary>Timed steps between two extra yardstick samples (two 2048² products each) taken during training.</summary>
    public int YardstickEvery { get; init; } = 100;
    /// <summary>Steps timed phase by phase (forward, backward, optimizer) after the main measurement.</summary>
    public int BreakdownSteps { get; init; } = 30;
    /// <summary>"passive", "active" or "bounded" to set libgomp's wait policy (see <see cref="OpenMpWaitPolicy"/>); null = the environment's.
    /// Only <see cref="TrainingBenchmark.RunRow"/> applies it, before torch is loaded.</summary>
    public string? OpenMpWait { get; init; }

    public void Validate()
    {
        if (Steps < 1) throw new ArgumentException($"--steps must be ≥ 1, got {Steps}");
        if (WarmupSteps < 1) throw new ArgumentException($"warm-up must be ≥ 1 step, got {WarmupSteps}");
        if (Threads is < 1) throw new ArgumentException($"--threads must be ≥ 1, got {Threads}");
        if (Replicas is < 1) throw new ArgumentException($"--replicas must be ≥ 1, got {Replicas}");
        if (MatmulSize < 1 || MatmulRepeats < 1 || ProbeImages < 1 || RssSampleEvery < 1 || BreakdownSteps < 1 || YardstickEvery < 1 || !(StepGemmSeconds > 0))
            throw new ArgumentException("matmul size/repeats, the step's product timing, probe images, the RSS sampling and yardstick intervals and breakdown steps must be positive");
    }
}

/// <summary>
/// Measures the training step of a row the way <c>ldae run</c> executes it (same config, denoiser, tokenizer
/// and <see cref="Trainer"/>, in this process), plus the machine's matmul rate as a yardstick, the probe's
/// feature extraction, and resident memory over the timed steps (a leak of undisposed tensors shows as growth).
/// </summary>
/// <remarks>
/// The training loop is the real <see cref="Trainer"/> (optimizer, gradient clipping, loss read-back and the
/// JSONL log included); the timestamps come from its per-step progress callback, so nothing is timed that a
/// real run would not do, and nothing a real run does is left out. Checkpoints are off during the timed steps.
/// The tokenizer is fitted into a temporary folder, never into results/.
/// </remarks>
public static class TrainingBenchmark
{
    /// <summary>Resolves <see cref="BenchmarkOptions.Row"/> at its profile, loads the row's real training data and runs.</summary>
    public static BenchmarkReport RunRow(BenchmarkOptions options, string repoRoot, TextWriter log)
    {
        options.Validate();
        var registry = ExperimentRegistry.Load(Harness.Repo.Experiments(repoRoot));
        var config = registry.Resolve(registry.Row(options.Row), options.Profile);
        // the step breakdown, FLOPs and memory model are the denoiser's; the Table 4 baselines are not measured here yet
        if (config.Text("pretrain.method") != "denoising")
            throw new Harness.InputException($"--row {options.Row}: bench measures the denoiser; pretrain.method = {config.Text("pretrain.method")} is not benchmarked (its rows report images/s in metrics.json)");
        if (options.OpenMpWait is { } policy) OpenMpWaitPolicy.Set(policy);
        EnsureThreads(options, config);
        using var data = new RowData(config, repoRoot, log);
        return Run(options, config, data.Train, $"{data.Train.Name}: {data.Train.Count} images", log, [data.Train, data.Test]);
    }

    /// <summary>Benchmarks <paramref name="config"/> on the given training images (e.g. synthetic ones in tests).</summary>
    /// <param name="held">Every dataset split the process holds, for the memory breakdown (default: the training images).</param>
    public static BenchmarkReport Run(BenchmarkOptions options, ConfigTree config, ImageDataset train, string dataLabel, TextWriter log,
        IReadOnlyList<ImageDataset>? held = null)
    {
        options.Validate();
        int threads = EnsureThreads(options, config);
        var loadStart = ProcessMemory.LoadAverage();
        var scratch = Directory.CreateTempSubdirectory("ldae-bench-");
        try
        {
            log.WriteLine($"[bench] {options.Row} at {options.Profile}: {threads} thread(s); matmul {options.MatmulSize}² …");
            using var yardstick = new MatmulOperands(options.MatmulSize, options.MatmulSize, options.MatmulSize);
            var matmul = yardstick.Measure(options.MatmulRepeats);

            // The benchmarked rows fit PCA, which needs no test split (learned tokenizers evaluate on it).
            var tokenizer = TokenizerArtifacts.GetOrBuild(config, options.Profile, new ResultStore(scratch.FullName), train, train, log);
            long seed = config.Int("train.seed");
            using var init = Seeding.Seed(seed);
            using var denoiser = new Denoiser(tokenizer, RunSettings.Schedule(config),
                RunSettings.Denoiser(config, train.Height, train.ClassNames.Count), init);
            var shape = denoiser.BackboneOptions;
            var trainOptions = RunSettings.Train(config) with
            {
                Epochs = null,
                TotalSteps = options.WarmupSteps + options.Steps,
                CheckpointEverySteps = 0,
                StopAfterSteps = null,
            };
            if (options.Replicas is { } replicas) trainOptions = trainOptions with { Replicas = replicas };
            long imagesPerReplica = DataParallel.ShardSizes(trainOptions.BatchSize, trainOptions.Replicas)[0];
            log.WriteLine($"[bench] the step's products at their shapes on {trainOptions.Replicas} replica(s) …");
            var stepGemms = StepGemms.Measure(StepGemms.Of(shape, imagesPerReplica * shape.TokenCount), trainOptions.Replicas,
                DataParallel.ThreadsEach(threads, trainOptions.Replicas), 3 * DiffusionTransformer.FlopsPerImage(shape) * imagesPerReplica, options.StepGemmSeconds);

            log.WriteLine($"[bench] training {options.WarmupSteps} + {options.Steps} steps of batch {trainOptions.BatchSize} on {trainOptions.Replicas} replica(s) …");
            // The yardstick is also sampled between timed steps (outside their timing), at the thread count it was
            // measured with above: on a shared VM the machine's speed drifts within a run, and a yardstick taken only
            // before and after can catch a slow moment and flatter the ratio. Its operands exist before the warm-up,
            // so sampling it allocates nothing inside the RSS measurement.
            var during = new List<MatmulMeasurement>();
            var clock = new StepClock(options.WarmupSteps, options.RssSampleEvery, options.YardstickEvery, () =>
            {
                int replicaThreads = torch.get_num_threads();
                torch.set_num_threads(threads);
                try { during.Add(yardstick.Measure(repeats: 2)); }
                finally { torch.set_num_threads(replicaThreads); }
            });
            var source = new TensorBatchSource(train.Images, train.Labels, trainOptions.BatchSize, trainOptions.Seed);
            using var trainer = new Trainer(trainOptions, Path.Combine(scratch.FullName, "run"), clock);
            long peakSetup = ProcessMemory.PeakResidentBytes() ?? 0;
            bool peakReset = ProcessMemory.ResetPeak();
            var result = trainer.Run(denoiser, source, PretrainObjective.For(denoiser, config, CPU));
            // the kernel updates VmHWM lazily (per-thread RSS counters), so it can lag the last VmRSS sample
            long peakTraining = Math.Max(peakReset ? ProcessMemory.PeakResidentBytes() ?? 0 : 0, clock.RssEnd);
            var retained = NativeHeap.Now()?.FreeHeldBytes;
            var activations = MemoryBreakdown.ActivationsMb(denoiser, source.Get(0, 0), trainOptions.Replicas, trainOptions.Seed,
                PretrainObjective.For(denoiser, config, CPU));
            var memory = new MemoryBreakdown(
                peakSetup / MemoryBreakdown.Mb,
                peakTraining / MemoryBreakdown.Mb,
                (held ?? [train]).Sum(d => d.Images.numel() * d.Images.element_size() + d.Labels.numel() * d.Labels.element_size()) / MemoryBreakdown.Mb,
                MemoryBreakdown.ParameterStateMb(denoiser, trainOptions.EmaDecay > 0),
                activations ?? double.NaN,
                trainOptions.Replicas,
                retained / MemoryBreakdown.Mb);

            log.WriteLine($"[bench] step breakdown over {options.BreakdownSteps} steps …");
            var phases = StepBreakdown.Measure(denoiser, source, PretrainObjective.For(denoiser, config, CPU), trainOptions, options.BreakdownSteps);
            denoiser.eval();
            int probeImages = Math.Min(options.ProbeImages, train.Count);
            double probeRate = ProbeRate(denoiser, train.Images.narrow(0, 0, probeImages));

            foreach (var m in during) matmul = matmul.Concat(m);
            matmul = matmul.Concat(yardstick.Measure(options.MatmulRepeats));
            var timed = clock.TimedStepSeconds();
            return new BenchmarkReport
            {
                Row = options.Row,
                Profile = options.Profile,
                ConfigHash = config.Hash(),
                Data = dataLabel,
                Cpu = ProcessMemory.CpuModel(),
                Blas = Runtime.MklCodePath.Describe(),
                Threads = torch.get_num_threads(),
                InteropThreads = torch.get_num_interop_threads(),
                Replicas = trainOptions.Replicas,
                OpenMpWait = OpenMpWaitPolicy.Describe(),
                BatchSize = trainOptions.BatchSize,
                Width = shape.Width,
                Depth = shape.Depth,
                Heads = shape.Heads,
                MlpRatio = shape.MlpRatio,
                Tokens = shape.TokenCount,
                Parameters = denoiser.parameters().Sum(p => p.numel()),
                ForwardFlopsPerImage = DiffusionTransformer.FlopsPerImage(shape),
                WarmupSteps = options.WarmupSteps,
                TimedSteps = timed.Count,
                TrainImagesPerSecond = (double)trainOptions.BatchSize * timed.Count / timed.Sum(),
                StepMillisecondsMedian = 1000 * Statistics.Median(timed),
                FinalLoss = result.FinalLoss,
                Matmul = matmul,
                StepGemms = stepGemms,
                ProbeImages = probeImages,
                ProbeImagesPerSecond = probeRate,
                Phases = phases,
                RssAfterWarmupMb = clock.RssAfterWarmup / 1048576.0,
                RssEndMb = clock.RssEnd / 1048576.0,
                PeakRssMb = Math.Max(peakSetup, Math.Max(ProcessMemory.PeakResidentBytes() ?? 0, peakTraining)) / MemoryBreakdown.Mb,
                Memory = memory,
                RssSamples = clock.Samples,
                LiveTensorsAfterWarmup = clock.LiveTensorsAfterWarmup,
                LiveTensorsEnd = clock.LiveTensorsEnd,
                PageFaultsPerStep = clock.FaultsEnd - clock.FaultsAfterWarmup is { } f && timed.Count > 0 ? (double)f / timed.Count : null,
                Allocator = MallocPolicy.Description,
                GcPerStep = timed.Count > 0 ? (clock.GcEnd - clock.GcAfterWarmup) / timed.Count : null,
                LoadAverageStart = loadStart,
                LoadAverageEnd = ProcessMemory.LoadAverage(),
            };
        }
        finally
        {
            try { scratch.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Images/s of the probe's feature pass (as RowRunner runs it on the CPU: <see cref="FeatureExtractor.CpuBatch"/>), after one warm-up batch.</summary>
    static double ProbeRate(Denoiser denoiser, Tensor images)
    {
        int batch = FeatureExtractor.CpuBatch(denoiser.BackboneOptions);
        Tensor FeaturesOf(Tensor x) => denoiser.Features(x);
        using (var warm = FeatureExtractor.Extract(FeaturesOf, images.narrow(0, 0, Math.Min(batch, images.shape[0])), batch, ImageDataset.ToModelInput)) { }
        var clock = Stopwatch.StartNew();
        using var features = FeatureExtractor.Extract(FeaturesOf, images, batch, ImageDataset.ToModelInput);
        return images.shape[0] / clock.Elapsed.TotalSeconds;
    }

    static int EnsureThreads(BenchmarkOptions options, ConfigTree config)
    {
        int threads = options.Threads ?? (int)config.Int("train.threads");
        TorchRuntime.EnsureLoaded(threads);
        return threads;
    }

    /// <summary>Trainer progress sink that timestamps every step and samples VmRSS after the warm-up and periodically.</summary>
    /// <summary>
    /// Times each step after the warm-up, samples RSS, and every <paramref name="yardstickEvery"/> timed steps runs
    /// <paramref name="yardstick"/> between two steps, outside both steps' timing.
    /// </summary>
    sealed class StepClock(int warmup, int sampleEvery, int yardstickEvery, Action yardstick) : ITrainProgress
    {
        readonly List<double> stepSeconds = [];
        readonly List<RssSample> samples = [];
        long? stepStart;

        public long RssAfterWarmup { get; private set; }
        public long RssEnd { get; private set; }
        public long LiveTensorsAfterWarmup { get; private set; }
        public long LiveTensorsEnd { get; private set; }
        public long? FaultsAfterWarmup { get; private set; }
        public long? FaultsEnd { get; private set; }
        public GcCounters GcAfterWarmup { get; private set; }
        public GcCounters GcEnd { get; private set; }
        public IReadOnlyList<RssSample> Samples => samples;

        public void Start(long startStep, long totalSteps) { }

        public void Step(TrainProgressInfo info)
        {
            if (info.Step < warmup) return;
            long now = Stopwatch.GetTimestamp();
            if (stepStart is { } start) stepSeconds.Add((double)(now - start) / Stopwatch.Frequency);
            long rss = ProcessMemory.ResidentBytes() ?? 0;
            long live = Tensor.TotalCount;                    // TorchSharp's count of undisposed tensor handles
            long? faults = ProcessMemory.MinorPageFaults();
            var gc = GcCounters.Now();
            if (info.Step == warmup) (RssAfterWarmup, LiveTensorsAfterWarmup, FaultsAfterWarmup, GcAfterWarmup) = (rss, live, faults, gc);
            (RssEnd, LiveTensorsEnd, FaultsEnd, GcEnd) = (rss, live, faults, gc);
            if ((info.Step - warmup) % sampleEvery == 0 || info.Step == info.TotalSteps)
                samples.Add(new RssSample(info.Step, Math.Round(rss / 1048576.0, 1),
                    Math.Round(GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0, 1)));
            if (info.Step > warmup && info.Step < info.TotalSteps && (info.Step - warmup) % yardstickEvery == 0) yardstick();
            stepStart = Stopwatch.GetTimestamp();
        }

        public void Logged(TrainLogEntry entry) { }
        public void Stop(TrainResult result) { }

        /// <summary>Wall time of each step after the warm-up.</summary>
        public List<double> TimedStepSeconds() => stepSeconds;
    }
}

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
        var overrides = options.Precision is { } precision ? ConfigOverrides.Parse([$"train.precision={precision}"]) : null;
        var config = registry.Resolve(registry.Row(options.Row), options.Profile, overrides);
        PrecisionCheck.Require(config.Text("train.precision"), DeviceType.CPU, Bf16Support.CpuFeature());
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
            var trainOptions = BenchTrainOptions(options, config);
            // a bf16 step's products are measured against the bf16 matmul too: the rate its instructions allow
            using var bf16Yardstick = trainOptions.Precision == Kernels.ComputePrecision.Bf16 ? new MatmulOperands(options.MatmulSize, options.MatmulSize, options.MatmulSize, ScalarType.BFloat16) : null;
            var matmulBf16 = bf16Yardstick?.Measure(options.MatmulRepeats);

            // The benchmarked rows fit PCA, which needs no test split (learned tokenizers evaluate on it).
            var tokenizer = TokenizerArtifacts.GetOrBuild(config, options.Profile, new ResultStore(scratch.FullName), train, train, log);
            using var init = Seeding.Seed(config.Int("train.seed"));
            using var denoiser = new Denoiser(tokenizer, RunSettings.Schedule(config),
                RunSettings.Denoiser(config, train.Height, train.ClassNames.Count), init);
            var stepGemms = MeasureStepGemms(options, denoiser.BackboneOptions, trainOptions, threads, log);

            log.WriteLine($"[bench] training {options.WarmupSteps} + {options.Steps} steps of batch {trainOptions.BatchSize} on {trainOptions.Replicas} replica(s) …");
            using var training = TimedTraining.Run(options, config, denoiser, train, held ?? [train], trainOptions, threads, yardstick, scratch.FullName);

            log.WriteLine($"[bench] step breakdown over {options.BreakdownSteps} steps …");
            var phases = StepBreakdown.Measure(denoiser, training.Source, PretrainObjective.For(denoiser, config, CPU), trainOptions, options.BreakdownSteps);
            denoiser.eval();
            int probeImages = Math.Min(options.ProbeImages, train.Count);
            double probeRate = ProbeRate(denoiser, train.Images.narrow(0, 0, probeImages));

            foreach (var m in training.Yardsticks) matmul = matmul.Concat(m);
            matmul = matmul.Concat(yardstick.Measure(options.MatmulRepeats));
            matmulBf16 = matmulBf16?.Concat(bf16Yardstick!.Measure(options.MatmulRepeats));
            return Report(options, config, dataLabel, denoiser, trainOptions, training, matmul, stepGemms, phases, probeImages, probeRate, loadStart) with
            {
                Precision = PrecisionCheck.Describe(config.Text("train.precision"), DeviceType.CPU, Bf16Support.CpuFeature()) ?? "fp32",
                MatmulBf16 = matmulBf16,
            };
        }
        finally
        {
            try { scratch.Delete(recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The row's training options for warm-up + timed steps, with checkpoints off.</summary>
    static TrainOptions BenchTrainOptions(BenchmarkOptions options, ConfigTree config)
    {
        var trainOptions = RunSettings.Train(config) with
        {
            Epochs = null,
            TotalSteps = options.WarmupSteps + options.Steps,
            CheckpointEverySteps = 0,
            StopAfterSteps = null,
        };
        return options.Replicas is { } replicas ? trainOptions with { Replicas = replicas } : trainOptions;
    }

    /// <summary>The step's matrix products at their shapes, on every replica at once (see <see cref="StepGemms"/>).</summary>
    static StepGemmMeasurement MeasureStepGemms(BenchmarkOptions options, BackboneOptions shape, TrainOptions trainOptions, int threads, TextWriter log)
    {
        long imagesPerReplica = DataParallel.ShardSizes(trainOptions.BatchSize, trainOptions.Replicas)[0];
        log.WriteLine($"[bench] the step's products at their shapes on {trainOptions.Replicas} replica(s) …");
        return StepGemms.Measure(StepGemms.Of(shape, imagesPerReplica * shape.TokenCount), trainOptions.Replicas,
            DataParallel.ThreadsEach(threads, trainOptions.Replicas), 3 * DiffusionTransformer.FlopsPerImage(shape) * imagesPerReplica, options.StepGemmSeconds,
            trainOptions.Precision == Kernels.ComputePrecision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32);
    }

    /// <summary>The report of a finished benchmark; the thread counts, peak RSS and load average are read now, at its end.</summary>
    static BenchmarkReport Report(BenchmarkOptions options, ConfigTree config, string dataLabel, Denoiser denoiser, TrainOptions trainOptions,
        TimedTraining training, MatmulMeasurement matmul, StepGemmMeasurement stepGemms, StepPhases phases, int probeImages, double probeRate,
        double[]? loadStart)
    {
        var shape = denoiser.BackboneOptions;
        var clock = training.Clock;
        var timed = clock.TimedStepSeconds();
        return new BenchmarkReport
        {
            Row = options.Row,
            Profile = options.Profile,
            ConfigHash = config.Hash(),
            Data = dataLabel,
            Cpu = CpuName.OfThisMachine(),
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
            FinalLoss = training.Result.FinalLoss,
            Matmul = matmul,
            StepGemms = stepGemms,
            ProbeImages = probeImages,
            ProbeImagesPerSecond = probeRate,
            Phases = phases,
            RssAfterWarmupMb = clock.RssAfterWarmup / 1048576.0,
            RssEndMb = clock.RssEnd / 1048576.0,
            PeakRssMb = Math.Max(training.PeakSetupBytes, Math.Max(ProcessMemory.PeakResidentBytes() ?? 0, training.PeakTrainingBytes)) / MemoryBreakdown.Mb,
            Memory = training.Memory,
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
}

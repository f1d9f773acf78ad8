using System.Diagnostics;
using LDae.Benchmarks;
using LDae.Data;
using LDae.Evaluation;
using LDae.Evaluation.FineTuning;
using LDae.Rows;
using LDae.Harness.Config;
using LDae.Method;
using LDae.Tokenizers;
using LDae.Tokenizers.Learned;
using LDae.Training;
using static TorchSharp.torch;

namespace LDae.Estimates;

/// <summary>
/// Measures the GFLOP/s this machine reaches on one <see cref="Workload"/>: a few timed steps of the real code path
/// (the <see cref="Trainer"/> with its replicas, <see cref="FineTuner"/>, <see cref="TokenizerTrainingStep"/>, the probe's feature pass,
/// <see cref="LinearProbe"/>, <see cref="KnnProbe"/>, the perceptual network's and PCA's fits) on synthetic images of
/// the configuration's shape — the speed of this work does not depend on the pixel values — with untrained networks.
/// FLOPs are counted as <see cref="WorkModel"/> counts them, so an estimate is FLOPs / measured rate.
/// </summary>
public static class Calibration
{
    /// <summary>Timed steps (or repeats) per measurement after one or two untimed ones.</summary>
    public const int TimedSteps = 3;

    /// <summary>Achieved GFLOP/s of the workload: median over the timed steps.</summary>
    public static double Measure(Workload w, string repoRoot)
    {
        var c = w.Config;
        int size = (int)(c.IntOrNull("data.image_size") ?? DatasetSize.Of(c, repoRoot).ImageSize);
        int channels = (int)c.Int("data.channels");
        return w.Kind switch
        {
            WorkKind.Pretrain => Pretrain(c, size, channels),
            WorkKind.FineTune => FineTune(c, size, channels),
            WorkKind.Features => Features(c, size, channels),
            WorkKind.LinearProbe => Probe(c),
            WorkKind.Knn => Knn(c),
            WorkKind.TokenizerReconstruction => Tokenizer(c, size, channels, adversarial: false),
            WorkKind.TokenizerAdversarial => Tokenizer(c, size, channels, adversarial: true),
            WorkKind.PerceptualNetwork => Perceptual(c, size, channels),
            WorkKind.PcaFit => Pca(c, size, channels),
            _ => throw new ArgumentOutOfRangeException(nameof(w)),
        };
    }

    static ImageDataset Synthetic(long n, int channels, int size, Generator g) => new("synthetic",
        randint(0, 256, [n, channels, size, size], generator: g).to_type(ScalarType.Byte),
        randint(0, 10, [n], generator: g), Enumerable.Range(0, 10).Select(i => $"class {i}").ToArray());

    /// <summary>The row's tokenizer, of the right shape and untrained (PCA fitted on a few synthetic images), frozen.</summary>
    static ITokenizer UntrainedTokenizer(ConfigTree c, ImageDataset images, Generator g)
    {
        string kind = c.Text("tokenizer.kind");
        if (kind == "pixels") return new PixelTokenizer(images.Channels);
        if (kind == "pca")
        {
            using var x = ImageDataset.ToModelInput(images.Images.narrow(0, 0, Math.Min(256, images.Count)));
            return PatchPcaTokenizer.Fit(x, (int)c.Int("tokenizer.patch"), RunSettings.LatentDim(c), RunSettings.Scaling(c));
        }
        var learned = LearnedTokenizerTrainer.Create(TokenizerArtifacts.LearnedSpec(c), images.Channels, g);
        learned.Freeze();
        return learned;
    }

    static double Pretrain(ConfigTree c, int size, int channels)
    {
        var train = RunSettings.Train(c);
        // the first steps run slower while the replicas' allocator arenas and the MKL buffers settle: at the cpu shape a
        // median after 2 warm-up steps was 167 GFLOP/s, after 20 (ldae bench) 220; after 8 it is within a few % of that
        const int warmup = 8;
        using var g = new Generator(0, CPU);
        using var data = Synthetic(2L * train.BatchSize, channels, size, g);
        var tokenizer = UntrainedTokenizer(c, data, g);
        try
        {
            using var denoiser = new Denoiser(tokenizer, RunSettings.Schedule(c), RunSettings.Denoiser(c, size, 10), g);
            double flopsPerStep = 3 * Models.BackboneFlops.PerImage(denoiser.BackboneOptions) * train.BatchSize;
            var options = train with { Epochs = null, TotalSteps = warmup + TimedSteps, CheckpointEverySteps = 0, StopAfterSteps = null, LogEverySteps = 1000 };
            var clock = new StepTimes(warmup);
            var scratch = Directory.CreateTempSubdirectory("ldae-calibrate-");
            try
            {
                using var trainer = new Trainer(options, scratch.FullName, clock);
                trainer.Run(denoiser, new TensorBatchSource(data.Images, data.Labels, train.BatchSize, 0), PretrainObjective.For(denoiser, c, CPU));
            }
            finally { scratch.Delete(recursive: true); }
            return flopsPerStep / Statistics.Median(clock.Seconds) / 1e9;
        }
        finally { (tokenizer as IDisposable)?.Dispose(); }
    }

    /// <summary>
    /// A fine-tuning row's steps as <see cref="FineTuner"/> runs them — crop, RandAugment, MixUp/CutMix, drop path, AdamW
    /// with layer decay, the EMA — on the row's untrained model: each timed run is one epoch of two steps (and a
    /// one-image validation, not counted).
    /// </summary>
    static double FineTune(ConfigTree c, int size, int channels)
    {
        const int steps = 2;
        var o = FineTuneSettings.Options(c) with { Epochs = 1, WarmupEpochs = 0 };
        using var g = new Generator(0, CPU);
        using var data = Synthetic((long)steps * o.BatchSize, channels, size, g);
        using var test = Synthetic(1, channels, size, g);
        var tokenizer = c.Text("pretrain.method") == "denoising" ? UntrainedTokenizer(c, data, g) : null;
        try
        {
            using var model = tokenizer is null
                ? PretrainingMethods.Baseline(c, size, channels, g)
                : new Denoiser(tokenizer, RunSettings.Schedule(c), RunSettings.Denoiser(c, size, 10), g);
            var encoder = (IFineTunableEncoder)model;
            var readout = RunSettings.Readout(c);
            int width = (int)c.Int("backbone.width");
            double flops = FineTuneWork.TrainingFlopsPerImage(c, size) * steps * o.BatchSize;
            return flops / Timed(() => FineTuner.Run(encoder, readout, width, data, test, 10, o, CPU)) / 1e9;
        }
        finally { (tokenizer as IDisposable)?.Dispose(); }
    }

    static double Features(ConfigTree c, int size, int channels)
    {
        // the images of one default batch, in the batches a row's probe uses on the CPU
        const int images = FeatureExtractor.DefaultBatch;
        using var g = new Generator(0, CPU);
        using var data = Synthetic(images, channels, size, g);
        var tokenizer = UntrainedTokenizer(c, data, g);
        try
        {
            using var denoiser = new Denoiser(tokenizer, RunSettings.Schedule(c), RunSettings.Denoiser(c, size, 10), g);
            denoiser.eval();
            var shape = denoiser.BackboneOptions;
            int batch = FeatureExtractor.CpuBatch(shape);
            double flops = Models.BackboneFlops.PerImage(shape) * shape.EncoderDepth / shape.Depth * images;
            return flops / Timed(() =>
            {
                using var f = FeatureExtractor.Extract(x => denoiser.Features(x), data.Images, batch, ImageDataset.ToModelInput);
            }) / 1e9;
        }
        finally { (tokenizer as IDisposable)?.Dispose(); }
    }

    static double Probe(ConfigTree c)
    {
        int width = (int)c.Int("backbone.width");
        long n = 4 * c.Int("probe.batch_size");
        using var g = new Generator(0, CPU);
        using var x = randn([n, width], generator: g);
        using var y = randint(0, 10, [n], generator: g);
        var options = RunSettings.Probe(c) with { Epochs = 2, WarmupEpochs = 0 };
        double flops = WorkModel.LinearProbeFlops(width, 10) * options.Epochs * n;
        return flops / Timed(() => LinearProbe.Run(x, y, x.narrow(0, 0, 64), y.narrow(0, 0, 64), 10, options)) / 1e9;
    }

    static double Knn(ConfigTree c)
    {
        int width = (int)c.Int("backbone.width");
        const long train = 20_000, test = 2048;
        using var g = new Generator(0, CPU);
        using var bank = randn([train, width], generator: g);
        using var labels = randint(0, 10, [train], generator: g);
        using var queries = randn([test, width], generator: g);
        return 2.0 * width * train * test / Timed(() => { using var p = KnnProbe.Predict(bank, labels, queries, 10); }) / 1e9;
    }

    static double Tokenizer(ConfigTree c, int size, int channels, bool adversarial)
    {
        var spec = TokenizerArtifacts.LearnedSpec(c);
        using var g = new Generator(0, CPU);
        using var data = Synthetic(2L * spec.BatchSize, channels, size, g);
        using var model = LearnedTokenizerTrainer.Create(spec, channels, g);
        using var perceptual = spec.Perceptual ? new PerceptualNetwork(channels, 10, spec.PerceptualNetwork.Widths) : null;
        perceptual?.Freeze();
        using var discriminator = spec.Adversarial ? PatchDiscriminator.Create(channels, g, spec.DiscriminatorWidth, spec.DiscriminatorLayers) : null;
        using var step = new TokenizerTrainingStep(spec, model, perceptual, discriminator);
        var flops = TokenizerStepFlops.For(model, perceptual, discriminator, size);
        double perStep = (adversarial ? flops.AdversarialStep : flops.ReconstructionStep) * spec.BatchSize;
        long s = 0;
        return perStep / Timed(() =>
        {
            using var scope = NewDisposeScope();
            var x = TrainingData.ToModelInput(data.Images.narrow(0, s++ % 2 * spec.BatchSize, spec.BatchSize));
            var (terms, _) = step.Run(x, s, adversarial);
            _ = terms.Total.item<float>();
        }) / 1e9;
    }

    static double Perceptual(ConfigTree c, int size, int channels)
    {
        var options = TokenizerArtifacts.LearnedSpec(c).PerceptualNetwork with { Epochs = 1 };
        using var g = new Generator(0, CPU);
        using var data = Synthetic(4L * options.BatchSize, channels, size, g);
        using var test = Synthetic(64, channels, size, g);
        using var probe = new PerceptualNetwork(channels, 10, options.Widths);
        double flops = 3 * probe.FeatureFlops(size) * data.Count;
        return flops / Timed(() => PerceptualNetwork.Train(data.Images, data.Labels, test.Images, test.Labels, options).Net.Dispose()) / 1e9;
    }

    static double Pca(ConfigTree c, int size, int channels)
    {
        int patch = (int)c.Int("tokenizer.patch");
        const int n = 4096;
        using var g = new Generator(0, CPU);
        using var images = rand([n, channels, size, size], generator: g) * 2 - 1;
        double patches = (double)(size / patch) * (size / patch);
        double flops = WorkModel.PcaFlopsPerImage(patches, patch * patch * channels) * n;
        return flops / Timed(() => PatchPcaTokenizer.Fit(images, patch, 1).Dispose()) / 1e9;
    }

    /// <summary>Median seconds of <see cref="TimedSteps"/> runs of <paramref name="run"/> after one untimed run.</summary>
    static double Timed(Action run)
    {
        run();
        var seconds = new List<double>();
        for (int i = 0; i < TimedSteps; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            seconds.Add(clock.Elapsed.TotalSeconds);
            GC.Collect(0);
        }
        return Statistics.Median(seconds);
    }

    /// <summary>Wall time of each trainer step after the warm-up.</summary>
    sealed class StepTimes(int warmup) : ITrainProgress
    {
        long? last;
        public List<double> Seconds { get; } = [];
        public void Start(long startStep, long totalSteps) { }

        public void Step(TrainProgressInfo info)
        {
            long now = Stopwatch.GetTimestamp();
            if (info.Step > warmup && last is { } before) Seconds.Add((double)(now - before) / Stopwatch.Frequency);
            last = now;
        }

        public void Logged(TrainLogEntry entry) { }
        public void Stop(TrainResult result) { }
    }
}

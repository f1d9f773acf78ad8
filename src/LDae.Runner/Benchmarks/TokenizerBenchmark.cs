using System.Diagnostics;
using System.Globalization;
using LDae.Data;
using LDae.Rows;
using LDae.Harness.Experiments;
using LDae.Runtime;
using LDae.Tokenizers.Learned;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Benchmarks;

/// <summary>
/// Times the training step of a learned tokenizer artifact (<c>ldae bench --tokenizer conv-vae-p4-d3-full</c>) as
/// <see cref="LearnedTokenizerTrainer"/> runs it (<see cref="TokenizerTrainingStep"/>, the artifact's spec, the
/// row's training images and thread count), phase by phase: the reconstruction phase, and with the adversarial loss
/// the phase after the discriminator starts (by default the second half of the steps). The perceptual network has
/// random weights here: its cost does not depend on them, and the benchmark must not train one. Each network's
/// parameters and forward FLOPs are reported, so that a peer implementation of the step (bench/peer_step.py
/// --model conv-vae) can be checked against them.
/// </summary>
public static class TokenizerBenchmark
{
    /// <summary>Finds the artifact <paramref name="name"/> (e.g. <c>conv-vae-p4-d3-full</c>) among the rows of the profile and benchmarks it on the row's data.</summary>
    public static TokenizerBenchmarkReport RunArtifact(BenchmarkOptions options, string name, string repoRoot, TextWriter log)
    {
        options.Validate();
        var registry = ExperimentRegistry.Load(Harness.Repo.Experiments(repoRoot));
        name = name.StartsWith("tokenizer/", StringComparison.Ordinal) ? name["tokenizer/".Length..] : name;
        var configs = registry.Rows.Select(r => registry.Resolve(r, options.Profile))
            .Where(c => Availability.Missing(c) is null && TokenizerArtifact.For(c) is { } a && LearnedTokenizerSpec.Kinds.Contains(c.Text("tokenizer.kind")))
            .ToList();
        var config = configs.FirstOrDefault(c => TokenizerArtifact.For(c)!.Name == name)
            ?? throw new ArgumentException($"--tokenizer: no learned tokenizer '{name}' at profile {options.Profile}; there are: " +
                string.Join(", ", configs.Select(c => TokenizerArtifact.For(c)!.Name).Distinct().Order()));
        TorchRuntime.EnsureLoaded(options.Threads ?? (int)config.Int("train.threads"));
        using var data = new RowData(config, repoRoot, log);
        int fit = (int)Math.Min(config.Int("tokenizer.fit_images"), data.Train.Count);
        var spec = TokenizerArtifacts.LearnedSpec(config);
        return Run(options with { Row = name }, spec, data.Train, fit, $"{data.Train.Name}: {fit} training images", log);
    }

    /// <summary>A frozen perceptual network with Kaiming-normal weights: the shape of the trained one, for timing.</summary>
    static PerceptualNetwork RandomPerceptualNetwork(int channels, int classes, PerceptualTrainOptions options, Generator g)
    {
        var net = new PerceptualNetwork(channels, Math.Max(classes, 2), options.Widths);
        SeededInit.KaimingNormal(net, g);
        net.Freeze();
        return net;
    }

    /// <summary>Benchmarks the training step of <paramref name="spec"/> on the first <paramref name="images"/> of <paramref name="train"/>.</summary>
    public static TokenizerBenchmarkReport Run(BenchmarkOptions options, LearnedTokenizerSpec spec, ImageDataset train, int images, string dataLabel, TextWriter log)
    {
        options.Validate();
        spec.Validate();
        if (options.Threads is { } t) TorchRuntime.EnsureLoaded(t);
        int channels = train.Channels, size = train.Height;
        log.WriteLine($"[bench] {options.Row}: {get_num_threads()} thread(s); matmul {options.MatmulSize}² …");
        using var yardstick = new MatmulOperands(options.MatmulSize, options.MatmulSize, options.MatmulSize);
        var matmul = yardstick.Measure(options.MatmulRepeats);

        using var g = TrainingData.Generator(spec.Seed, "tokenizer-init");
        using var model = LearnedTokenizerTrainer.Create(spec, channels, g);
        using var perceptual = spec.Perceptual ? RandomPerceptualNetwork(channels, train.ClassNames.Count, spec.PerceptualNetwork, g) : null;
        using var discriminator = spec.Adversarial ? PatchDiscriminator.Create(channels, g, spec.DiscriminatorWidth, spec.DiscriminatorLayers) : null;
        using var step = new TokenizerTrainingStep(spec, model, perceptual, discriminator);

        var flops = TokenizerStepFlops.For(model, perceptual, discriminator, size);
        var networks = new List<TokenizerNetwork> { new(spec.Kind, model.ParameterCount, true, ConvFlops.TokenizerPerImage(model, size)) };
        if (perceptual is not null)
            networks.Add(new("perceptual network", perceptual.parameters().Sum(p => p.numel()), false, perceptual.FeatureFlops(size)));
        if (discriminator is not null)
            networks.Add(new("discriminator", discriminator.parameters().Sum(p => p.numel()), true, discriminator.ForwardFlops(size)));
        var phases = new List<TokenizerPhase>();
        long peakSetup = ProcessMemory.PeakResidentBytes() ?? 0;
        bool reset = ProcessMemory.ResetPeak();
        foreach (bool adversarial in spec.Adversarial ? new[] { false, true } : [false])
        {
            log.WriteLine($"[bench] {(adversarial ? "adversarial" : "reconstruction")} phase: {options.WarmupSteps} + {options.Steps} steps of batch {spec.BatchSize} …");
            var seconds = new List<double>();
            using var order = randperm(images, generator: g);
            for (int s = 0; s < options.WarmupSteps + options.Steps; s++)
            {
                long start = (long)s * spec.BatchSize % Math.Max(1, images - spec.BatchSize);
                var clock = Stopwatch.StartNew();
                using (NewDisposeScope())
                {
                    var x = TrainingData.ToModelInput(train.Images.index_select(0, order.narrow(0, start, spec.BatchSize)));
                    var (terms, _) = step.Run(x, s, adversarial);
                    _ = terms.Total.item<float>();   // as the trainer reads the loss every step
                }
                GC.Collect(0);
                if (s >= options.WarmupSteps) seconds.Add(clock.Elapsed.TotalSeconds);
            }
            double perImage = adversarial ? flops.AdversarialStep : flops.ReconstructionStep;
            phases.Add(new TokenizerPhase(adversarial ? "adversarial" : "reconstruction", seconds.Count, 1000 * Statistics.Median(seconds),
                spec.BatchSize / Statistics.Median(seconds), perImage));
        }
        long peak = Math.Max(reset ? ProcessMemory.PeakResidentBytes() ?? 0 : 0, ProcessMemory.ResidentBytes() ?? 0);
        matmul = matmul.Concat(yardstick.Measure(options.MatmulRepeats));
        return new TokenizerBenchmarkReport
        {
            Tokenizer = options.Row,
            Profile = options.Profile,
            Data = dataLabel,
            Cpu = CpuName.OfThisMachine(),
            Blas = Runtime.MklCodePath.Describe(),
            Threads = get_num_threads(),
            BatchSize = spec.BatchSize,
            Parameters = model.ParameterCount,
            Networks = networks,
            Phases = phases,
            AdversarialShare = spec.Adversarial ? 0.5 : 0,
            Matmul = matmul,
            PeakRssMb = peak / MemoryBreakdown.Mb,
            PeakSetupRssMb = peakSetup / MemoryBreakdown.Mb,
        };
    }
}

/// <summary>One phase of a tokenizer's training step: median step time, images/s and FLOPs per image.</summary>
public sealed record TokenizerPhase(string Name, int Steps, double StepMillisecondsMedian, double ImagesPerSecond, double FlopsPerImage)
{
    public double Gflops => FlopsPerImage * ImagesPerSecond / 1e9;
}

/// <summary>
/// One network of a tokenizer's training step: its parameter count (the frozen perceptual network's included, its
/// classifier head too), whether the step trains it, and its forward FLOPs per image as <see cref="TokenizerStepFlops"/>
/// counts them (the perceptual network's conv stages only: the distance does not run its head).
/// </summary>
public sealed record TokenizerNetwork(string Name, long Parameters, bool Trained, double ForwardFlopsPerImage);

/// <summary>What <see cref="TokenizerBenchmark"/> measured; FLOPs as <see cref="TokenizerStepFlops"/> counts them.</summary>
public sealed record TokenizerBenchmarkReport
{
    public required string Tokenizer { get; init; }
    public required string Profile { get; init; }
    public required string Data { get; init; }
    public string? Cpu { get; init; }
    /// <summary>MKL's version and the code path the matmuls ran on (<see cref="Runtime.MklCodePath"/>).</summary>
    public string? Blas { get; init; }
    public required int Threads { get; init; }
    public required int BatchSize { get; init; }
    /// <summary>Trainable parameters of the tokenizer.</summary>
    public required long Parameters { get; init; }
    /// <summary>The tokenizer, then the perceptual network and the discriminator when the spec has them.</summary>
    public required IReadOnlyList<TokenizerNetwork> Networks { get; init; }
    public required IReadOnlyList<TokenizerPhase> Phases { get; init; }
    /// <summary>Share of the training steps in the adversarial phase (the discriminator starts at half the steps).</summary>
    public required double AdversarialShare { get; init; }
    public required MatmulMeasurement Matmul { get; init; }
    public required double PeakRssMb { get; init; }
    public required double PeakSetupRssMb { get; init; }
    public string FlopsConvention => TokenizerStepFlops.Convention;

    /// <summary>Images/s over a whole training run: the phases weighted by their share of the steps.</summary>
    public double ImagesPerSecond => 1 / Phases.Sum(p => Share(p) / p.ImagesPerSecond);
    public double FlopsPerImage => Phases.Sum(p => Share(p) * p.FlopsPerImage);
    public double Gflops => FlopsPerImage * ImagesPerSecond / 1e9;
    /// <summary>Achieved GFLOP/s over the best 2048² matmul repeat (see <see cref="BenchmarkReport.TrainToMatmulRatio"/>).</summary>
    public double MatmulRatio => Gflops / Matmul.Best;

    double Share(TokenizerPhase p) => Phases.Count == 1 ? 1 : p.Name == "adversarial" ? AdversarialShare : 1 - AdversarialShare;

    public string ToJson() => ReportText.Json(this);

    public string ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        string F(double v, string format) => v.ToString(format, c);
        var rows = new List<(string, string)>
        {
            ("tokenizer / profile", $"{Tokenizer} / {Profile}"),
            ("data", Data),
            ("cpu, threads", $"{Cpu ?? "?"}; torch threads {Threads}"),
            ("blas", Blas ?? "?"),
            ("model", $"{Parameters:N0} trainable parameters, batch {BatchSize}"),
        };
        foreach (var n in Networks)
            rows.Add((n.Name, $"{n.Parameters:N0} {(n.Trained ? "trainable parameters" : "parameters (frozen, random weights)")}, " +
                $"forward {F(n.ForwardFlopsPerImage / 1e6, "0.000")} MFLOP/image"));
        foreach (var p in Phases)
            rows.Add(($"{p.Name} phase", $"{F(p.ImagesPerSecond, "0")} img/s (median step {F(p.StepMillisecondsMedian, "0.0")} ms over {p.Steps} steps), " +
                $"{F(p.FlopsPerImage / 1e6, "0.000")} MFLOP/image, {F(p.Gflops, "0.0")} GFLOP/s = {F(p.Gflops / Matmul.Best, "P0")} of matmul"));
        rows.Add(("whole run", $"{F(ImagesPerSecond, "0")} img/s, {F(FlopsPerImage / 1e6, "0.0")} MFLOP/image, {F(Gflops, "0.0")} GFLOP/s"));
        rows.Add(("matmul GFLOP/s", $"{F(Matmul.Median, "0.0")} median, {F(Matmul.Best, "0.0")} best of {Matmul.Samples.Count} repeats ({Matmul.Shape})"));
        rows.Add(("training / matmul", $"{F(MatmulRatio, "P0")} (whole run over best matmul)"));
        rows.Add(("peak RSS", $"{F(PeakRssMb, "0")} MB over the timed steps ({F(PeakSetupRssMb, "0")} MB before them)"));
        rows.Add(("FLOPs", FlopsConvention));
        return ReportText.Table(rows);
    }
}

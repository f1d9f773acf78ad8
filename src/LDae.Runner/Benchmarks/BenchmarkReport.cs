using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LDae.Benchmarks;

/// <summary>
/// What <see cref="TrainingBenchmark"/> measured for one row at one profile. FLOPs follow
/// <see cref="Models.BackboneFlops"/> (2 × multiply-adds of the backbone's matmuls, attention included);
/// a training step counts as 3 × the forward pass (the backward pass ≈ 2 × forward). The tokenizer's
/// PCA products, norms, activations, softmax, the loss and the optimizer are not counted, so achieved
/// GFLOP/s slightly understate the work done.
/// </summary>
public sealed record BenchmarkReport
{
    public const string FlopsConvention =
        "2 x multiply-adds of the backbone's matmuls (attention included; norms, activations, PCA tokenizer, loss and optimizer not counted); training step = 3 x forward";

    public required string Row { get; init; }
    public required string Profile { get; init; }
    public required string ConfigHash { get; init; }
    public required string Data { get; init; }
    public string? Cpu { get; init; }
    /// <summary>MKL's version and the code path the matmuls ran on (<see cref="Runtime.MklCodePath"/>).</summary>
    public string? Blas { get; init; }
    public required int Threads { get; init; }
    public required int InteropThreads { get; init; }
    /// <summary>Data-parallel replicas of the training step, each with Threads / Replicas torch threads.</summary>
    public required int Replicas { get; init; }
    /// <summary>OMP_WAIT_POLICY and GOMP_SPINCOUNT as libgomp saw them ("default" = neither set: long spin, then sleep).</summary>
    public required string OpenMpWait { get; init; }

    // Model
    public required int BatchSize { get; init; }
    public required int Width { get; init; }
    public required int Depth { get; init; }
    public required int Heads { get; init; }
    public required double MlpRatio { get; init; }
    public required int Tokens { get; init; }
    public required long Parameters { get; init; }
    public string FlopsConventionText => FlopsConvention;
    public required double ForwardFlopsPerImage { get; init; }
    public double TrainFlopsPerImage => 3 * ForwardFlopsPerImage;

    // Training
    public required int WarmupSteps { get; init; }
    public required int TimedSteps { get; init; }
    /// <summary>Images of the timed steps / their wall time.</summary>
    public required double TrainImagesPerSecond { get; init; }
    /// <summary>Median step time of the timed steps (robust to other processes' bursts on a shared machine).</summary>
    public required double StepMillisecondsMedian { get; init; }
    public double TrainImagesPerSecondMedian => BatchSize / (StepMillisecondsMedian / 1000);
    public double TrainGflops => TrainFlopsPerImage * TrainImagesPerSecond / 1e9;
    public double TrainGflopsMedian => TrainFlopsPerImage * TrainImagesPerSecondMedian / 1e9;
    public required double FinalLoss { get; init; }

    /// <summary>train.precision of the step: "fp32", or "bf16 on &lt;CPU feature&gt;".</summary>
    public string Precision { get; init; } = "fp32";

    // Yardsticks
    public required MatmulMeasurement Matmul { get; init; }
    /// <summary>The same square matmul in bfloat16, measured before and after training of a bf16 step (null for fp32).</summary>
    public MatmulMeasurement? MatmulBf16 { get; init; }
    /// <summary>The yardstick of the step's products: the bf16 matmul for a bf16 step, else the fp32 one.</summary>
    MatmulMeasurement ProductYardstick => MatmulBf16 ?? Matmul;
    /// <summary>The step's own products (<see cref="Benchmarks.StepGemms"/>): what a step made only of them would reach.</summary>
    public required StepGemmMeasurement StepGemms { get; init; }
    /// <summary>
    /// Median training GFLOP/s over the <em>best</em> large-matmul repeat — before, during (every
    /// <see cref="BenchmarkOptions.YardstickEvery"/> timed steps) and after training: the machine's capability. On a
    /// shared VM a repeat can run at 75 % of the others (measured: median 141, best 186 GFLOP/s in one run), and
    /// dividing by such a median flattered the ratio (73 % instead of 55 %); a yardstick taken only before and after
    /// training can likewise catch a slow minute.
    /// </summary>
    public double TrainToMatmulRatio => TrainGflopsMedian / Matmul.Best;

    // Probe feature extraction (frozen encoder, no_grad, eval mode)
    public required int ProbeImages { get; init; }
    public required double ProbeImagesPerSecond { get; init; }

    /// <summary>Median time of each phase of a step (batch, forward, backward, optimizer).</summary>
    public required StepPhases Phases { get; init; }

    // Memory
    public required double RssAfterWarmupMb { get; init; }
    public required double RssEndMb { get; init; }
    public double RssGrowthMb => RssEndMb - RssAfterWarmupMb;
    /// <summary>Peak RSS of the whole benchmark process (setup, training, probe extraction, step breakdown).</summary>
    public required double PeakRssMb { get; init; }
    /// <summary>The training steps' peak RSS and its parts.</summary>
    public required MemoryBreakdown Memory { get; init; }
    /// <summary>Live (undisposed) TorchSharp tensors after the warm-up and at the end: equal when no step leaks a tensor.</summary>
    public required long LiveTensorsAfterWarmup { get; init; }
    public required long LiveTensorsEnd { get; init; }
    /// <summary>Minor page faults per timed step (see <see cref="ProcessMemory.MinorPageFaults"/>); null where unavailable.</summary>
    public double? PageFaultsPerStep { get; init; }
    /// <summary>
    /// The .NET garbage collector per timed step: pause time and collections. The pause is the trainer's gen-0
    /// collection (it frees the TorchSharp objects dispose scopes do not release, see <see cref="Training.Trainer"/>;
    /// measured ~0.7 ms per quick step, ~0.4 ms per step when run every fourth step). The data-parallel guards (see
    /// <see cref="Training.DataParallel"/>) each count as a collection of every generation but paused ~0 ms.
    /// </summary>
    public GcCounters? GcPerStep { get; init; }
    /// <summary>(step, VmRSS MB) every few timed steps.</summary>
    public required IReadOnlyList<RssSample> RssSamples { get; init; }

    /// <summary>What <see cref="LDae.Runtime.MallocPolicy"/> set in this process.</summary>
    public string Allocator { get; init; } = "";
    public double[]? LoadAverageStart { get; init; }
    public double[]? LoadAverageEnd { get; init; }

    public string ToJson() => ReportText.Json(this);

    /// <summary>A readable two-column table.</summary>
    public string ToTable()
    {
        var c = CultureInfo.InvariantCulture;
        string F(double v, string format) => v.ToString(format, c);
        string Load(double[]? l) => l is null ? "n/a" : string.Join(" ", l.Select(v => F(v, "0.00")));
        List<(string, string)> rows =
        [
            ("row / profile", $"{Row} / {Profile} (config {ConfigHash})"),
            ("data", Data),
            ("cpu, threads", $"{Cpu ?? "?"}; torch threads {Threads}, inter-op {InteropThreads}, OpenMP wait {OpenMpWait}; training on {Replicas} data-parallel replica(s) × {Training.DataParallel.ThreadsEach(Threads, Replicas)} thread(s)"),
            ("blas", Blas ?? "?"),
            ("precision", Precision),
            ("model", $"width {Width}, depth {Depth}, heads {Heads}, mlp {F(MlpRatio, "0.#")}, {Tokens} tokens, {Parameters:N0} parameters"),
            ("batch", BatchSize.ToString(c)),
            ("FLOPs / image", $"forward {F(ForwardFlopsPerImage / 1e6, "0.00")} M, training {F(TrainFlopsPerImage / 1e6, "0.00")} M (3 × forward)"),
            ("training", $"{F(TrainImagesPerSecond, "0")} img/s over {TimedSteps} steps after {WarmupSteps} warm-up; median step {F(StepMillisecondsMedian, "0.0")} ms = {F(TrainImagesPerSecondMedian, "0")} img/s"),
            ("training GFLOP/s", $"{F(TrainGflopsMedian, "0.0")} (median step), {F(TrainGflops, "0.0")} (mean)"),
            ("matmul GFLOP/s", $"{F(Matmul.Median, "0.0")} median, {F(Matmul.Best, "0.0")} best of {Matmul.Samples.Count} repeats before, during and after training ({Matmul.Shape})"),
            .. (MatmulBf16 is { } b ? [("bf16 matmul GFLOP/s", $"{F(b.Median, "0.0")} median, {F(b.Best, "0.0")} best of {b.Samples.Count} repeats before and after training ({b.Shape})")] : Array.Empty<(string, string)>()),
            ("step's products", $"{F(StepGemms.Gflops, "0.0")} GFLOP/s = {F(StepGemms.Gflops / ProductYardstick.Best, "P0")} of the best {(MatmulBf16 is null ? "" : "bf16 ")}matmul: the linear layers' " +
                $"forward and backward products at their shapes, {StepGemms.Replicas} replica(s) × {StepGemms.ThreadsPerReplica} thread(s) at once " +
                $"({F(StepGemms.ShareOfStepFlops, "P0")} of the step's FLOPs; slowest {StepGemms.Slowest.Shape.Name} " +
                $"{StepGemms.Slowest.Shape.M}×{StepGemms.Slowest.Shape.K}·{StepGemms.Slowest.Shape.K}×{StepGemms.Slowest.Shape.N} at {F(StepGemms.Slowest.Gflops, "0")} GFLOP/s)"),
            ("training / matmul", $"{F(TrainToMatmulRatio, "P0")} (median step over best matmul)" +
                (MatmulBf16 is { } bm ? $", {F(TrainGflopsMedian / bm.Best, "P0")} of the best bf16 matmul" : "") +
                $"; {F(TrainGflopsMedian / StepGemms.Gflops, "P0")} of the step's products"),
            ("step phases", $"batch {F(Phases.BatchMs, "0.0")} ms, forward {F(Phases.ForwardMs, "0.0")} ms, backward {F(Phases.BackwardMs, "0.0")} ms, gradient sum + clip + AdamW {F(Phases.OptimizerMs, "0.0")} ms (medians of {Phases.Steps} steps)" +
                (Replicas > 1 ? $"; slowest minus fastest replica {F(Phases.ReplicaSpreadMs, "0.0")} ms" : "")),
            ("probe features", $"{F(ProbeImagesPerSecond, "0")} img/s ({ProbeImages} images, no_grad)"),
            ("RSS", $"{F(RssAfterWarmupMb, "0.0")} MB after warm-up → {F(RssEndMb, "0.0")} MB at the end: growth {F(RssGrowthMb, "+0.0;-0.0")} MB over {TimedSteps} steps"),
            ("peak RSS", $"{F(Memory.PeakTrainingMb, "0")} MB over the training steps ({F(Memory.PeakSetupMb, "0")} MB before them: data and tokenizer; {F(PeakRssMb, "0")} MB for the whole process)"),
            ("  its parts", $"dataset {F(Memory.DatasetMb, "0")} MB, parameters + gradients + AdamW (+ EMA) {F(Memory.ParametersAndOptimizerMb, "0")} MB, " +
                $"activations saved for backward {F(Memory.ActivationsPerReplicaMb, "0")} MB per replica × {Memory.Replicas}, " +
                $"allocator retention beyond the activations, runtime and the rest {F(Memory.RetainedAndOtherMb, "0")} MB " +
                $"(malloc holds {(Memory.AllocatorFreeMb is { } free ? F(free, "0") + " MB" : "n/a")} free after a step, in address space)"),
            ("live tensors", $"{LiveTensorsAfterWarmup} after warm-up → {LiveTensorsEnd} at the end"),
            ("page faults", PageFaultsPerStep is { } faults ? $"{F(faults, "0")} minor faults per timed step (allocator: {Allocator})" : "n/a"),
            ("GC", GcPerStep is { } gc ? $"{F(gc.PauseMs, "0.00")} ms paused per timed step; collections per step: gen0 {F(gc.Gen0, "0.0")}, gen1 {F(gc.Gen1, "0.0")}, gen2 {F(gc.Gen2, "0.0")}" : "n/a"),
            ("final loss", F(FinalLoss, "0.0000")),
            ("load average", $"{Load(LoadAverageStart)} at start, {Load(LoadAverageEnd)} at end"),
        ];
        return ReportText.Table(rows);
    }
}

/// <summary>How the benchmarks' reports are written: snake_case JSON, and a two-column text table.</summary>
static class ReportText
{
    static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Json<T>(T report) => JsonSerializer.Serialize(report, Options) + "\n";

    public static string Table(IReadOnlyList<(string Key, string Value)> rows)
    {
        int w = rows.Max(r => r.Key.Length);
        var sb = new StringBuilder();
        foreach (var (k, v) in rows) sb.Append(k.PadRight(w)).Append("  ").AppendLine(v);
        return sb.ToString();
    }
}

/// <summary>VmRSS after a given number of completed training steps, and how much of it the .NET GC has committed.</summary>
public readonly record struct RssSample(long Step, double Mb, double ManagedMb);

/// <summary>The garbage collector's cumulative pause time and collection counts (or their difference, or a per-step share).</summary>
public readonly record struct GcCounters(double PauseMs, double Gen0, double Gen1, double Gen2)
{
    public static GcCounters Now() => new(GC.GetTotalPauseDuration().TotalMilliseconds,
        GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));

    public static GcCounters operator -(GcCounters a, GcCounters b) =>
        new(a.PauseMs - b.PauseMs, a.Gen0 - b.Gen0, a.Gen1 - b.Gen1, a.Gen2 - b.Gen2);

    public static GcCounters operator /(GcCounters a, double steps) =>
        new(a.PauseMs / steps, a.Gen0 / steps, a.Gen1 / steps, a.Gen2 / steps);
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace LDae.Harness.Results;

/// <summary>Where a result came from: enough to rerun it and to judge it.</summary>
public sealed record Provenance
{
    public required string GitCommit { get; init; }
    public required bool GitDirty { get; init; }
    public required int MethodVersion { get; init; }
    public required string TorchSharpVersion { get; init; }
    public required string LibTorchVersion { get; init; }
    public required string Device { get; init; }
    public required int Threads { get; init; }
    public required long Seed { get; init; }
    public required string Machine { get; init; }
    public required string Dotnet { get; init; }
    public required DateTimeOffset StartedUtc { get; init; }
    public required DateTimeOffset FinishedUtc { get; init; }
    /// <summary>
    /// The SHA-256 the data cache file the row read ends with: names that file's bytes on the machine that ran the row
    /// (its key holds the source's path and time), so it is not compared across machines; <c>ldae results stamp</c>
    /// proves by it that a result without a <see cref="RowMetrics.DataDigest"/> was made from a cache file on this
    /// machine. What the data was is <see cref="RowMetrics.DataDigest"/>.
    /// </summary>
    public string? DataSha256 { get; init; }
    /// <summary>
    /// MKL's version and the code path libtorch's matmuls ran on (its generic AVX2 path, AVX-512, …): another path is
    /// another order of float operations. Null off Linux, on the GPU, and in results written before it was recorded.
    /// </summary>
    public string? Blas { get; init; }

    /// <summary>
    /// The training step's precision (train.precision) and, for bf16 on a CPU, the instruction set its products ran
    /// on (e.g. "bf16 on avx512_bf16"). Null where the run recorded none (fp32).
    /// </summary>
    public string? Precision { get; init; }
}

/// <summary>
/// The tokenizer weights a row trained and probed on: the artifact's folder under <c>results/&lt;profile&gt;/tokenizers/</c>
/// and <see cref="Experiments.TokenizerArtifact.WeightsSha256"/> of it when the row ran.
/// </summary>
public sealed record TokenizerWeights(string Folder, string Sha256);

/// <summary>The probe settings a row ran with (the resolved probe.* keys), as recorded in metrics.json.</summary>
public sealed record ProbeSetup
{
    /// <summary>The <see cref="Features"/> of a fine-tuning row: no frozen features, the encoder fine-tuned end to end.</summary>
    public const string FineTuned = "fine-tuned";

    /// <summary>The time step the encoder was told; null for raw pixels (no encoder).</summary>
    public int? T { get; init; }
    /// <summary>Whether the input was noised at t's level (false: clean input).</summary>
    public bool NoisyInput { get; init; }
    /// <summary>The blocks the probe read after (the encoder/decoder split); null for raw pixels.</summary>
    public int? Blocks { get; init; }
    /// <summary>"cached" (one pass over the stored images), "augmented" (MAE's crops and flips, features recomputed every epoch) or "fine-tuned" (no frozen features: the encoder fine-tuned end to end).</summary>
    public required string Features { get; init; }
    /// <summary>The linear probe's "sgd" or "lars"; a fine-tuned row's "adamw" (the fine-tuning recipe's).</summary>
    public required string Optimizer { get; init; }
}

/// <summary>
/// Mean and standard deviation over every entry of the test split's probe features (the fixed view the linear probe
/// is tested and kNN runs on): a fingerprint of the encoder the probe read, exact for a repeated run on one machine.
/// </summary>
public sealed record FeatureFingerprint(double Mean, double Sd);

/// <summary>
/// Generation quality of a trained row (<c>ldae fid</c>): a Fréchet distance between generated and real test images in
/// the feature space of <see cref="FeatureNetwork"/>. <see cref="Metric"/> says which: "FID" (Inception-v3) or
/// "FD-classifier" (a classifier trained on the dataset) — the two are not on one scale.
/// </summary>
public sealed record GenerationMetrics
{
    public required string Metric { get; init; }
    public required double Value { get; init; }
    public required string FeatureNetwork { get; init; }
    /// <summary>Test top-1 (%) of the classifier used as the feature network; null for Inception.</summary>
    public double? ClassifierTop1 { get; init; }
    /// <summary>Generated images, and real test images they are compared with.</summary>
    public required int Samples { get; init; }
    public required string Sampler { get; init; }
    public required int Steps { get; init; }
    public double Guidance { get; init; } = 1.0;
    /// <summary>The same distance between two disjoint halves of the real test images: the floor at this sample count.</summary>
    public double? RealFloor { get; init; }
    /// <summary>Which real test images the samples were compared with (null: the first ones, in results written before it was recorded).</summary>
    public string? Reference { get; init; }
    public required double SampleSeconds { get; init; }
    /// <summary>The sample grid, relative to the row's folder.</summary>
    public required string Grid { get; init; }
}

/// <summary>
/// metrics.json of one row: the measured numbers. Written last and atomically, so its presence means the row
/// completed. Accuracies are percentages (top-1 × 100), like the paper's tables.
/// </summary>
public sealed record RowMetrics
{
    public required string Row { get; init; }
    public required string Profile { get; init; }
    public required string ConfigHash { get; init; }
    /// <summary>The tokenizer artifact used, e.g. <c>pca-p7-d3</c>; "none" for raw pixels.</summary>
    public required string Tokenizer { get; init; }
    /// <summary>Which trained artifact of <see cref="Tokenizer"/> the row used; null without one (pixels, MAE, MoCo v3) and in results written before it was recorded.</summary>
    public TokenizerWeights? TokenizerWeights { get; init; }
    /// <summary>
    /// The content digest of the data the row trained and was evaluated on (SHA-256 of the decoded pixels and labels
    /// of both splits in a canonical layout: <c>LDae.Data.DataDigest</c>), the same for any copy of the same data. A
    /// result whose digest differs from the data's now, or that records none, is out of date (<see cref="DataCheck"/>).
    /// </summary>
    public string? DataDigest { get; init; }
    /// <summary>Linear-probe top-1; for a fine-tuning row (<see cref="ProbeSetup.Features"/> "fine-tuned") the fine-tuned classifier's top-1, and no train top-1 or kNN.</summary>
    public double? ProbeTop1 { get; init; }
    public double? ProbeTrainTop1 { get; init; }
    public double? KnnTop1 { get; init; }
    public double? FinalLoss { get; init; }
    /// <summary>Original-image loss: the part inside the PCA subspace and the residual part (unweighted).</summary>
    public double? FinalLossSubspace { get; init; }
    public double? FinalLossResidual { get; init; }
    public long PretrainSteps { get; init; }
    public long Parameters { get; init; }
    public double PretrainSeconds { get; init; }
    public double ImagesPerSecond { get; init; }
    public double ProbeSeconds { get; init; }
    public double WallSeconds { get; init; }
    /// <summary>FID proper (Inception-v3 features) when measured; see <see cref="Generation"/> for any Fréchet distance.</summary>
    public double? Fid { get; init; }
    /// <summary>Generation quality (<c>ldae fid</c>); null until measured.</summary>
    public GenerationMetrics? Generation { get; init; }
    /// <summary>How the linear probe and kNN read the features; null in results written before it was recorded.</summary>
    public ProbeSetup? Probe { get; init; }
    /// <summary>The test features' fingerprint of this run; null for a fine-tuning row, a seeds' aggregate and results written before it was recorded.</summary>
    public FeatureFingerprint? ProbeFeatures { get; init; }
    /// <summary>A probe-only row: the row whose pretrained weights were probed (this row trained nothing).</summary>
    public string? WeightsFrom { get; init; }
    /// <summary>Set when another row has the same resolved config (e.g. augmentation/center-crop is the l-DAE itself): its result is reused, not retrained.</summary>
    public string? SameAs { get; init; }
    /// <summary>Command-line overrides (<c>--set key=value</c>) the row ran with; null when it ran as configured.</summary>
    public IReadOnlyDictionary<string, string>? Overrides { get; init; }
    /// <summary>The seed (1…n) this run is, in its row's <c>seed-k</c> folder; null for a row that ran one seed in its own folder.</summary>
    public int? Seed { get; init; }
    /// <summary>
    /// A row that ran n &gt; 1 seeds: each seed's numbers and, per metric, mean, sd, n and 95 % CI (the figures' error
    /// bars: <c>Seeds.ProbeTop1.Sd</c>). Then ProbeTop1, KnnTop1, FinalLoss and Fid above are the seeds' means. Null
    /// for a single run.
    /// </summary>
    public SeedSummary? Seeds { get; init; }
    public required Provenance Provenance { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    public static RowMetrics FromJson(string json, string where)
    {
        try
        {
            return JsonSerializer.Deserialize<RowMetrics>(json, Json) ?? throw new InvalidDataException($"{where}: empty metrics");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: not a metrics file ({e.Message})", e);
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;
using LDae.Files;

namespace LDae.Harness.Regression;

/// <summary>A metric's measured spread over a row's seeds and the bound it gives (points, or relative for the loss).</summary>
public sealed record MetricBound(double Bound, double Mean, double Sd, int N);

/// <summary>One row's bounds; a metric the row does not have (no pretraining: no loss) is null.</summary>
public sealed record RowTolerance(MetricBound? ProbeTop1, MetricBound? KnnTop1, MetricBound? FinalLoss);

/// <summary>
/// tests/LDae.Regression.Tests/tolerances.json: each measured row's bounds, with the rule and the command that made
/// them (<see cref="ToleranceMeasurement"/>).
/// </summary>
public sealed record ToleranceFile(string Rule, string Command, string Profile, int Seeds, string? Commit, IReadOnlyDictionary<string, RowTolerance> Rows)
{
    public const string FileName = "tolerances.json";

    public static ToleranceFile? TryRead(string path) => ToleranceJson.TryRead<ToleranceFile>(path);

    public void Write(string path) => ToleranceJson.Write(path, this);
}

/// <summary>
/// One table step (a row against the row its Δ is measured from) whose probe top-1 Δ the seeds resolve: the per-seed
/// Δs (seed 1 first), their mean, sd and 95 % CI, its sign and the band a single-seed Δ must stay in.
/// </summary>
public sealed record StepSnapshot(string From, string To, IReadOnlyList<double> Deltas, double Delta, double Sd, double CiLow, double CiHigh, int Sign, double Band)
{
    /// <summary>
    /// Null when a single-seed Δ <paramref name="now"/> is what this step allows; else why not. A Δ past 0 on the
    /// other side counts as flipped only beyond <see cref="ToleranceRule.StepFloorPoints"/>, and only for a step whose
    /// seed 1 (the run CI repeats) had the step's sign: a seed-1 Δ already of the other sign is not a regression.
    /// </summary>
    public string? Check(double now)
    {
        var problems = new List<string>();
        if (Math.Abs(now - Delta) > Band + 1e-9) problems.Add($"moved beyond its band {Delta:+0.0#;−0.0#} ± {Band:0.0#}");
        bool seedOneHeld = Deltas.Count > 0 && Math.Sign(Deltas[0]) == Sign;
        if (seedOneHeld && Math.Sign(now) == -Sign && Math.Abs(now) > ToleranceRule.StepFloorPoints)
            problems.Add($"flipped: the step's sign is {(Sign > 0 ? "+" : "−")}");
        return problems.Count == 0 ? null : $"{From} → {To}: Δ {now:+0.0#;−0.0#} " + string.Join("; ", problems);
    }
}

/// <summary>tests/LDae.Regression.Tests/step-snapshots.json: the steps CI guards, with the rule and the command that made them.</summary>
public sealed record StepSnapshotFile(string Rule, string Command, string Profile, int Seeds, string? Commit, IReadOnlyList<StepSnapshot> Steps)
{
    public const string FileName = "step-snapshots.json";

    public static StepSnapshotFile? TryRead(string path) => ToleranceJson.TryRead<StepSnapshotFile>(path);

    public void Write(string path) => ToleranceJson.Write(path, this);
}

static class ToleranceJson
{
    static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // the rule's text keeps its σ, √ and Δ readable in the committed file
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static T? TryRead<T>(string path) where T : class =>
        File.Exists(path) ? JsonSerializer.Deserialize<T>(File.ReadAllText(path), Options) ?? throw new InvalidDataException($"{path}: empty") : null;

    public static void Write<T>(string path, T value) => AtomicFile.WriteText(path, JsonSerializer.Serialize(value, Options) + "\n");
}

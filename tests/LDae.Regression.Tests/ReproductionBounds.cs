using System.Text.Json;
using System.Text.Json.Serialization;
using LDae.Harness;
using LDae.Harness.Regression;

namespace LDae.Regression.Tests;

/// <summary>
/// How far one row's numbers may move from its snapshot run and still be the same computation: accuracies in
/// points, the losses and the feature sd relative, the feature mean in units of the feature sd.
/// </summary>
public sealed record RowReproductionBounds(
    [property: JsonPropertyName("accuracy_points")] double AccuracyPoints,
    [property: JsonPropertyName("final_loss")] double FinalLoss,
    [property: JsonPropertyName("early_losses")] IReadOnlyList<double> EarlyLosses,
    [property: JsonPropertyName("feature_mean_in_sd")] double FeatureMeanInSd,
    [property: JsonPropertyName("feature_sd")] double FeatureSd);

/// <summary>reproduction-bounds.json: how the bounds were measured, the floors, and each measured row's bounds.</summary>
public sealed record ReproductionBoundsFile(
    [property: JsonPropertyName("rule")] string Rule,
    [property: JsonPropertyName("command")] string Command,
    [property: JsonPropertyName("floors")] RowReproductionBounds Floors,
    [property: JsonPropertyName("rows")] IReadOnlyDictionary<string, RowReproductionBounds> Rows);

/// <summary>
/// The numerical tolerance of the reproduction check: the float differences of another order of operations (MKL's
/// AVX2 path against its AVX-512 one), never a change of what is computed. Each row's bound is its measured
/// difference between the two paths times a margin, at least a floor (reproduction-bounds.json beside this file,
/// written by scripts/reproduction-differences.py; docs/statistics.md, "Reproduction snapshots"). A row the file
/// does not name is held to the floors.
/// </summary>
public static class ReproductionBounds
{
    public const string FileName = "reproduction-bounds.json";

    public static readonly ReproductionBoundsFile Measured =
        JsonSerializer.Deserialize<ReproductionBoundsFile>(File.ReadAllText(Path.Combine(ToleranceTarget.TestsDir(Repo.Root()), FileName)))
        ?? throw new InvalidDataException($"{FileName} is empty");

    public static RowReproductionBounds For(string row) => Measured.Rows.TryGetValue(row, out var b) ? b : Measured.Floors;
}

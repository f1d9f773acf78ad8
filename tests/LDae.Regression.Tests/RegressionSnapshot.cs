using System.Globalization;
using System.Text;
using LDae.Harness.Results;
using LDae.Training;

namespace LDae.Regression.Tests;

/// <summary>
/// What CI remembers of a row: its identity exactly, its metrics within <see cref="MetricTolerances"/> (is the change a
/// regression beyond the seed spread?), and with <see cref="Reproduction"/> its metrics and fingerprint within
/// <see cref="ReproductionBounds"/> (does the method still compute what it computed?).
/// </summary>
public sealed record RegressionSnapshot(string Row, string ConfigHash, string Tokenizer, double? ProbeTop1, double? KnnTop1, double? FinalLoss)
{
    /// <summary>The run's fingerprint; null in a snapshot written before it was recorded.</summary>
    public Reproduction? Reproduction { get; init; }

    public static RegressionSnapshot Of(RowMetrics m) => new(m.Row, m.ConfigHash, m.Tokenizer, m.ProbeTop1, m.KnnTop1, m.FinalLoss);

    /// <summary>The row's metrics and the fingerprint of its run, whose training log is <paramref name="trainingLog"/>.</summary>
    public static RegressionSnapshot Of(RowMetrics m, string trainingLog) => Of(m) with { Reproduction = Reproduction.Of(m, trainingLog) };
}

/// <summary>
/// A cheap fingerprint of one run beside its metrics: the first logged training losses (each the mean of the steps
/// since the line before), the probe's train top-1 and the mean and sd of the test features. A run on one machine
/// with one seed and thread count repeats all of it bit for bit (DeterminismTests).
/// </summary>
public sealed record Reproduction(IReadOnlyList<double> EarlyLosses, double? ProbeTrainTop1, double? FeatureMean, double? FeatureSd)
{
    /// <summary>How many logged losses the fingerprint keeps: the first ones, before the float differences of another code path grow.</summary>
    public const int LoggedLosses = 3;

    public static Reproduction Of(RowMetrics m, string trainingLog) =>
        new(TrainLogEntry.ReadAll(trainingLog).Take(LoggedLosses).Select(e => e.Loss).ToList(),
            m.ProbeTrainTop1, m.ProbeFeatures?.Mean, m.ProbeFeatures?.Sd);
}

/// <summary>One metric outside its tolerance.</summary>
public sealed record Deviation(string Row, string Metric, string Snapshot, string Now, string Tolerance);

public static class MetricComparison
{
    /// <summary>Every field of <paramref name="now"/> that moved beyond its row's tolerance (<see cref="MetricTolerances.For(string)"/>) from <paramref name="snapshot"/>.</summary>
    public static IReadOnlyList<Deviation> Compare(RegressionSnapshot snapshot, RegressionSnapshot now) =>
        Compare(snapshot, now, MetricTolerances.For(snapshot.Row));

    /// <summary>Every field of <paramref name="now"/> that moved beyond <paramref name="bounds"/> from <paramref name="snapshot"/>.</summary>
    public static IReadOnlyList<Deviation> Compare(RegressionSnapshot snapshot, RegressionSnapshot now, RowBounds bounds)
    {
        var deviations = new List<Deviation>();
        void Exact(string metric, string a, string b)
        {
            if (a != b) deviations.Add(new Deviation(now.Row, metric, a, b, "exact"));
        }
        void Absolute(string metric, double? a, double? b, double tolerance)
        {
            if (a is null && b is null) return;
            // a bound is inclusive: 61.2 − 60 is 1.2000000000000028 in doubles
            if (a is null || b is null || Math.Abs(a.Value - b.Value) > tolerance + 1e-9)
                deviations.Add(new Deviation(now.Row, metric, Show(a), Show(b), $"± {tolerance.ToString(CultureInfo.InvariantCulture)}"));
        }
        void Relative(string metric, double? a, double? b, double tolerance)
        {
            if (a is null && b is null) return;
            if (a is null || b is null || Math.Abs(a.Value - b.Value) > tolerance * Math.Abs(a.Value))
                deviations.Add(new Deviation(now.Row, metric, Show(a), Show(b), $"± {tolerance * 100:0.0#}% rel"));
        }
        Exact("row", snapshot.Row, now.Row);
        Exact("config_hash", snapshot.ConfigHash, now.ConfigHash);
        Exact("tokenizer", snapshot.Tokenizer, now.Tokenizer);
        Absolute("probe_top1", snapshot.ProbeTop1, now.ProbeTop1, bounds.ProbeTop1Points);
        Absolute("knn_top1", snapshot.KnnTop1, now.KnnTop1, bounds.KnnTop1Points);
        Relative("final_loss", snapshot.FinalLoss, now.FinalLoss, bounds.FinalLossRelative);
        return deviations;
    }

    /// <summary>The table printed on failure: row, metric, snapshot, now, tolerance.</summary>
    public static string Table(IEnumerable<Deviation> deviations)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{"row",-36} {"metric",-12} {"snapshot",-18} {"now",-18} tolerance");
        foreach (var d in deviations) sb.AppendLine($"{d.Row,-36} {d.Metric,-12} {d.Snapshot,-18} {d.Now,-18} {d.Tolerance}");
        sb.Append("If the change is intended: ./build.sh --target=accept-snapshots (and, when it changes a row's spread, ./build.sh --target=measure-tolerances --profile=ci), then review and commit the diff.");
        return sb.ToString();
    }

    static string Show(double? v) => v?.ToString("0.######", CultureInfo.InvariantCulture) ?? "null";

    /// <summary>
    /// Every number of <paramref name="now"/> that is not <paramref name="snapshot"/>'s within the row's reproduction
    /// bounds (<see cref="ReproductionBounds.For"/>): the metrics and the fingerprint. Empty when the method computes what it computed.
    /// </summary>
    public static IReadOnlyList<Deviation> CompareReproduction(RegressionSnapshot snapshot, RegressionSnapshot now) =>
        CompareReproduction(snapshot, now, ReproductionBounds.For(snapshot.Row));

    public static IReadOnlyList<Deviation> CompareReproduction(RegressionSnapshot snapshot, RegressionSnapshot now, RowReproductionBounds bounds)
    {
        var deviations = new List<Deviation>();
        // scale: what the bound is relative to (1 for points; the snapshot's value, or its feature sd, for relative bounds)
        void Check(string metric, double? a, double? b, double bound, double? scale, string unit)
        {
            if (a is null && b is null) return;
            double allowed = bound * Math.Abs(scale ?? 1);
            if (a is null || b is null || !(Math.Abs(a.Value - b.Value) <= allowed + 1e-12))
                deviations.Add(new Deviation(now.Row, metric, ShowExact(a), ShowExact(b), $"± {bound.ToString("G3", CultureInfo.InvariantCulture)}{unit}"));
        }
        Check("probe_top1", snapshot.ProbeTop1, now.ProbeTop1, bounds.AccuracyPoints, null, " points");
        Check("knn_top1", snapshot.KnnTop1, now.KnnTop1, bounds.AccuracyPoints, null, " points");
        Check("final_loss", snapshot.FinalLoss, now.FinalLoss, bounds.FinalLoss, snapshot.FinalLoss, " rel");
        var (a, b) = (snapshot.Reproduction, now.Reproduction);
        if (a is null || b is null)
        {
            if (a != b) deviations.Add(new Deviation(now.Row, "fingerprint", a is null ? "none" : "recorded", b is null ? "none" : "recorded", "both"));
            return deviations;
        }
        Check("train_top1", a.ProbeTrainTop1, b.ProbeTrainTop1, bounds.AccuracyPoints, null, " points");
        Check("feature_mean", a.FeatureMean, b.FeatureMean, bounds.FeatureMeanInSd, a.FeatureSd, " sd");
        Check("feature_sd", a.FeatureSd, b.FeatureSd, bounds.FeatureSd, a.FeatureSd, " rel");
        if (a.EarlyLosses.Count != b.EarlyLosses.Count)
            deviations.Add(new Deviation(now.Row, "early_losses", $"{a.EarlyLosses.Count} logged", $"{b.EarlyLosses.Count} logged", "same count"));
        else
            for (int i = 0; i < a.EarlyLosses.Count; i++)
                Check($"loss[{i}]", a.EarlyLosses[i], b.EarlyLosses[i], bounds.EarlyLosses[Math.Min(i, bounds.EarlyLosses.Count - 1)], a.EarlyLosses[i], " rel");
        return deviations;
    }

    /// <summary>The table printed when a row no longer reproduces its snapshot run.</summary>
    public static string ReproductionTable(IEnumerable<Deviation> deviations)
    {
        var sb = new StringBuilder();
        sb.AppendLine("The row no longer reproduces its snapshot run: the method computes other numbers than it did (whether that is a");
        sb.AppendLine("regression beyond the seed spread is the other test's question).");
        sb.AppendLine($"{"row",-36} {"metric",-12} {"snapshot",-22} {"now",-22} tolerance");
        foreach (var d in deviations) sb.AppendLine($"{d.Row,-36} {d.Metric,-12} {d.Snapshot,-22} {d.Now,-22} {d.Tolerance}");
        sb.Append("If the change of the numbers is deliberate (docs/statistics.md, \"Reproduction snapshots\"): ./build.sh --target=accept-snapshots, review and commit the diff.");
        return sb.ToString();
    }

    static string ShowExact(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "null";
}

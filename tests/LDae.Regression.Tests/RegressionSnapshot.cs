using System.Globalization;
using System.Text;
using LDae.Harness.Results;

namespace LDae.Regression.Tests;

/// <summary>What CI remembers of a row: its identity exactly, its metrics within <see cref="MetricTolerances"/>.</summary>
public sealed record RegressionSnapshot(string Row, string ConfigHash, string Tokenizer, double? ProbeTop1, double? KnnTop1, double? FinalLoss)
{
    public static RegressionSnapshot Of(RowMetrics m) => new(m.Row, m.ConfigHash, m.Tokenizer, m.ProbeTop1, m.KnnTop1, m.FinalLoss);
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
}

using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Harness.Regression;

/// <summary>What one measurement gives: the rows' bounds, the guarded steps, and the rows it could not measure and why.</summary>
public sealed record MeasuredTolerances(ToleranceFile Tolerances, StepSnapshotFile Steps, IReadOnlyList<string> Unmeasured)
{
    /// <summary>What the build prints: how many rows and steps were written, and each row left out.</summary>
    public IEnumerable<string> Describe()
    {
        yield return $"tolerances: {Tolerances.Rows.Count} rows at {Tolerances.Seeds} seeds, {Steps.Steps.Count} steps whose CI excludes 0";
        foreach (var row in Unmeasured) yield return $"  not measured (global bounds): {row}";
    }
}

/// <summary>
/// The regression bounds and step snapshots from a results tree in which every row ran several seeds
/// (<c>./build.sh --target=measure-tolerances</c>), for the rows the suite runs (<see cref="RegressionRows"/>; a
/// measured row outside them is not written): each row's bound from its own seed spread
/// (<see cref="ToleranceRule"/>), and every table step whose paired 95 % CI of the probe top-1 Δ excludes 0.
/// A row without a result of its current configuration, or with fewer than <see cref="ToleranceRule.MinimumSeeds"/>
/// seeds, is left out (its snapshot keeps the global bounds) and named in <see cref="MeasuredTolerances.Unmeasured"/>.
/// </summary>
public static class ToleranceMeasurement
{
    public static MeasuredTolerances From(ExperimentRegistry registry, ResultStore store, string profile, string command,
        int minimumSeeds = ToleranceRule.MinimumSeeds)
    {
        var measured = new Dictionary<string, RowMetrics>(StringComparer.Ordinal);
        var unmeasured = new List<string>();
        foreach (var row in RegressionRows.Of(registry, profile).Select(registry.Row))
        {
            var m = store.TryLoad(profile, row.FullId);
            string? why = m is null ? "no result"
                : m.ConfigHash != registry.Resolve(row, profile).Hash() ? "a result of another configuration"
                : m.Seeds is not { } s || s.N < minimumSeeds ? $"{m.Seeds?.N ?? 1} seed(s), {minimumSeeds} needed"
                : null;
            if (why is null) measured[row.FullId] = m!;
            else unmeasured.Add($"{row.FullId}: {why}");
        }

        var rows = new SortedDictionary<string, RowTolerance>(StringComparer.Ordinal);
        foreach (var (id, m) in measured) rows[id] = RowBounds(m.Seeds!);

        var steps = new List<StepSnapshot>();
        foreach (var table in registry.Tables)
            for (int i = 0; i < table.Rows.Count; i++)
                if (table.PreviousId(i) is { } p
                    && measured.TryGetValue(table.Rows[i].FullId, out var to) && measured.TryGetValue(p, out var from)
                    && Step(p, from.Seeds!, table.Rows[i].FullId, to.Seeds!) is { } step)
                    steps.Add(step);

        int seeds = measured.Count == 0 ? 0 : measured.Values.Min(m => m.Seeds!.N);
        // the commit(s) the seeds ran on, from their provenance
        var commits = measured.Values.Select(m => m.Provenance.GitCommit).Distinct().Order(StringComparer.Ordinal).ToList();
        string? commit = commits.Count == 0 ? null : string.Join(", ", commits);
        return new MeasuredTolerances(
            new ToleranceFile(ToleranceRule.Text, command, profile, seeds, commit, rows),
            new StepSnapshotFile(ToleranceRule.StepText, command, profile, seeds, commit, steps),
            unmeasured);
    }

    /// <summary>A row's bounds from its seeds' spread.</summary>
    public static RowTolerance RowBounds(SeedSummary seeds)
    {
        static MetricBound? Bound(SeedStatistic? s, Func<SeedStatistic, double> bound) =>
            s is { Sd: { } sd } ? new MetricBound(bound(s), s.Mean, sd, s.N) : null;
        return new RowTolerance(
            Bound(seeds.ProbeTop1, s => ToleranceRule.Accuracy(s.Sd!.Value)),
            Bound(seeds.KnnTop1, s => ToleranceRule.Accuracy(s.Sd!.Value)),
            Bound(seeds.FinalLoss, s => ToleranceRule.Loss(s.Sd!.Value, s.Mean)));
    }

    /// <summary>The step's snapshot when both rows ran the same seeds and the paired CI of the probe top-1 Δ excludes 0; else null.</summary>
    public static StepSnapshot? Step(string from, SeedSummary previous, string to, SeedSummary row)
    {
        var (a, b) = (row.PerSeed(v => v.ProbeTop1), previous.PerSeed(v => v.ProbeTop1));
        if (!a.Keys.ToHashSet().SetEquals(b.Keys)) return null;
        if (SeedStatistics.Delta(a, b) is not { Paired: true, ExcludesZero: true } ci) return null;
        var deltas = a.Keys.Order().Select(k => Math.Round(a[k] - b[k], 6)).ToList();
        var sd = SeedStatistics.Summarize(deltas)!.Sd!.Value;
        return new StepSnapshot(from, to, deltas, Math.Round(ci.Delta, 6), Math.Round(sd, 6), Math.Round(ci.CiLow, 6), Math.Round(ci.CiHigh, 6),
            Math.Sign(ci.Delta), ToleranceRule.StepBand(sd, deltas.Count));
    }
}

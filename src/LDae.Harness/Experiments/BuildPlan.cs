namespace LDae.Harness.Experiments;

public enum PlanTargetKind { Row, Table, Tokenizer, Group }

/// <summary>One build target: a row, a table, a shared artifact, or a group.</summary>
public sealed record PlanTarget(string Name, PlanTargetKind Kind, IReadOnlyList<string> DependsOn, string Description)
{
    /// <summary>For rows: "not available yet: …" when the method lacks a part it needs.</summary>
    public string? Unavailable { get; init; }
}

/// <summary>
/// The build graph generated from experiments/*.yaml for one profile: one target per row, per table, per
/// tokenizer artifact, <c>tables</c> (all rows) and <c>regression-rows</c> (the rows the regression suite runs). A row depends on its tokenizer artifact and, when it only
/// re-probes another row's weights, on that row (<see cref="PretrainingSource"/>). With n &gt; 1 seeds each row has
/// a target per seed (<c>table3/pca-ddm/seed-2</c>, <see cref="SeedRuns"/>) carrying those dependencies (seed k of a
/// probe-only row on seed k of its source), and the row's own target, which aggregates them, depends on its seeds.
/// build/build.cake only wires these to Cake.
/// </summary>
public static class BuildPlan
{
    public const string AllTables = "tables";

    /// <summary>The rows the regression suite runs (<see cref="Regression.RegressionRows"/>): what measuring its tolerances needs.</summary>
    public const string RegressionRowsGroup = "regression-rows";

    /// <summary>
    /// The graph of <paramref name="profile"/>; with <paramref name="overrides"/> (a build's <c>--set</c>) its rows
    /// are resolved with them, so a row depends on the tokenizer artifact it will load (a changed tokenizer key
    /// names another artifact).
    /// </summary>
    public static IReadOnlyList<PlanTarget> For(ExperimentRegistry registry, string profile, int seeds = 1, Config.ConfigOverrides? overrides = null)
    {
        var targets = new List<PlanTarget>();
        var tokenizers = new SortedDictionary<string, PlanTarget>(StringComparer.Ordinal);
        foreach (var table in registry.Tables)
        {
            foreach (var row in table.Rows)
            {
                var config = registry.Resolve(row, profile, overrides);
                var missing = Availability.Missing(config);
                var deps = new List<string>();
                if (missing is null && TokenizerArtifact.For(config) is { } artifact)
                {
                    deps.Add(artifact.Target);
                    tokenizers.TryAdd(artifact.Target, new PlanTarget(artifact.Target, PlanTargetKind.Tokenizer, [], $"fit/train the tokenizer {artifact.Name}"));
                }
                // A probe-only row probes the weights its source row pretrains.
                var source = missing is null ? PretrainingSource.For(registry, row, profile) : null;
                if (seeds == 1)
                {
                    if (source is not null) deps.Add(source.FullId);
                    targets.Add(new PlanTarget(row.FullId, PlanTargetKind.Row, deps, row.Title) { Unavailable = missing });
                    continue;
                }
                for (int k = 1; k <= seeds; k++)
                {
                    var seedDeps = source is null ? deps : [.. deps, SeedRuns.Id(source.FullId, k)];
                    targets.Add(new PlanTarget(SeedRuns.Id(row.FullId, k), PlanTargetKind.Row, seedDeps, $"{row.Title} (seed {k} of {seeds})") { Unavailable = missing });
                }
                var seedTargets = Enumerable.Range(1, seeds).Select(k => SeedRuns.Id(row.FullId, k)).ToList();
                targets.Add(new PlanTarget(row.FullId, PlanTargetKind.Row, seedTargets, $"{row.Title} (mean of {seeds} seeds)") { Unavailable = missing });
            }
            targets.Add(new PlanTarget(table.Id, PlanTargetKind.Table, table.Rows.Select(r => r.FullId).ToList(), table.Title));
        }
        targets.InsertRange(0, tokenizers.Values);
        targets.Add(new PlanTarget(AllTables, PlanTargetKind.Group, registry.Tables.Select(t => t.Id).ToList(), "every row of every table"));
        targets.Add(new PlanTarget(RegressionRowsGroup, PlanTargetKind.Group, Regression.RegressionRows.Of(registry, profile).ToList(),
            "the rows the regression suite runs, which its tolerances and step snapshots are measured on"));
        return targets;
    }

    /// <summary>The rows whose target depends on <paramref name="tokenizer"/> (a tokenizer target name).</summary>
    public static IEnumerable<string> RowsUsing(IReadOnlyList<PlanTarget> plan, string tokenizer) =>
        plan.Where(t => t.Kind == PlanTargetKind.Row && t.DependsOn.Contains(tokenizer)).Select(t => t.Name);

    /// <summary>The rows a build of <paramref name="target"/> reaches (its dependencies, transitively; unknown names reach none).</summary>
    public static IReadOnlySet<string> RowsReachedFrom(IReadOnlyList<PlanTarget> plan, string target)
    {
        var byName = plan.ToDictionary(t => t.Name);
        var rows = new HashSet<string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([target]);
        while (pending.TryPop(out var name))
        {
            if (!seen.Add(name) || !byName.TryGetValue(name, out var t)) continue;
            if (t.Kind == PlanTargetKind.Row) rows.Add(name);
            foreach (var d in t.DependsOn) pending.Push(d);
        }
        return rows;
    }

    /// <summary>
    /// Whether a build that reaches <paramref name="tokenizer"/> as a dependency must make it: some row using it
    /// has no up-to-date result. A tokenizer artifact is a means to its rows and is not committed, so on a clean
    /// clone with committed results training it would only cost time (the conv VAEs: minutes each).
    /// </summary>
    public static bool TokenizerNeeded(IReadOnlyList<PlanTarget> plan, string tokenizer, Func<string, bool> rowUpToDate) =>
        RowsUsing(plan, tokenizer).Any(row => !rowUpToDate(row));
}

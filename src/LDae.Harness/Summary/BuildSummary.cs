using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Harness.Summary;

/// <summary>What became of a row in a build.</summary>
public enum RowStatus
{
    Ran,
    UpToDate,
    Failed,
    /// <summary>Needs a part of the method that does not exist yet.</summary>
    NotAvailable,
    /// <summary>Not started: a step it needs failed, or the build was interrupted first.</summary>
    NotRun,
    /// <summary>Submitted to the cluster and not ended yet (--no-wait, or left running on Ctrl-C).</summary>
    Submitted,
    Cancelled,
    /// <summary>Another process holds the row's run lock.</summary>
    RunningElsewhere,
}

/// <summary>A row's outcome as the build saw it; <see cref="Detail"/> says why (job id, exit state, log path).</summary>
public sealed record RowOutcome(RowStatus Status, string? Detail = null);

/// <summary>
/// One line of the end-of-build table: the row, what the build did with it, the paper's number and ours, and the
/// step from the row's previous row judged by <see cref="StepComparison"/> — the same judgement the report makes.
/// </summary>
public sealed record SummaryRow(ExperimentRow Row, RowOutcome Outcome, double? Ours, StepComparison Step)
{
    public double? Paper => Row.Paper.Acc;
}

/// <summary>
/// The end-of-build summary: every row the build touched, in the paper's order, plus the steps that failed
/// (tokenizers included) with where to look. Built from results/ and the build's outcomes only, so a local and a
/// Slurm build of the same rows print the same table.
/// </summary>
public sealed record BuildSummary(string Profile, string Target, string Executor, IReadOnlyList<SummaryRow> Rows, IReadOnlyList<string> Failures)
{
    public bool Failed => Failures.Count > 0;

    /// <summary>
    /// The summary of a build; a row's result counts only when it is of the configuration the build resolved —
    /// with <paramref name="overrides"/>, the build's <c>--set</c> — never one of another configuration.
    /// </summary>
    public static BuildSummary Of(ExperimentRegistry registry, ResultStore store, string profile, string target, string executor,
        IReadOnlyDictionary<string, RowOutcome> outcomes, IReadOnlyList<string> failures, Config.ConfigOverrides? overrides = null)
    {
        var rows = new List<SummaryRow>();
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        string Hash(ExperimentRow row) =>
            hashes.TryGetValue(row.FullId, out var h) ? h : hashes[row.FullId] = registry.Resolve(row, profile, overrides).Hash();
        foreach (var table in registry.Tables)
        {
            RowMetrics? Ours(ExperimentRow row) =>
                store.TryLoad(profile, row.FullId) is { } m && m.ConfigHash == Hash(row) ? m : null;
            for (int i = 0; i < table.Rows.Count; i++)
            {
                var row = table.Rows[i];
                if (!outcomes.TryGetValue(row.FullId, out var outcome)) continue;
                var ours = Ours(row);
                var previous = table.PreviousId(i) is { } p ? registry.Row(p) : null;
                var step = StepComparison.Between(row.Paper.Acc, previous?.Paper.Acc, ours, previous is null ? null : Ours(previous)) with
                {
                    SameConfigurationAs = previous is not null && Hash(row) == Hash(previous) ? previous.FullId : null,
                };
                rows.Add(new SummaryRow(row, outcome, ours?.ProbeTop1, step));
            }
        }
        return new BuildSummary(profile, target, executor, rows, failures);
    }
}

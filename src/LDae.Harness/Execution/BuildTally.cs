using LDae.Files;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Harness.Summary;

namespace LDae.Harness.Execution;

/// <summary>
/// What the build did, row by row, and what failed; printed once as the summary table (terminal and
/// results/&lt;profile&gt;/summary.md) when the build ends, fails or is stopped.
/// </summary>
public sealed class BuildTally(BuildOptions options, ExperimentRegistry registry, ResultStore store, BuildConsole console, string executorName)
{
    readonly Dictionary<string, RowOutcome> outcomes = new(StringComparer.Ordinal);
    readonly List<string> failures = [];
    BuildSummary? summary;

    public IReadOnlyDictionary<string, RowOutcome> Outcomes => outcomes;

    public void Row(string name, RowOutcome outcome) => outcomes[name] = outcome;

    public void Failure(string message) => failures.Add(message);

    /// <summary>An ended run's outcome; a failed one is also a failure of the build.</summary>
    public void Ended(StepRun run)
    {
        if (run.State is StepState.Failed) failures.Add(Describe(run));
        if (run.Step.Kind != StepKind.Row) return;
        outcomes[run.Step.Name] = run.State switch
        {
            StepState.Done => new RowOutcome(RowStatus.Ran, run.JobId is { } j ? $"job {j}" : null),
            StepState.Failed => new RowOutcome(RowStatus.Failed, Describe(run)),
            StepState.Cancelled => new RowOutcome(RowStatus.Cancelled, run.Detail),
            StepState.Blocked => new RowOutcome(RowStatus.NotRun, run.Detail),
            StepState.Elsewhere => new RowOutcome(RowStatus.RunningElsewhere, run.Detail),
            _ => new RowOutcome(RowStatus.Submitted, run.Detail ?? $"job {run.JobId}"),
        };
    }

    /// <summary>The summary table, made and printed the first time only.</summary>
    public BuildSummary Print()
    {
        if (summary is not null) return summary;
        summary = BuildSummary.Of(registry, store, options.Profile, options.Target, executorName, outcomes, failures, options.Overrides);
        if (summary.Rows.Count == 0 && summary.Failures.Count == 0) return summary;
        console.Line();
        foreach (var line in SummaryTable.ConsoleLines(summary, console)) console.Line(line);
        if (summary.Rows.Count > 0)
        {
            var file = Path.Combine(store.Root, options.Profile, "summary.md");
            AtomicFile.WriteText(file, SummaryTable.Markdown(summary));
            console.Line($"  (also in {Relative(file)})", Tone.Faint);
        }
        return summary;
    }

    /// <summary>"table3/pca-ddm: job 17 FAILED, exit code 1:0; log results/ci/slurm/table3/pca-ddm.17.log".</summary>
    string Describe(StepRun run)
    {
        var where = run.JobId is { } job ? $"job {job} " : "";
        var log = run.Log is { } l ? $"; log {Relative(l)}" : "";
        return $"{run.Step.Name}: {where}{run.Detail ?? run.State.ToString()}{log}";
    }

    string Relative(string path)
    {
        var relative = Path.GetRelativePath(options.RepoRoot, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}

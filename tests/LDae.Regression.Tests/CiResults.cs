using LDae.Rows;
using LDae.Harness;
using LDae.Harness.Experiments;
using LDae.Harness.Regression;
using LDae.Harness.Results;

namespace LDae.Regression.Tests;

/// <summary>
/// The ci-profile results of this test run: each row is run once, in-process, into a results folder of its own
/// (so a clean clone needs no committed ci results), and rows that share a configuration or a tokenizer reuse
/// it as the build does.
/// </summary>
public static class CiResults
{
    public const string Profile = "ci";
    static readonly object Gate = new();
    static readonly Lazy<string> Root = new(() =>
    {
        var dir = Path.Combine(Path.GetTempPath(), $"ldae-regression-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        return dir;
    });

    public static readonly ExperimentRegistry Registry = ExperimentRegistry.Load(Repo.Experiments());

    /// <summary>The rows this suite runs (<see cref="RegressionRows"/>).</summary>
    public static IEnumerable<string> RunnableRows() => RegressionRows.Of(Registry, Profile);

    /// <summary>The results folder of this test run.</summary>
    public static string ResultsRoot => Root.Value;

    public static RowMetrics Get(string row)
    {
        lock (Gate) return RunInto(Root.Value, row);
    }

    /// <summary>The row's snapshot of this test run: its metrics and the fingerprint of its run.</summary>
    public static RegressionSnapshot Snapshot(string row) =>
        RegressionSnapshot.Of(Get(row), new ResultStore(Root.Value).Row(Profile, row).Log);

    /// <summary>Runs a row into the given results folder (used directly by the determinism test).</summary>
    public static RowMetrics RunInto(string resultsRoot, string row, TextWriter? log = null) =>
        new RowRunner(Registry, new ResultStore(resultsRoot), Repo.Root(), log ?? TextWriter.Null).Run(new RowRequest(row, Profile))
        ?? throw new InvalidOperationException($"{row} did not complete");
}

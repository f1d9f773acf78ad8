namespace LDae.Harness.Experiments;

/// <summary>
/// The build's own targets beside the generated ones (<see cref="BuildPlan"/>). Every target a user types is
/// lowercase with hyphens, like the row targets (<c>table3/predict-original-image</c>). Target names are matched
/// without regard to case, and the capitalised forms (<c>Build</c>, <c>Test</c>, <c>AcceptSnapshots</c>, …) are
/// aliases, so scripts that call <c>--target=Test</c> keep working.
/// </summary>
public static class BuildTargets
{
    public const string Build = "build";
    public const string Test = "test";
    public const string Clean = "clean";
    public const string AcceptSnapshots = "accept-snapshots";
    /// <summary>Every row with several seeds, then the regression suite's per-row tolerances and step snapshots from their spread.</summary>
    public const string MeasureTolerances = "measure-tolerances";
    /// <summary>The tolerances and step snapshots rewritten from the seeds already measured (rows with too few are left out).</summary>
    public const string WriteTolerances = "write-tolerances";
    /// <summary>Each planted fault of tests/canaries applied to a scratch copy, and whether the regression suite catches it.</summary>
    public const string RegressionCanary = "regression-canary";
    public const string Bench = "bench";
    public const string Data = "data";
    public const string Report = "report";
    public const string Plots = "plots";
    /// <summary>The target's estimated time without training (<c>--estimate</c>).</summary>
    public const string Estimate = "estimate";
    /// <summary>Every row that can run, then the report: what <c>./build.sh</c> builds without <c>--target</c>.</summary>
    public const string Default = "default";

    /// <summary>The target's canonical name: lowercase, and <c>AcceptSnapshots</c> spelled with its hyphen.</summary>
    public static string Canonical(string name) => name.ToLowerInvariant() switch
    {
        "acceptsnapshots" => AcceptSnapshots,
        "measuretolerances" => MeasureTolerances,
        "writetolerances" => WriteTolerances,
        "regressioncanary" => RegressionCanary,
        var lower => lower,
    };

    /// <summary>
    /// Fails with a <see cref="Execution.BuildInputException"/> when <paramref name="target"/> is none of
    /// <paramref name="known"/> (the build's targets), naming the closest of them.
    /// </summary>
    public static void CheckKnown(string target, IEnumerable<string> known)
    {
        var names = known.ToList();
        if (names.Contains(Canonical(target), StringComparer.OrdinalIgnoreCase)) return;
        var closest = Execution.ClosestNames.To(target, names);
        throw new Execution.BuildInputException($"--target={target}: no such target" +
            (closest.Count > 0 ? $"; the closest: {string.Join(", ", closest)}" : "") + " (./build.sh --tree lists them)");
    }

    /// <summary>The generated target whose rows <paramref name="target"/> reaches: <c>default</c> reaches every table.</summary>
    public static string PlanTargetOf(string target) => Canonical(target) is Default ? BuildPlan.AllTables : Canonical(target);
}

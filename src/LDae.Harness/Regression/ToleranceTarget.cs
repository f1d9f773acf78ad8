using LDae.Harness.Experiments;
using LDae.Harness.Results;

namespace LDae.Harness.Regression;

/// <summary>
/// <c>./build.sh --target=measure-tolerances --profile=ci [--seeds N]</c>: every row the regression suite runs
/// (<see cref="RegressionRows"/>, the build's <c>regression-rows</c> group) runs at least
/// <see cref="ToleranceRule.MinimumSeeds"/> seeds into a results tree of its own (<see cref="ResultsRoot"/>, so the
/// repository's results are not touched), then <see cref="Write"/> rewrites the regression suite's tolerance file
/// and step snapshots from them.
/// </summary>
public static class ToleranceTarget
{
    /// <summary>The results tree of the measurement (ignored by git; rows already measured there are reused).</summary>
    public static string ResultsRoot(string repoRoot) => Path.Combine(repoRoot, ".tolerance-results");

    /// <summary>The folder of the committed files: the regression test project.</summary>
    public static string TestsDir(string repoRoot) => Path.Combine(repoRoot, "tests", "LDae.Regression.Tests");

    /// <summary>The seeds each row runs: <paramref name="requested"/> (--seeds), at least <see cref="ToleranceRule.MinimumSeeds"/>.</summary>
    public static int Seeds(int? requested) => Math.Max(requested ?? ToleranceRule.MinimumSeeds, ToleranceRule.MinimumSeeds);

    /// <summary>The build that runs the seeds (arguments of build.sh, run with LDAE_RESULTS = <see cref="ResultsRoot"/>).</summary>
    public static IReadOnlyList<string> SeedBuild(string repoRoot, string profile, int seeds) =>
        [Path.Combine(repoRoot, "build.sh"), $"--target={BuildPlan.RegressionRowsGroup}", $"--profile={profile}", $"--seeds={seeds}"];

    /// <summary>The command written into the files, to repeat the measurement.</summary>
    public static string Command(string profile, int seeds) =>
        $"./build.sh --target={BuildTargets.MeasureTolerances} --profile={profile}" + (seeds == ToleranceRule.MinimumSeeds ? "" : $" --seeds={seeds}");

    /// <summary>Rewrites tolerances.json and step-snapshots.json from the measurement's results tree.</summary>
    public static MeasuredTolerances Write(ExperimentRegistry registry, string repoRoot, string profile, int seeds)
    {
        var measured = ToleranceMeasurement.From(registry, new ResultStore(ResultsRoot(repoRoot)), profile, Command(profile, seeds));
        measured.Tolerances.Write(Path.Combine(TestsDir(repoRoot), ToleranceFile.FileName));
        measured.Steps.Write(Path.Combine(TestsDir(repoRoot), StepSnapshotFile.FileName));
        return measured;
    }
}

using LDae.Harness;
using LDae.Harness.Regression;
using Xunit;

namespace LDae.Regression.Tests;

/// <summary>
/// Every table step whose Δ the seeds resolve at ci (step-snapshots.json beside this file, written by
/// <c>./build.sh --target=measure-tolerances --profile=ci</c>): this run's single-seed Δ of the probe top-1 must keep
/// the step's sign and stay inside its band (<see cref="StepSnapshot.Check"/>).
/// </summary>
public class StepSnapshotTests
{
    public static readonly StepSnapshotFile? Committed =
        StepSnapshotFile.TryRead(Path.Combine(ToleranceTarget.TestsDir(Repo.Root()), StepSnapshotFile.FileName));

    public static TheoryData<string, string> Steps()
    {
        var data = new TheoryData<string, string>();
        var only = CanaryRun.RestrictedRows();   // LDAE_REGRESSION_ROWS: the steps between the rows it names
        foreach (var s in Committed?.Steps ?? [])
            if (only is null || (only.Contains(s.From) && only.Contains(s.To))) data.Add(s.From, s.To);
        return data;
    }

    [Theory]
    [MemberData(nameof(Steps))]
    public void A_resolved_step_keeps_its_sign_and_stays_in_its_band(string from, string to)
    {
        var step = Committed!.Steps.Single(s => s.From == from && s.To == to);
        double now = Math.Round(CiResults.Get(to).ProbeTop1!.Value - CiResults.Get(from).ProbeTop1!.Value, 6);
        Assert.True(step.Check(now) is null, step.Check(now) +
            "\nIf the change is intended: ./build.sh --target=measure-tolerances --profile=ci, then review and commit the diff.");
    }

    [Fact]
    public void The_committed_steps_and_tolerances_name_rows_that_run_at_ci()
    {
        var runnable = CiResults.RunnableRows().ToHashSet();
        Assert.NotNull(Committed);
        Assert.NotEmpty(Committed.Steps);
        Assert.All(Committed.Steps, s => Assert.True(runnable.Contains(s.From) && runnable.Contains(s.To), $"{s.From} → {s.To}"));
        Assert.NotNull(MetricTolerances.Measured);
        Assert.All(MetricTolerances.Measured.Rows.Keys, row => Assert.Contains(row, runnable));
    }
}

using LDae.Harness.Regression;
using LDae.Harness.Results;
using LDae.Files;
using LDae.Tests.Execution;
using LDae.Tests.Seeds;
using Xunit;

namespace LDae.Tests.Regression;

/// <summary>The regression suite's per-row tolerances and step snapshots, from rows that ran several seeds.</summary>
public class ToleranceMeasurementTests
{
    const string Previous = "table3/pca-ddm";
    const string Next = "table3/predict-clean-data";   // its Δ is measured against table3/pca-ddm

    [Fact]
    public void A_bound_is_three_sd_of_the_difference_of_two_single_seed_runs_with_a_floor()
    {
        // 3·√2 = 4.2426…: sd 1 point → 4.3 points (rounded up to 0.1); sd 0.1 → 0.43, below the 1-point floor
        Assert.Equal(4.3, ToleranceRule.Accuracy(1.0));
        Assert.Equal(1.0, ToleranceRule.Accuracy(0.1));
        Assert.Equal(1.0, ToleranceRule.Accuracy(0));
        // the loss relative to its mean: sd 0.002 around 0.2 is 1 %, → 4.243 % → 4.3 %; a tiny sd → the 1 % floor
        Assert.Equal(0.043, ToleranceRule.Loss(0.002, 0.2));
        Assert.Equal(0.01, ToleranceRule.Loss(0.0001, 0.2));
        // a step's band: 3 · sd_Δ · √(1 + 1/n); sd_Δ 1, n 5 → 3 · 1.0954 = 3.29 → 3.3; a tiny sd → the 1-point floor
        Assert.Equal(3.3, ToleranceRule.StepBand(1.0, 5));
        Assert.Equal(1.0, ToleranceRule.StepBand(0.05, 5));
    }

    [Fact]
    public void A_single_seed_delta_outside_its_band_or_flipped_past_the_floor_fails()
    {
        var step = new StepSnapshot(Previous, Next, [1.0, 2.0, 3.0, 2.0, 2.0], Delta: 2.0, Sd: 0.71, CiLow: 1.1, CiHigh: 2.9, Sign: 1, Band: 4.0);
        Assert.Null(step.Check(2.0));
        Assert.Null(step.Check(5.9));
        Assert.Null(step.Check(-0.9));                                   // on the other side, but within the floor
        Assert.Contains("band", step.Check(6.5));
        Assert.Contains("flipped", step.Check(-1.5));                   // inside the band, but the step's sign is lost
        Assert.DoesNotContain("band", step.Check(-1.5));
        Assert.Contains("band", step.Check(-2.5));
        // seed 1 (the run CI repeats) already had the other sign: no flip to catch, the band still holds
        var seedOneOpposite = step with { Deltas = [-1.5, 3.0, 3.0, 2.5, 3.0] };
        Assert.Null(seedOneOpposite.Check(-1.5));
        Assert.Contains("band", seedOneOpposite.Check(-2.5));
    }

    [Fact]
    public void Rows_with_enough_seeds_get_their_own_bounds_and_resolved_steps_a_snapshot()
    {
        using var dir = new TempTree("tolerances");
        var store = new ResultStore(dir);
        WriteSeeds(store, Previous, [70.0, 71.0, 72.0, 71.0, 70.0], [0.20, 0.21, 0.20, 0.20, 0.21]);
        WriteSeeds(store, Next, [65.0, 66.5, 66.0, 65.0, 66.0], [0.10, 0.10, 0.10, 0.10, 0.10]);
        WriteSeeds(store, "table3/remove-input-scaling", [60.0, 61.0, 62.0], [0.1, 0.1, 0.1]);

        var m = ToleranceMeasurement.From(SeedTestFiles.Registry, store, BuildTestFiles.Profile, "the command");

        Assert.Equal([Previous, Next], m.Tolerances.Rows.Keys.Order(StringComparer.Ordinal));
        var pca = m.Tolerances.Rows[Previous];
        // probe sd of 70, 71, 72, 71, 70 = 0.8367 → 3√2 · 0.8367 = 3.55 → 3.6
        Assert.Equal(0.836660, pca.ProbeTop1!.Sd, 5);
        Assert.Equal(3.6, pca.ProbeTop1.Bound);
        Assert.Equal(5, pca.ProbeTop1.N);
        Assert.Equal(3.6, pca.KnnTop1!.Bound);                           // kNN = probe − 5 in these files
        // loss sd 0.005477 around 0.204 → 3√2 · 2.685 % = 11.39 % → 11.4 %
        Assert.Equal(0.114, pca.FinalLoss!.Bound);
        Assert.Equal(0.01, m.Tolerances.Rows[Next].FinalLoss!.Bound);    // no spread at all: the floor
        Assert.Contains(m.Unmeasured, u => u.StartsWith("table3/remove-input-scaling: 3 seed(s), 5 needed", StringComparison.Ordinal));
        Assert.Contains(m.Unmeasured, u => u.StartsWith("table3/single-noise-level: no result", StringComparison.Ordinal));
        Assert.Equal((5, "the command", "test"), (m.Tolerances.Seeds, m.Tolerances.Command, m.Tolerances.Commit));

        // pca-ddm → predict-clean-data: per-seed Δ −5, −4.5, −6, −6, −4 → mean −5.1, paired CI well below 0
        var step = Assert.Single(m.Steps.Steps);
        Assert.Equal((Previous, Next, -1), (step.From, step.To, step.Sign));
        Assert.Equal([-5.0, -4.5, -6.0, -6.0, -4.0], step.Deltas);
        Assert.Equal(-5.1, step.Delta, 6);
        Assert.True(step.CiHigh < 0);
        // sd of the Δs 0.894 → 3 · 0.894 · √1.2 = 2.94 → 3.0
        Assert.Equal(3.0, step.Band);
        Assert.Null(step.Check(step.Deltas[0]));                         // the run CI repeats passes its own snapshot
    }

    [Fact]
    public void A_step_whose_interval_contains_zero_is_not_guarded_and_the_files_read_back()
    {
        using var dir = new TempTree("tolerances");
        var store = new ResultStore(dir);
        WriteSeeds(store, Previous, [70.0, 71.0, 72.0, 71.0, 70.0], [0.2, 0.2, 0.2, 0.2, 0.2]);
        WriteSeeds(store, Next, [71.0, 70.0, 72.5, 70.0, 70.5], [0.2, 0.2, 0.2, 0.2, 0.2]);
        var m = ToleranceMeasurement.From(SeedTestFiles.Registry, store, BuildTestFiles.Profile, "c");
        Assert.Empty(m.Steps.Steps);

        var file = Path.Combine(dir, ToleranceFile.FileName);
        m.Tolerances.Write(file);
        var read = ToleranceFile.TryRead(file)!;
        Assert.Equal(m.Tolerances.Rows[Previous], read.Rows[Previous]);
        Assert.Contains("\"probe_top1\"", File.ReadAllText(file));
        Assert.Null(ToleranceFile.TryRead(Path.Combine(dir, "absent.json")));
    }

    [Fact]
    public void Rows_the_suite_does_not_run_get_no_bounds_and_no_steps()
    {
        using var dir = new TempTree("tolerances");
        var store = new ResultStore(dir);
        // a compute-study row and a bf16 row with five seeds each: measured, but the suite never runs them
        foreach (var row in new[] { "compute/pca-ddm-4x", "compute/l-dae-4x", "precision/pca-ddm-bf16", "precision/l-dae-bf16", Previous })
            WriteSeeds(store, row, [70.0, 71.0, 72.0, 71.0, 70.0], [0.2, 0.2, 0.2, 0.2, 0.2]);
        WriteSeeds(store, "precision/l-dae-bf16", [60.0, 61.0, 62.0, 61.0, 60.5], [0.2, 0.2, 0.2, 0.2, 0.2]);
        var m = ToleranceMeasurement.From(SeedTestFiles.Registry, store, BuildTestFiles.Profile, "c");
        Assert.Equal([Previous], m.Tolerances.Rows.Keys);
        Assert.Empty(m.Steps.Steps);                                      // bf16 PCA DDM − its fp32 row (Previous) resolves, but is not the suite's
        Assert.DoesNotContain(m.Unmeasured, u => u.StartsWith("compute/", StringComparison.Ordinal) || u.StartsWith("precision/", StringComparison.Ordinal));
        Assert.Equal(RegressionRows.Of(SeedTestFiles.Registry, BuildTestFiles.Profile).Count() - 1, m.Unmeasured.Count);
    }

    [Fact]
    public void The_measurement_runs_at_least_five_seeds_into_a_results_tree_of_its_own()
    {
        Assert.Equal(5, ToleranceTarget.Seeds(null));
        Assert.Equal(5, ToleranceTarget.Seeds(3));
        Assert.Equal(8, ToleranceTarget.Seeds(8));
        Assert.Equal(["/r/build.sh", "--target=regression-rows", "--profile=ci", "--seeds=5"], ToleranceTarget.SeedBuild("/r", "ci", 5));
        Assert.Equal(Path.Combine("/r", ".tolerance-results"), ToleranceTarget.ResultsRoot("/r"));
        Assert.Equal("./build.sh --target=measure-tolerances --profile=ci", ToleranceTarget.Command("ci", 5));
        Assert.Equal("./build.sh --target=measure-tolerances --profile=ci --seeds=8", ToleranceTarget.Command("ci", 8));
    }

    static void WriteSeeds(ResultStore store, string row, double[] top1, double[] loss)
    {
        var seeds = top1.Select((t, i) => SeedTestFiles.Result(row, i + 1, t, loss[i])).ToList();
        AtomicFile.WriteText(store.Row(BuildTestFiles.Profile, row).Metrics, SeedAggregate.Of(seeds).ToJson());
    }
}

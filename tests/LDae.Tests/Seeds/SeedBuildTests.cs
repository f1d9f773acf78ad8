using LDae.Harness.Execution;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Harness.Summary;
using LDae.Tests.Execution;
using Xunit;

namespace LDae.Tests.Seeds;

/// <summary>What a build with several seeds runs: each seed as a step, then the row's aggregate; nothing twice.</summary>
public class SeedBuildTests
{
    const string Row = "table3/predict-clean-data";

    static (BuildDriver Driver, SeedRecordingExecutor Executor, StringWriter Output) Driver(string results, int seeds, string target = Row)
    {
        var executor = new SeedRecordingExecutor(results);
        var output = new StringWriter();
        var options = BuildTestFiles.Options(results, target) with { Seeds = seeds };
        return (new BuildDriver(options, BuildTestFiles.Registry, BuildConsole.Plain(output), new Interrupt(), executor, BuildTestFiles.Data(), code => throw new BuildExited(code)), executor, output);
    }

    /// <summary>What Cake does: a target's dependencies first, depth first.</summary>
    static void Build(BuildDriver driver, string target, HashSet<string>? done = null)
    {
        done ??= [];
        if (!done.Add(target)) return;
        var t = driver.Plan.First(p => p.Name == target);
        foreach (var d in t.DependsOn) Build(driver, d, done);
        if (t.Kind == PlanTargetKind.Tokenizer) driver.Tokenizer(t.Name, requested: false);
        else driver.Row(t.Name, requested: false);
    }

    [Fact]
    public void Each_seed_runs_once_and_the_row_aggregates_them_after()
    {
        using var results = new TempTree("seedbuild");
        var (driver, executor, _) = Driver(results, seeds: 3);
        Build(driver, Row);
        var summary = driver.Finish();

        var rows = executor.Started.Where(s => s.Step.Kind == StepKind.Row).ToList();
        Assert.Equal([SeedRuns.Id(Row, 1), SeedRuns.Id(Row, 2), SeedRuns.Id(Row, 3), Row], rows.Select(s => s.Step.Name));
        Assert.Equal(["run", "--row", Row, "--seed", "2", "--profile", "ci", "--device", "cpu"], rows[1].Step.Arguments);
        Assert.Equal(["run", "--row", Row, "--seeds", "3", "--profile", "ci", "--device", "cpu"], rows[3].Step.Arguments);
        Assert.Equal(rows.Take(3).Select(s => s.Step.Name), rows[3].After);
        var ours = Assert.Single(summary.Rows);
        Assert.Equal((RowStatus.Ran, (double?)72.0), (ours.Outcome.Status, ours.Ours)); // mean of 71, 72, 73

        // Built again: every seed and the aggregate are up to date.
        var (again, againExecutor, output) = Driver(results, seeds: 3);
        Build(again, Row);
        Assert.Empty(againExecutor.Started);
        Assert.Contains($"{Row}: up to date (config ", output.ToString());

        // A fourth seed runs only seed 4 and aggregates again.
        var (more, moreExecutor, _) = Driver(results, seeds: 4);
        Build(more, Row);
        Assert.Equal([SeedRuns.Id(Row, 4), Row], moreExecutor.Started.Where(s => s.Step.Kind == StepKind.Row).Select(s => s.Step.Name));
        Assert.Equal(4, new ResultStore(results).TryLoad("ci", Row)!.Seeds!.N);
    }

    [Fact]
    public void A_seed_whose_metrics_json_was_changed_or_lost_its_SHA_256_is_not_aggregated_but_runs_again()
    {
        using var results = new TempTree("seedbuild");
        var (driver, _, _) = Driver(results, seeds: 3);
        Build(driver, Row);
        var store = new ResultStore(results);
        var two = store.Row("ci", SeedRuns.Id(Row, 2)).Metrics;
        var three = store.Row("ci", SeedRuns.Id(Row, 3)).Metrics;
        LDae.Files.AtomicFile.WriteText(two, (store.TryLoad("ci", SeedRuns.Id(Row, 2))! with { ProbeTop1 = 92 }).ToJson()); // its SHA-256 left as it was
        File.Delete(three + LDae.Files.VerifiedFile.DigestSuffix);

        var hash = BuildTestFiles.Registry.Resolve(Row, "ci").Hash();
        var refused = Assert.Throws<LDae.Harness.InputException>(() => new SeedResults(store, "ci", Row).Aggregate(3, hash, BuildTestFiles.DataDigest, TextWriter.Null));
        Assert.Contains($"seed 2 has no up-to-date result in {Path.GetDirectoryName(two)} ({two} does not match the SHA-256 written with it", refused.Message);

        var (again, executor, output) = Driver(results, seeds: 3);
        Build(again, Row);
        Assert.Equal([SeedRuns.Id(Row, 2), SeedRuns.Id(Row, 3), Row], executor.Started.Where(s => s.Step.Kind == StepKind.Row).Select(s => s.Step.Name));
        Assert.Contains($"{SeedRuns.Id(Row, 2)}: {two} does not match the SHA-256 written with it (changed, damaged or truncated since); running it again", output.ToString());
        Assert.Contains($"{SeedRuns.Id(Row, 3)}: {three} has no SHA-256 beside it (metrics.json.sha256); running it again", output.ToString());
        Assert.Equal(72.0, store.TryLoad("ci", Row)!.ProbeTop1); // the seeds as run (71, 72, 73), not the changed 92
    }

    [Fact]
    public void A_seed_is_a_target_of_its_own()
    {
        using var results = new TempTree("seedbuild");
        var (driver, executor, _) = Driver(results, seeds: 3, target: SeedRuns.Id(Row, 2));
        Build(driver, SeedRuns.Id(Row, 2));
        Assert.Equal([SeedRuns.Id(Row, 2)], executor.Started.Where(s => s.Step.Kind == StepKind.Row).Select(s => s.Step.Name));
        Assert.True(new SeedResults(new ResultStore(results), "ci", Row).IsUpToDate(2, BuildTestFiles.Registry.Resolve(Row, "ci").Hash(), BuildTestFiles.DataDigest));
    }

    [Fact]
    public void One_seed_keeps_the_rows_own_folder_and_command()
    {
        using var results = new TempTree("seedbuild");
        var (driver, _, _) = Driver(results, seeds: 1);
        Assert.DoesNotContain(driver.Plan, t => SeedRuns.TryParse(t.Name, out _, out _));
        Assert.DoesNotContain(driver.Plan.First(t => t.Name == Row).DependsOn, d => d.Contains("/seed-", StringComparison.Ordinal));
    }
}

using LDae.Harness.Execution;
using LDae.Harness.Experiments;
using LDae.Harness.Summary;
using Xunit;

namespace LDae.Tests.Execution;

/// <summary>What the build decides to run, in what order and after what — with an executor that only records.</summary>
public class BuildDriverTests
{
    const string Row = "table3/predict-clean-data";

    static (BuildDriver Driver, RecordingExecutor Executor, StringWriter Output) Driver(string results, Func<BuildStep, StepState>? outcome = null,
        bool force = false, Interrupt? interrupt = null, Action<BuildStep>? onStart = null, string target = Row, string? data = BuildTestFiles.DataDigest)
    {
        var executor = new RecordingExecutor(results, outcome, onStart);
        var output = new StringWriter();
        var driver = new BuildDriver(BuildTestFiles.Options(results, target, force: force), BuildTestFiles.Registry, BuildConsole.Plain(output),
            interrupt ?? new Interrupt(), executor, BuildTestFiles.Data(data), code => throw new BuildExited(code));
        return (driver, executor, output);
    }

    /// <summary>What Cake does for a row target: its tokenizer first (when it has one), then the row.</summary>
    static void BuildRow(BuildDriver driver, string row, bool requested = true)
    {
        foreach (var dependency in driver.Plan.First(t => t.Name == row).DependsOn) driver.Tokenizer(dependency, requested: false);
        driver.Row(row, requested);
    }

    [Fact]
    public void An_up_to_date_row_is_not_started_and_neither_is_its_tokenizer()
    {
        using var results = new TempTree("drv");
        BuildTestFiles.WriteResult(results, Row, 71.0);
        var (driver, executor, output) = Driver(results);
        BuildRow(driver, Row);
        var summary = driver.Finish();

        Assert.Empty(executor.Started);
        Assert.Equal(RowStatus.UpToDate, Assert.Single(summary.Rows).Outcome.Status);
        Assert.Contains($"{BuildTestFiles.TokenizerOf(Row)}: not needed", output.ToString());
        Assert.Contains($"{Row}: up to date (config ", output.ToString());
    }

    [Fact]
    public void A_row_whose_data_changed_or_whose_result_records_no_data_runs_again_and_the_build_says_why()
    {
        using var results = new TempTree("drv");
        BuildTestFiles.WriteArtifact(results, BuildTestFiles.TokenizerOf(Row));
        BuildTestFiles.WriteResult(results, Row, 71.0);
        const string changed = "5eed00005eed00005eed00005eed00005eed00005eed00005eed00005eed0000";
        var (driver, executor, output) = Driver(results, data: changed);
        BuildRow(driver, Row);
        Assert.Equal([Row], executor.Started.Select(s => s.Step.Name));
        Assert.Contains($"{Row}: its data changed (data digest recorded d1ce0000d1ce, current 5eed00005eed); running it again", output.ToString());

        var store = new LDae.Harness.Results.ResultStore(results);
        var paths = store.Row(BuildTestFiles.Profile, Row);
        LDae.Harness.Results.ResultStore.WriteMetrics(paths.Metrics, store.TryLoad(BuildTestFiles.Profile, Row)! with { DataDigest = null });
        var (again, againExecutor, againOutput) = Driver(results);
        BuildRow(again, Row);
        Assert.Equal([Row], againExecutor.Started.Select(s => s.Step.Name));
        Assert.Contains($"{Row}: its result records no data digest (data_digest), so the data it ran on is unknown; running it again", againOutput.ToString());
    }

    [Fact]
    public void A_row_runs_after_its_tokenizer_and_a_built_tokenizer_is_not_run_again()
    {
        using var results = new TempTree("drv");
        var tokenizer = BuildTestFiles.TokenizerOf(Row);
        var (driver, executor, _) = Driver(results);
        BuildRow(driver, Row);
        Assert.Equal([tokenizer, Row], executor.Started.Select(s => s.Step.Name));
        Assert.Equal([tokenizer], executor.Started[1].After);
        Assert.Equal(["run", "--row", Row, "--profile", "ci", "--device", "cpu"], executor.Started[1].Step.Arguments);
        Assert.Equal(RowStatus.Ran, Assert.Single(driver.Finish().Rows).Outcome.Status);

        // The next build finds the artifact built and the row up to date.
        var (again, againExecutor, output) = Driver(results);
        BuildRow(again, Row);
        Assert.Empty(againExecutor.Started);
        Assert.Contains($"{tokenizer}: built", output.ToString());
    }

    [Fact]
    public void A_failed_tokenizer_leaves_its_rows_not_run_and_fails_the_build()
    {
        using var results = new TempTree("drv");
        var (driver, executor, output) = Driver(results, step => step.Kind == StepKind.Tokenizer ? StepState.Failed : StepState.Done);
        BuildRow(driver, Row);
        Assert.Single(executor.Started); // the row was never handed to the executor
        var exited = Assert.Throws<BuildExited>(() => driver.Finish());
        Assert.Equal(1, exited.Code);
        Assert.Contains($"{Row}: not run: {BuildTestFiles.TokenizerOf(Row)} did not finish", output.ToString());
        Assert.Contains($"failed: {BuildTestFiles.TokenizerOf(Row)}: ldae exited with code 1 (its output is above)", output.ToString());
    }

    [Fact]
    public void A_row_with_the_configuration_of_one_started_before_waits_for_it_and_with_force_reuses_it()
    {
        var twins = BuildTestFiles.Registry.Rows.Select(r => r.FullId)
            .Where(r => Availability.Missing(BuildTestFiles.Registry.Resolve(r, BuildTestFiles.Profile)) is null)
            .GroupBy(r => BuildTestFiles.Registry.Resolve(r, BuildTestFiles.Profile).Hash())
            .First(g => g.Count() > 1).Take(2).ToList();
        using var results = new TempTree("drv");
        var (driver, executor, _) = Driver(results, step => StepState.Queued, force: true, target: "tables"); // as submitted jobs
        BuildRow(driver, twins[0]);
        BuildRow(driver, twins[1]);
        var second = executor.Started.Single(s => s.Step.Name == twins[1]);
        Assert.Contains(twins[0], second.After);
        Assert.Equal(["--force", "--reuse-twin"], second.Step.Arguments.TakeLast(2));
    }

    [Fact]
    public void A_row_that_cannot_run_yet_is_listed_and_fails_the_build_only_when_asked_for_by_name()
    {
        var target = BuildPlan.For(BuildTestFiles.Registry, BuildTestFiles.Profile).First(t => t.Unavailable is not null);
        var unavailable = target.Name;
        using var first = new TempTree("drv");
        using var second = new TempTree("drv");
        var (listed, _, _) = Driver(first, target: "tables");
        listed.Row(unavailable, requested: false);
        Assert.Equal(RowStatus.NotAvailable, Assert.Single(listed.Finish().Rows).Outcome.Status);

        var (asked, _, output) = Driver(second, target: unavailable);
        asked.Row(unavailable, requested: true);
        Assert.Equal(1, Assert.Throws<BuildExited>(() => asked.Finish()).Code);
        Assert.Contains(target.Unavailable!, output.ToString());
    }

    [Fact]
    public void A_signal_during_a_step_stops_the_build_with_the_summary_and_128_plus_the_signal()
    {
        using var results = new TempTree("drv");
        BuildTestFiles.WriteArtifact(results, BuildTestFiles.TokenizerOf(Row));
        var interrupt = new Interrupt();
        var (driver, executor, output) = Driver(results, _ => StepState.Cancelled, interrupt: interrupt,
            onStart: _ => interrupt.Raise(System.Runtime.InteropServices.PosixSignal.SIGTERM));
        var exited = Assert.Throws<BuildExited>(() => BuildRow(driver, Row));
        Assert.Equal(143, exited.Code);
        Assert.Single(executor.Started);
        Assert.Contains("build stopped by SIGTERM", output.ToString());
        Assert.Contains($"{Row}  cancelled", output.ToString());
        // Nothing more starts after the signal.
        Assert.Throws<BuildExited>(() => driver.Row("table3/pca-ddm", requested: false));
        Assert.Single(executor.Started);
    }

    [Fact]
    public void The_summary_is_written_to_summary_md_with_the_rows_of_the_build()
    {
        using var results = new TempTree("drv");
        BuildTestFiles.WriteResult(results, "table3/pca-ddm", 71.0);
        BuildTestFiles.WriteResult(results, Row, 73.5);
        var (driver, _, _) = Driver(results);
        BuildRow(driver, Row);
        driver.Finish();
        var md = File.ReadAllText(Path.Combine(results, "ci", "summary.md"));
        Assert.Contains($"| `{Row}` | up to date | ", md);
        Assert.Contains("| +2.5 (paper ", md);
        Assert.DoesNotContain("table3/pca-ddm`", md); // not part of this build, only its previous row
    }
}

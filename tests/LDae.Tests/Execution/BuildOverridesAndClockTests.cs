using LDae.Harness.Summary;
using LDae.Harness.Execution;
using Xunit;

namespace LDae.Tests.Execution;

/// <summary>--set reaches every row command and the up-to-date check; the build clock prints after each step that ran.</summary>
public class BuildOverridesAndClockTests
{
    const string Row = "table3/predict-clean-data";

    static (BuildDriver Driver, RecordingExecutor Executor, StringWriter Output) Driver(string results, IReadOnlyList<string>? sets = null,
        Func<BuildDriver, BuildEstimate?>? estimate = null)
    {
        var executor = new RecordingExecutor(results);
        var output = new StringWriter();
        var options = BuildTestFiles.Options(results, Row) with { Sets = sets ?? [] };
        var driver = new BuildDriver(options, BuildTestFiles.Registry, BuildConsole.Plain(output), new Interrupt(), executor, BuildTestFiles.Data(),
            code => throw new BuildExited(code), estimate);
        return (driver, executor, output);
    }

    static void BuildRow(BuildDriver driver)
    {
        foreach (var dependency in driver.Plan.First(t => t.Name == Row).DependsOn) driver.Tokenizer(dependency, requested: false);
        driver.Row(Row, requested: true);
    }

    [Fact]
    public void Set_values_go_to_the_row_and_tokenizer_commands()
    {
        using var results = new TempTree("set");
        var (driver, executor, _) = Driver(results, ["train.epochs=2", "probe.epochs=3"]);
        BuildRow(driver);
        string[] sets = ["--set", "train.epochs=2", "--set", "probe.epochs=3"];
        Assert.All(executor.Started, s => Assert.Equal(sets, s.Step.Arguments.TakeLast(sets.Length)));
        Assert.Equal(2, executor.Started.Count);
    }

    [Fact]
    public void A_result_trained_without_the_set_values_is_not_up_to_date_with_them()
    {
        using var results = new TempTree("set");
        BuildTestFiles.WriteResult(results, Row, 71.0);   // the plain configuration's hash
        BuildTestFiles.WriteArtifact(results, BuildTestFiles.TokenizerOf(Row));

        var (plain, plainExecutor, _) = Driver(results);
        BuildRow(plain);
        Assert.Empty(plainExecutor.Started);

        var (overridden, executor, _) = Driver(results, ["train.epochs=2"]);
        BuildRow(overridden);
        Assert.Equal([Row], executor.Started.Select(s => s.Step.Name));
    }

    [Fact]
    public void A_wrong_set_value_stops_the_build_naming_the_key()
    {
        var error = Assert.Throws<BuildInputException>(() =>
            BuildOptions.FromArguments(_ => null, "/repo", "Release", ["train.epochs=many"]));
        Assert.Contains("train.epochs", error.Message);
        Assert.Throws<BuildInputException>(() => BuildOptions.FromArguments(_ => null, "/repo", "Release", ["no.such.key=1"]));
        Assert.True(BuildOptions.FromArguments(name => name == "estimate" ? "" : null, "/repo", "Release").EstimateOnly);
    }

    [Fact]
    public void After_each_step_that_ran_the_build_prints_its_elapsed_and_remaining_time()
    {
        using var results = new TempTree("clock");
        var tokenizer = BuildTestFiles.TokenizerOf(Row);
        var asked = 0;
        var estimate = new BuildEstimate
        {
            Target = Row, Profile = BuildTestFiles.Profile, Machine = "test", MatmulGflops = 100,
            Targets =
            [
                new TargetEstimate(tokenizer, TargetStatus.ToRun, [new WorkEstimate("fit", 60e9, 1)]),
                new TargetEstimate(Row, TargetStatus.ToRun, [new WorkEstimate("pretrain", 3_600e9, 1)]),
            ],
        };
        var (driver, _, output) = Driver(results, estimate: _ => { asked++; return estimate; });
        BuildRow(driver);
        driver.Finish();

        var lines = output.ToString().Split('\n').Where(l => l.Contains("estimated remaining")).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Contains("(1 of 2 targets done", lines[0]);
        Assert.Contains("estimated remaining 0.0 s (2 of 2 targets done", lines[1]);
        Assert.Equal(1, asked);   // the estimate is made once, when the first step starts
    }

    [Fact]
    public void Without_an_estimate_the_build_prints_no_clock()
    {
        using var results = new TempTree("clock");
        var (driver, executor, output) = Driver(results, estimate: _ => null);
        BuildRow(driver);
        Assert.Equal(2, executor.Started.Count);
        Assert.DoesNotContain("estimated remaining", output.ToString());
    }
}

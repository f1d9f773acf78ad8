using LDae.Harness.Execution;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Files;
using LDae.Harness.Summary;
using Xunit;

namespace LDae.Tests.Execution;

/// <summary>
/// What the build does not understand it refuses (a mistyped option or target: exit 2 in one line), and what it
/// is told with --set it plans, checks and reports with — tokenizer keys too.
/// </summary>
public class BuildInputTests
{
    [Theory]
    [InlineData("profle", "--profile")]
    [InlineData("froce", "--force")]
    [InlineData("taget", "--target")]
    public void A_mistyped_option_is_refused_naming_the_closest_option(string typed, string meant)
    {
        var e = Assert.Throws<BuildInputException>(() => BuildOptions.CheckNames(["target", typed]));
        Assert.StartsWith($"--{typed}: not an option of ./build.sh (did you mean {meant}", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void The_build_options_and_cakes_own_pass()
    {
        BuildOptions.CheckNames(["target", "profile", "force", "set", "estimate", "seeds", "verbosity", "settings_noreport", "tree", "exclusive", "Target"]);
    }

    [Fact]
    public void An_unknown_target_is_refused_naming_the_closest_targets()
    {
        var known = BuildPlan.For(BuildTestFiles.Registry, "ci").Select(t => t.Name).Concat([BuildTargets.Build, BuildTargets.Test]).ToList();
        var e = Assert.Throws<BuildInputException>(() => BuildTargets.CheckKnown("table3/pca-dd", known));
        Assert.StartsWith("--target=table3/pca-dd: no such target; the closest: table3/pca-ddm", e.Message);
        BuildTargets.CheckKnown("Test", known); // an alias of test
        BuildTargets.CheckKnown("table3/pca-ddm", known);
    }

    [Fact]
    public void A_set_tokenizer_key_plans_the_row_on_the_artifact_it_will_load()
    {
        var overrides = LDae.Harness.Config.ConfigOverrides.Parse(["tokenizer.latent_dim=5"]);
        var plan = BuildPlan.For(BuildTestFiles.Registry, "ci", overrides: overrides);
        var tokenizer = plan.Single(t => t.Name == "table3/pca-ddm").DependsOn.Single(d => d.StartsWith("tokenizer/", StringComparison.Ordinal));
        Assert.Equal("tokenizer/pca-p8-d5", tokenizer);
        Assert.Contains(plan, t => t.Name == tokenizer && t.Kind == PlanTargetKind.Tokenizer);
    }

    [Fact]
    public void A_build_with_a_tokenizer_key_set_starts_that_tokenizer_and_the_row()
    {
        using var results = new TempTree("set-tokenizer");
        var executor = new RecordingExecutor(results);
        var options = BuildTestFiles.Options(results, "table3/pca-ddm") with { Sets = ["tokenizer.latent_dim=5"] };
        var driver = new BuildDriver(options, BuildTestFiles.Registry, BuildConsole.Plain(new StringWriter()), new Interrupt(), executor, BuildTestFiles.Data(), code => throw new BuildExited(code));
        var row = driver.Plan.Single(t => t.Name == "table3/pca-ddm");
        foreach (var dependency in row.DependsOn) driver.Tokenizer(dependency, requested: false);
        Assert.Equal(["tokenizer/pca-p8-d5"], executor.Started.Select(s => s.Step.Name));
        Assert.Equal(["--set", "tokenizer.latent_dim=5"], executor.Started[0].Step.Arguments.TakeLast(2));
    }

    [Fact]
    public void The_summary_reports_the_result_of_the_set_configuration_and_not_the_other_one()
    {
        using var results = new TempTree("set-summary");
        const string Row = "table3/predict-clean-data";
        BuildTestFiles.WriteResult(results, Row, 71.0); // the configuration without --set
        var overrides = LDae.Harness.Config.ConfigOverrides.Parse(["train.epochs=2"]);
        var store = new ResultStore(results);
        var outcomes = new Dictionary<string, RowOutcome> { [Row] = new(RowStatus.Failed, "failed") };
        var failed = BuildSummary.Of(BuildTestFiles.Registry, store, "ci", Row, "local", outcomes, [], overrides);
        Assert.Null(failed.Rows.Single().Ours);

        var path = store.Row("ci", Row).Metrics;
        var plain = RowMetrics.FromJson(File.ReadAllText(path), path);
        AtomicFile.WriteText(path, (plain with { ConfigHash = BuildTestFiles.Registry.Resolve(Row, "ci", overrides).Hash(), ProbeTop1 = 64.5 }).ToJson());
        outcomes[Row] = new RowOutcome(RowStatus.Ran);
        var ran = BuildSummary.Of(BuildTestFiles.Registry, store, "ci", Row, "local", outcomes, [], overrides);
        Assert.Equal(64.5, ran.Rows.Single().Ours);
    }

    [Fact]
    public void A_tokenizer_whose_weights_changed_is_built_again_by_the_build()
    {
        using var results = new TempTree("damaged-tokenizer");
        const string Row = "table3/pca-ddm";
        var tokenizer = BuildTestFiles.TokenizerOf(Row);
        BuildTestFiles.WriteArtifact(results, tokenizer);
        var artifact = TokenizerArtifact.For(BuildTestFiles.Registry.Resolve(Row, "ci"))!;
        var weights = Path.Combine(new ResultStore(results).TokenizerDir("ci", artifact.FolderName), artifact.WeightsFile);
        File.WriteAllText(weights, "changed\n");

        var executor = new RecordingExecutor(results);
        var output = new StringWriter();
        var driver = new BuildDriver(BuildTestFiles.Options(results, Row), BuildTestFiles.Registry, BuildConsole.Plain(output), new Interrupt(), executor, BuildTestFiles.Data(), code => throw new BuildExited(code));
        driver.Tokenizer(tokenizer, requested: false);
        Assert.Equal([tokenizer], executor.Started.Select(s => s.Step.Name));
        Assert.Contains($"{tokenizer}: {weights} does not match the SHA-256 written with it", output.ToString());
    }
}

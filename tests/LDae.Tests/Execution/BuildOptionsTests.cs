using LDae.Harness.Config;
using LDae.Harness.Execution;
using LDae.Harness.Experiments;
using Xunit;

namespace LDae.Tests.Execution;

public class BuildOptionsTests
{
    static BuildOptions Parse(params (string Name, string Value)[] args) =>
        BuildOptions.FromArguments(name => args.FirstOrDefault(a => a.Name == name).Value, "/repo", "Release");

    [Fact]
    public void Defaults_are_a_local_build_of_everything_at_the_quick_profile()
    {
        var options = Parse();
        Assert.Equal(("local", "quick", "default", "cpu", false), (options.Executor, options.Profile, options.Target, options.Device, options.Force));
        Assert.Equal("/repo/src/LDae.Cli/bin/Release/net10.0/ldae.dll", options.Cli);
        Assert.True(options.Slurm.Wait);
    }

    [Theory]
    [InlineData("Test", "test")]
    [InlineData("Build", "build")]
    [InlineData("AcceptSnapshots", "accept-snapshots")]
    [InlineData("MeasureTolerances", "measure-tolerances")]
    [InlineData("WriteTolerances", "write-tolerances")]
    [InlineData("RegressionCanary", "regression-canary")]
    [InlineData("Default", "default")]
    [InlineData("report", "report")]
    [InlineData("table3/predict-original-image", "table3/predict-original-image")]
    public void Targets_are_lowercase_with_the_capitalised_names_as_aliases(string typed, string canonical) =>
        Assert.Equal(canonical, Parse(("target", typed)).Target);

    [Fact]
    public void The_default_target_reaches_every_row_of_every_table()
    {
        Assert.Equal(BuildPlan.AllTables, BuildTargets.PlanTargetOf("Default"));
        Assert.Equal("table1", BuildTargets.PlanTargetOf("table1"));
    }

    [Fact]
    public void Slurm_options_are_read_and_wrong_ones_are_refused_naming_the_option()
    {
        var slurm = Parse(("executor", "slurm"), ("partition", "gpu"), ("slurm-args", "--time=1:00:00 --constraint='a100 80g'"), ("no-wait", ""));
        Assert.Equal("gpu", slurm.Slurm.Partition);
        Assert.Equal(["--time=1:00:00", "--constraint=a100 80g"], slurm.Slurm.ExtraArguments);
        Assert.False(slurm.Slurm.Wait);

        Assert.Contains("--executor=pbs", Assert.Throws<BuildInputException>(() => Parse(("executor", "pbs"))).Message);
        Assert.Contains("--device=tpu", Assert.Throws<BuildInputException>(() => Parse(("device", "tpu"))).Message);
        Assert.Contains("need --executor=slurm", Assert.Throws<BuildInputException>(() => Parse(("no-wait", ""))).Message);
        Assert.Contains("--slurm-args", Assert.Throws<BuildInputException>(() => Parse(("executor", "slurm"), ("slurm-args", "--x='a"))).Message);
        Assert.Equal("--profile needs a value (--profile=…)", Assert.Throws<BuildInputException>(() => Parse(("profile", ""))).Message);
        Assert.False(Parse(("force", "false")).Force);
        Assert.True(Parse(("force", "")).Force);
        Assert.Contains("--force=yes", Assert.Throws<BuildInputException>(() => Parse(("force", "yes"))).Message);
    }

    [Fact]
    public void Shell_words_follow_posix_quoting()
    {
        Assert.Equal(["a", "b c", "d\"e", "f'g", "h i"], ShellWords.Split("a 'b c' \"d\\\"e\" f\"'\"g h\\ i", "x"));
        Assert.Empty(ShellWords.Split("   ", "x"));
        Assert.Equal([""], ShellWords.Split("''", "x"));
    }

    [Fact]
    public void Profiles_carry_job_resources_that_extends_inherits_and_no_config_hash_sees()
    {
        var registry = BuildTestFiles.Registry;
        Assert.Equal(new JobResources { Memory = "3G", Time = "0:30:00" }, registry.Profile("ci").Resources);
        Assert.Equal(registry.Profile("quick").Resources, registry.Profile("quick-cifar10").Resources);
        Assert.Equal(1, registry.Profile("paper").Resources.Gpus);

        // The same profiles without their resources resolve every row to the same hash.
        using var dir = new TempTree("profiles");
        foreach (var file in Directory.GetFiles(LDae.Harness.Repo.Experiments(), "*.yaml"))
        {
            var lines = File.ReadAllLines(file).Where(l => !l.TrimStart().StartsWith("resources:", StringComparison.Ordinal));
            File.WriteAllLines(Path.Combine(dir, Path.GetFileName(file)), lines);
        }
        var bare = ExperimentRegistry.Load(dir);
        Assert.Equal(JobResources.None, bare.Profile("ci").Resources);
        foreach (var row in registry.Rows)
            Assert.Equal(registry.Resolve(row, "ci").Hash(), bare.Resolve(row.FullId, "ci").Hash());
    }

    [Theory]
    [InlineData("memory: 4 GB", "resources.memory")]
    [InlineData("time: 2h", "resources.time")]
    [InlineData("gpus: 0", "resources.gpus")]
    [InlineData("nodes: 2", "resources.nodes")]
    public void A_bad_resource_is_an_error_naming_the_file_and_key(string entry, string key)
    {
        using var dir = new TempTree("profiles");
        File.WriteAllText(Path.Combine(dir, "profiles.yaml"), $"ci:\n  description: x\n  resources: {{{entry}}}\n");
        var e = Assert.Throws<ConfigException>(() => Profile.LoadAll(Path.Combine(dir, "profiles.yaml")));
        Assert.Equal(key, e.Key);
        Assert.Contains("profiles.yaml", e.Message);
    }
}

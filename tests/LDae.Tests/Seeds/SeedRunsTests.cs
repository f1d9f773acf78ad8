using LDae.Harness;
using LDae.Harness.Execution;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using LDae.Tests.Execution;
using Xunit;

namespace LDae.Tests.Seeds;

/// <summary>Seeds as runs: names, streams, the profile key, the plan, the aggregate and the store.</summary>
public class SeedRunsTests
{
    const string Row = "table3/predict-clean-data";
    const string Data = BuildTestFiles.DataDigest;
    const string ProbeOnlyRow = "probe-t/t10-noisy";

    [Fact]
    public void A_seed_target_names_its_row_and_number()
    {
        Assert.Equal("table3/pca-ddm/seed-2", SeedRuns.Id("table3/pca-ddm", 2));
        Assert.True(SeedRuns.TryParse("table3/pca-ddm/seed-12", out var row, out var k));
        Assert.Equal(("table3/pca-ddm", 12), (row, k));
        Assert.False(SeedRuns.TryParse("table3/pca-ddm", out _, out _));
        Assert.False(SeedRuns.TryParse("table3/pca-ddm/seed-0", out _, out _));
        Assert.False(SeedRuns.TryParse("table3/pca-ddm/seed-x", out _, out _));
        Assert.Equal("table3/pca-ddm", SeedRuns.ResultId("table3/pca-ddm", null));
    }

    [Fact]
    public void Seed_k_runs_with_its_own_train_seed_and_the_rows_hash_stays()
    {
        var config = SeedTestFiles.Registry.Resolve(Row, "ci");
        Assert.Same(config, SeedRuns.ForSeed(config, 1)); // seed 1 is the row's own run
        var third = SeedRuns.ForSeed(config, 3);
        Assert.Equal(config.Int("train.seed") + 2 * SeedRuns.Stride, third.Int("train.seed"));
        Assert.NotEqual(config.Hash(), third.Hash()); // which is why a seed run keeps the row's hash and its own folder
        // Same shapes, same seed k → the same train.seed, hence the same data order, initialisation and noise.
        Assert.Equal(third.Int("train.seed"), SeedRuns.ForSeed(SeedTestFiles.Registry.Resolve("table3/pca-ddm", "ci"), 3).Int("train.seed"));
    }

    [Fact]
    public void Profiles_say_how_many_seeds_and_the_count_is_in_no_hash()
    {
        var r = SeedTestFiles.Registry;
        Assert.Equal((1, 3, 3, 1, 1), (r.Profile("ci").Seeds, r.Profile("quick").Seeds, r.Profile("quick-cifar10").Seeds, r.Profile("cpu").Seeds, r.Profile("paper").Seeds));
        Assert.DoesNotContain(r.Resolve(Row, "quick").Values.Keys, k => k.Contains("seeds", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bad_seed_count_in_a_profile_names_the_file_and_key()
    {
        using var dir = new TempTree("seeds");
        var file = Path.Combine(dir, "profiles.yaml");
        File.WriteAllText(file, "ci:\n  description: x\n  seeds: 0\n");
        var e = Assert.ThrowsAny<InputException>(() => Profile.LoadAll(file));
        Assert.Contains("ci.seeds", e.Message);
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void The_build_option_takes_a_count_and_refuses_anything_else()
    {
        string? Args(string name, string? seeds) => name == "seeds" ? seeds : null;
        Assert.Equal(3, BuildOptions.FromArguments(n => Args(n, "3"), Repo.Root(), "Release").Seeds);
        Assert.Null(BuildOptions.FromArguments(n => Args(n, null), Repo.Root(), "Release").Seeds);
        Assert.Contains("--seeds=0", Assert.Throws<BuildInputException>(() => BuildOptions.FromArguments(n => Args(n, "0"), Repo.Root(), "Release")).Message);
    }

    [Fact]
    public void With_several_seeds_a_row_depends_on_its_seeds_and_seed_k_of_a_probe_only_row_on_seed_k_of_its_source()
    {
        var plan = BuildPlan.For(SeedTestFiles.Registry, "ci", seeds: 2).ToDictionary(t => t.Name);
        Assert.Equal([SeedRuns.Id(Row, 1), SeedRuns.Id(Row, 2)], plan[Row].DependsOn);
        Assert.Contains(plan[SeedRuns.Id(Row, 2)].DependsOn, d => d.StartsWith("tokenizer/", StringComparison.Ordinal));
        var source = PretrainingSource.For(SeedTestFiles.Registry, SeedTestFiles.Registry.Row(ProbeOnlyRow), "ci")!.FullId;
        Assert.Contains(SeedRuns.Id(source, 2), plan[SeedRuns.Id(ProbeOnlyRow, 2)].DependsOn);
        Assert.DoesNotContain(SeedRuns.Id(source, 1), plan[SeedRuns.Id(ProbeOnlyRow, 2)].DependsOn);
        Assert.DoesNotContain(plan.Keys, name => SeedRuns.TryParse(name, out _, out _) && BuildPlan.For(SeedTestFiles.Registry, "ci").Any(t => t.Name == name));
    }

    [Fact]
    public void The_aggregate_holds_the_means_and_each_seed()
    {
        var seeds = new[] { SeedTestFiles.Result(Row, 1, 70, 0.30), SeedTestFiles.Result(Row, 2, 71, 0.28), SeedTestFiles.Result(Row, 3, 72, 0.32) };
        var a = SeedAggregate.Of(seeds);
        Assert.Equal((71.0, 66.0, 0.30), (a.ProbeTop1, a.KnnTop1, a.FinalLoss));
        Assert.Null(a.Seed);
        Assert.Equal(3, a.Seeds!.N);
        Assert.Equal([1, 2, 3], a.Seeds.Values.Select(v => v.Seed));
        Assert.Equal(1.0, a.Seeds.ProbeTop1!.Sd);
        Assert.Equal(0.02, a.Seeds.FinalLoss!.Sd!.Value, 10);
        Assert.Null(a.Seeds.Generation);
        Assert.Null(a.Generation);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddHours(1), a.Provenance.StartedUtc);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddHours(3).AddMinutes(30), a.Provenance.FinishedUtc);
        var back = RowMetrics.FromJson(a.ToJson(), "test");
        Assert.Equal(a.Seeds.ProbeTop1, back.Seeds!.ProbeTop1);
        Assert.Throws<ArgumentException>(() => SeedAggregate.Of([seeds[0], SeedTestFiles.Result("table3/pca-ddm", 2, 70)]));
        // Seeds that ran on different weights of the same tokenizer artifact are not one row's spread.
        var mixed = Assert.Throws<ArgumentException>(() => SeedAggregate.Of([
            seeds[0] with { TokenizerWeights = new TokenizerWeights("pca-p7-d3-0000", "aa") },
            seeds[1] with { TokenizerWeights = new TokenizerWeights("pca-p7-d3-0000", "bb") }]));
        Assert.Contains("different weights", mixed.Message);
    }

    [Fact]
    public void The_aggregate_of_measured_seeds_holds_their_mean_frechet_distance_and_seed_1s_grid()
    {
        static GenerationMetrics Fd(double value, double floor, int samples = 500) => new()
        {
            Metric = "FD-classifier", Value = value, FeatureNetwork = "classifier", Samples = samples, Sampler = "DDIM, 50 steps",
            Steps = 50, RealFloor = floor, SampleSeconds = value, Grid = "figures/samples.png",
        };
        var seeds = new[] { (1, 10.0, 1.0), (2, 12.0, 2.0), (3, 14.0, 3.0) }
            .Select(s => SeedTestFiles.Result(Row, s.Item1, 70) with { Generation = Fd(s.Item2, s.Item3) }).ToList();
        var a = SeedAggregate.Of(seeds);
        var g = Assert.IsType<GenerationMetrics>(a.Generation);
        Assert.Equal((12.0, 2.0, 12.0), (g.Value, g.RealFloor!.Value, g.SampleSeconds));
        Assert.Equal("seed-1/figures/samples.png", g.Grid);
        Assert.Equal((12.0, 2.0, 3), (a.Seeds!.Generation!.Mean, a.Seeds.Generation.Sd!.Value, a.Seeds.Generation.N));
        Assert.Equal([10.0, 12.0, 14.0], a.Seeds.Values.Select(v => v.Generation!.Value));
        Assert.Null(a.Fid); // FD-classifier is not FID
        // a seed not measured, or measured at other settings: no aggregate distance
        Assert.Null(SeedAggregate.Of([seeds[0], seeds[1], seeds[2] with { Generation = null }]).Generation);
        Assert.Null(SeedAggregate.Of([seeds[0], seeds[1], seeds[2] with { Generation = Fd(14, 3, samples: 400) }]).Generation);
    }

    [Fact]
    public void A_one_seed_result_becomes_seed_1_and_the_rows_metrics_aggregate_its_seeds()
    {
        using var results = new TempTree("seeds");
        var store = new ResultStore(results);
        var hash = SeedTestFiles.Registry.Resolve(Row, "ci").Hash();
        SeedTestFiles.Write(results, Row, null, 70);
        File.WriteAllText(Path.Combine(store.Row("ci", Row).Dir, "console.log"), "seed 1's run\n");
        var seeds = new SeedResults(store, "ci", Row);
        Assert.True(seeds.IsUpToDate(1, hash, Data)); // the one-seed run is seed 1
        Assert.False(seeds.IsUpToDate(2, hash, Data));
        SeedTestFiles.Write(results, Row, 2, 72);
        Assert.Throws<InputException>(() => seeds.Aggregate(3, hash, Data, TextWriter.Null)); // seed 3 is missing

        var a = seeds.Aggregate(2, hash, Data, TextWriter.Null);
        Assert.Equal(71.0, a.ProbeTop1);
        Assert.True(File.Exists(Path.Combine(seeds.Seed(1).Dir, "console.log"))); // moved with its run
        Assert.Equal(["metrics.json", "metrics.json.sha256", "seed-1", "seed-2"], Directory.EnumerateFileSystemEntries(store.Row("ci", Row).Dir)
            .Select(Path.GetFileName).Where(n => !n!.StartsWith('.')).Order());
        Assert.True(seeds.IsAggregated(2, hash, Data));
        Assert.False(seeds.IsAggregated(3, hash, Data));
        Assert.False(seeds.HoldsSingleRun(hash, Data));
        // An aggregate is never another row's twin; a seed is only the same seed's.
        Assert.Null(store.FindByHash("ci", hash, Data, "other/row", seed: 3));
        Assert.Equal(2, store.FindByHash("ci", hash, Data, "other/row", seed: 2)?.Seed);
    }
}

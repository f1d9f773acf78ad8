using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using LDae.Harness.Results;
using Xunit;

namespace LDae.Tests.Harness;

/// <summary>The configuration hash decides which results are up to date: it must move exactly when a result's meaning does.</summary>
public class ConfigHashTests
{
    static readonly ExperimentRegistry Registry = ExperimentRegistry.Load(Repo.Experiments());

    [Fact]
    public void A_key_added_later_enters_the_hash_only_when_set_and_a_revised_key_only_away_from_its_default()
    {
        var added = new ConfigKey("train.example", KeyType.Enum, "fp32", KeyScope.Scale, "", "fp32", "bf16") { HashedOnlyWhenSet = true };
        Assert.Null(added.HashName("fp32"));
        Assert.Equal("train.example", added.HashName("bf16"));
        var revised = new ConfigKey("backbone.example", KeyType.Bool, true, KeyScope.Semantic, "") { Revision = 2 };
        Assert.Equal("backbone.example", revised.HashName(true));
        Assert.Equal("backbone.example#r2", revised.HashName(false));
        var plain = new ConfigKey("noise.example", KeyType.Bool, true, KeyScope.Semantic, "");
        Assert.Equal("noise.example", plain.HashName(false));
    }

    [Fact]
    public void Bf16_training_is_another_configuration_and_fp32_leaves_every_hash_as_it_was()
    {
        var fp32 = Registry.Resolve("table3/predict-original-image", "quick-cifar10");
        Assert.DoesNotContain("train.precision", fp32.ToCanonicalJson());
        var bf16 = Registry.Resolve("table3/predict-original-image", "quick-cifar10", ConfigOverrides.Parse(["train.precision=bf16"]));
        Assert.Contains("\"train.precision\":\"bf16\"", bf16.ToCanonicalJson());
        Assert.NotEqual(fp32.Hash(), bf16.Hash());
        Assert.Equal(fp32.Hash(), Registry.Resolve("table3/predict-original-image", "quick-cifar10", ConfigOverrides.Parse(["train.precision=fp32"])).Hash());
    }

    [Fact]
    public void Only_rows_that_are_not_told_t_hash_the_revised_timestep_key()
    {
        Assert.Contains("\"backbone.timestep_conditioning#r1\":false", Registry.Resolve("table3/single-noise-level", "ci").ToCanonicalJson());
        foreach (var row in Registry.Rows)
        {
            var config = Registry.Resolve(row, "ci");
            Assert.Contains(config.Bool("backbone.timestep_conditioning") ? "\"backbone.timestep_conditioning\":true" : "\"backbone.timestep_conditioning#r1\":false",
                config.ToCanonicalJson());
        }
    }

    /// <summary>
    /// The committed results are what README and the reports quote: each must have been made by the configuration
    /// its row resolves to today, else a clean clone's build would silently show a number of another configuration.
    /// </summary>
    [Theory]
    [InlineData("quick")]
    [InlineData("quick-cifar10")]
    public void Every_committed_result_has_the_hash_its_row_resolves_to(string profile)
    {
        var store = new ResultStore(Path.Combine(Repo.Root(), "results"));
        var stale = new List<string>();
        foreach (var row in Registry.Rows)
            if (store.TryLoad(profile, row.FullId) is { } m && m.ConfigHash != Registry.Resolve(row, profile).Hash())
                stale.Add(row.FullId);
        Assert.True(stale.Count == 0, $"results/{profile}: made by another configuration than the row's: {string.Join(", ", stale)}");
    }
}

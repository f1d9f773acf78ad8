using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using Xunit;

namespace LDae.Tests.Harness;

/// <summary>
/// The probe keys: what every row and profile probes with, the pretraining identity that ignores them, and the
/// probe-only rows (the appendix studies) that reuse another row's weights.
/// </summary>
public class ProbeConfigTests
{
    static readonly ExperimentRegistry Registry = ExperimentRegistry.Load(Repo.Experiments());
    const string LDaeRow = "table3/predict-original-image";

    [Fact]
    public void The_pretraining_identity_ignores_exactly_the_probe_keys()
    {
        var config = Registry.Resolve(LDaeRow, "ci");
        var probed = config.With(new Dictionary<string, object?> { ["probe.t"] = "40", ["probe.noisy_input"] = "true", ["probe.knn_k"] = "5" }, "test");
        Assert.NotEqual(config.Hash(), probed.Hash());
        Assert.Equal(config.PretrainingHash(), probed.PretrainingHash());

        var retrained = config.With(new Dictionary<string, object?> { ["objective.residual_weight"] = "0.2" }, "test");
        Assert.NotEqual(config.PretrainingHash(), retrained.PretrainingHash());
        var longer = config.With(new Dictionary<string, object?> { ["train.epochs"] = "4" }, "test");
        Assert.NotEqual(config.PretrainingHash(), longer.PretrainingHash());
        Assert.NotEqual(config.Hash(), config.PretrainingHash());
    }

    [Theory]
    [InlineData("probe-t/t20-clean")]
    [InlineData("probe-t/t0-noisy")]
    [InlineData("probe-t/t80-noisy")]
    [InlineData("encoder-split/k-plus-1")]
    public void An_appendix_row_probes_the_l_DAE_weights_and_its_target_depends_on_the_l_DAE(string row)
    {
        foreach (var profile in new[] { "ci", "paper" })
        {
            Assert.Equal(LDaeRow, PretrainingSource.For(Registry, Registry.Row(row), profile)?.FullId);
            Assert.Contains(LDaeRow, BuildPlan.For(Registry, profile).Single(t => t.Name == row).DependsOn);
        }
    }

    [Theory]
    [InlineData("probe-t/t10-clean")]        // the l-DAE's own setting: a twin (same_as), not a probe-only row
    [InlineData("encoder-split/k-half")]
    [InlineData("training-length/1x")]
    [InlineData("references/random-init")]  // pretrains nothing
    [InlineData("references/raw-pixels")]
    [InlineData(LDaeRow)]
    [InlineData("table3/single-noise-level")]
    public void Rows_that_train_their_own_weights_or_none_have_no_source(string row)
    {
        Assert.Null(PretrainingSource.For(Registry, Registry.Row(row), "ci"));
        Assert.DoesNotContain(LDaeRow, BuildPlan.For(Registry, "ci").Single(t => t.Name == row).DependsOn);
    }

    [Fact]
    public void Every_row_records_the_paper_probe_t_10_with_clean_input_unless_it_studies_the_probe()
    {
        foreach (var profile in new[] { "ci", "quick", "cpu", "paper" })
            foreach (var row in Registry.Rows.Where(r => r.Table is not ("probe-t" or "encoder-split")))
            {
                var c = Registry.Resolve(row, profile);
                Assert.Equal(10L, c.Int("probe.t"));
                Assert.False(c.Bool("probe.noisy_input"));
                Assert.Equal(c.Int("backbone.depth") / 2, c.Int("probe.blocks"));
            }
        var t40 = Registry.Resolve("probe-t/t40-noisy", "ci");
        Assert.Equal(40L, t40.Int("probe.t"));
        Assert.True(t40.Bool("probe.noisy_input"));
    }

    [Fact]
    public void The_split_is_relative_to_the_depth_and_a_profile_runs_the_splits_its_model_has()
    {
        // paper: DiT-L's 24 blocks, k = 9 … 15 as in the paper's appendix
        Assert.Equal(Enumerable.Range(9, 7).Select(k => (long)k),
            Registry.Tables.Single(t => t.Id == "encoder-split").Rows.Select(r => Registry.Resolve(r, "paper").Int("probe.blocks")));
        foreach (var r in Registry.Tables.Single(t => t.Id == "encoder-split").Rows)
        {
            Assert.Null(Availability.Missing(Registry.Resolve(r, "cpu")));       // depth 8: k = 1 … 7
            var ci = Registry.Resolve(r, "ci");                                  // depth 4: k = 1 … 3 only
            long k = ci.Int("probe.blocks");
            if (k is >= 1 and <= 3) Assert.Null(Availability.Missing(ci));
            else Assert.Equal("not at this profile: probing after k blocks needs 1 ≤ k ≤ depth − 1 = 3", Availability.Missing(ci));
        }
    }

    [Fact]
    public void The_readout_is_the_resolved_probe_keys_and_a_t_outside_the_schedule_is_an_input_error()
    {
        var readout = LDae.Rows.RunSettings.Readout(Registry.Resolve("encoder-split/k-minus-1", "cpu"));
        Assert.Equal(new LDae.Method.ProbeReadout(10, false, 3), readout);
        var bad = Registry.Resolve(LDaeRow, "ci").With(new Dictionary<string, object?> { ["probe.t"] = "1001" }, "test");
        var e = Assert.Throws<ConfigException>(() => LDae.Rows.RunSettings.Readout(bad));
        Assert.Equal("probe.t", e.Key);
        Assert.Contains("0..1000", e.Message);
    }

    [Fact]
    public void Profiles_say_how_the_probe_reads_features()
    {
        string Key(string profile, string key) => Registry.Resolve(LDaeRow, profile).Text(key);
        Assert.Equal("cached", Key("ci", "probe.features"));
        Assert.Equal("cached", Key("quick", "probe.features"));
        Assert.Equal("cached", Key("quick-cifar10", "probe.features"));
        Assert.Equal("augmented", Key("cpu", "probe.features"));
        Assert.Equal("augmented", Key("paper", "probe.features"));
        Assert.Equal("sgd", Key("cpu", "probe.optimizer"));
        Assert.Equal("lars", Key("paper", "probe.optimizer"));
        var paper = Registry.Resolve(LDaeRow, "paper");
        Assert.Equal(16384L, paper.Int("probe.batch_size"));
        Assert.Equal(0.1, paper.Double("probe.lr"));
        Assert.Equal(90L, paper.Int("probe.epochs"));
    }

    [Fact]
    public void Every_row_s_probe_blocks_is_the_backbone_s_encoder_depth_plus_its_split()
    {
        foreach (var profile in Registry.Profiles.Keys)
            foreach (var row in Registry.Rows)
            {
                var config = Registry.Resolve(row, profile);
                int encoder = LDae.Models.BackboneOptions.EncoderDepthOf((int)config.Int("backbone.depth"));
                Assert.True(encoder + config.Int("probe.split") == config.Int("probe.blocks"), $"{row.FullId} at {profile}");
            }
    }
}

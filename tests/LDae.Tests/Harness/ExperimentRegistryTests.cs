using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using Xunit;

namespace LDae.Tests.Harness;

public class ExperimentRegistryTests
{
    static readonly ExperimentRegistry Registry = ExperimentRegistry.Load(Repo.Experiments());
    static readonly string[] ProfileNames = ["ci", "quick", "quick-cifar10", "cpu", "paper"];

    [Fact]
    public void Every_row_resolves_at_every_profile()
    {
        Assert.Equal(ProfileNames.Order(), Registry.Profiles.Keys.Order());
        foreach (var profile in ProfileNames)
            foreach (var row in Registry.Rows)
            {
                var config = Registry.Resolve(row, profile);
                Assert.True(config.Int("backbone.width") > 0, row.FullId);
                Assert.True(int.Parse(config.Text("tokenizer.latent_dim")) >= 1);
            }
    }

    [Fact]
    public void Table3_walks_the_paper_path_one_change_per_row()
    {
        var table = Registry.Tables.Single(t => t.Id == "table3");
        Assert.Equal(
            ["pca-ddm", "predict-clean-data", "remove-input-scaling", "image-input-inverse-pca", "image-output-inverse-pca", "predict-original-image", "single-noise-level"],
            table.Rows.Select(r => r.Id));
        // The paper's numbers, exactly as its tables give them.
        Assert.Equal([65.1, 62.4, 63.6, 63.6, 63.9, 64.5, 61.5], table.Rows.Select(r => r.Paper.Acc!.Value));
        foreach (var (prev, row) in table.Rows.Zip(table.Rows.Skip(1)))
        {
            var a = Registry.Resolve(prev, "ci").Values;
            var b = Registry.Resolve(row, "ci").Values;
            var changed = a.Keys.Where(k => !Equals(a[k], b[k])).ToList();
            Assert.Single(changed);
        }
        var final = Registry.Resolve("table3/predict-original-image", "ci");
        Assert.Equal("pca", final.Text("tokenizer.kind"));
        Assert.Equal("original-image", final.Text("objective.prediction"));
        Assert.Equal("image", final.Text("objective.input"));
        Assert.False(final.Bool("noise.input_scaling"));
    }

    [Fact]
    public void Table1_starts_class_conditional_on_the_full_conv_vae_and_carries_fid()
    {
        var baseline = Registry.Resolve("table1/dit-baseline", "paper");
        Assert.True(baseline.Bool("backbone.class_conditional"));
        Assert.Equal("ddpm-linear-beta", baseline.Text("noise.schedule"));
        Assert.Equal(new PaperNumbers(57.5, 11.6), Registry.Row("table1/dit-baseline").Paper);
        Assert.Equal(new PaperNumbers(62.1, 34.2), Registry.Row("table1/remove-class-conditioning").Paper);
        Assert.Equal(new PaperNumbers(58.4, null), Registry.Row("table1/remove-perceptual-loss").Paper);
    }

    [Fact]
    public void A_profile_scales_but_does_not_change_the_meaning()
    {
        var ci = Registry.Resolve("table3/predict-original-image", "ci").Values;
        var paper = Registry.Resolve("table3/predict-original-image", "paper").Values;
        foreach (var key in ConfigSchema.Keys.Where(k => k.Scope == KeyScope.Semantic && k.Path != "tokenizer.latent_dim"))
            Assert.Equal(ci[key.Path], paper[key.Path]);
        Assert.Equal("1024", paper["backbone.width"]!.ToString());
        Assert.Equal("48", paper["tokenizer.latent_dim"]); // D/16 of D = 16·16·3
        Assert.Equal("4", ci["tokenizer.latent_dim"]);     // D/16 of D = 8·8·1
    }

    [Fact]
    public void Changing_a_row_changes_its_hash_and_its_descendants_only()
    {
        var dir = CopyExperiments();
        var before = ExperimentRegistry.Load(dir);
        var path = Path.Combine(dir, "table3.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("set: {objective.output: image}", "set: {objective.output: image, objective.residual_weight: 0.2}"));
        var after = ExperimentRegistry.Load(dir);
        var changed = before.Rows.Where(r => before.Resolve(r, "ci").Hash() != after.Resolve(r.FullId, "ci").Hash()).Select(r => r.FullId).ToHashSet();
        Assert.Contains("table3/image-output-inverse-pca", changed);
        Assert.Contains("table3/predict-original-image", changed);     // inherits the change
        Assert.Contains("references/random-init", changed);            // starts from the l-DAE
        Assert.DoesNotContain("table3/image-input-inverse-pca", changed);
        Assert.DoesNotContain("table2/pca", changed);
    }

    [Fact]
    public void A_row_may_not_set_a_size_and_a_profile_may_not_set_a_meaning()
    {
        var dir = CopyExperiments();
        File.WriteAllText(Path.Combine(dir, "bad.yaml"), "table: bad\nrows:\n  - id: r\n    set: {train.epochs: 3}\n");
        var e = Assert.Throws<ConfigException>(() => ExperimentRegistry.Load(dir).Resolve("bad/r", "ci"));
        Assert.Contains("bad.yaml", e.Message);
        Assert.Contains("train.epochs", e.Message);
        Assert.Contains("only a profile may set it", e.Message);

        File.Delete(Path.Combine(dir, "bad.yaml"));
        File.AppendAllText(Path.Combine(dir, "profiles.yaml"), "\nodd:\n  objective: {prediction: epsilon}\n");
        e = Assert.Throws<ConfigException>(() => ExperimentRegistry.Load(dir));
        Assert.Contains("objective.prediction", e.Message);
        Assert.Contains("only a row may set it", e.Message);
    }

    [Fact]
    public void A_profile_that_extends_another_takes_its_keys_and_overrides_some()
    {
        var quick = Registry.Resolve(Registry.Row("table3/predict-original-image"), "quick");
        var cifar = Registry.Resolve(Registry.Row("table3/predict-original-image"), "quick-cifar10");
        Assert.Equal("cifar10", cifar.Text("data.dataset"));
        Assert.Equal("fashion-mnist", quick.Text("data.dataset"));
        foreach (var key in new[] { "train.epochs", "train.batch_size", "backbone.width", "backbone.depth", "tokenizer.patch", "data.train_subset" })
            Assert.Equal(quick[key], cifar[key]);

        var dir = CopyExperiments();
        File.AppendAllText(Path.Combine(dir, "profiles.yaml"), "\nodd:\n  extends: nowhere\n  description: x\n");
        var e = Assert.Throws<ConfigException>(() => ExperimentRegistry.Load(dir));
        Assert.Contains("odd.extends", e.Message);
        Assert.Contains("nowhere", e.Message);
    }

    [Theory]
    [InlineData("objective.prdiction: epsilon", "objective.prdiction", "is unknown")]
    [InlineData("objective.prediction: noise", "objective.prediction", "one of: epsilon, clean-data, original-image")]
    [InlineData("noise.input_scaling: maybe", "noise.input_scaling", "true or false")]
    [InlineData("tokenizer.latent_dim: D/0", "tokenizer.latent_dim", "\"D/k\"")]
    public void Bad_keys_and_values_fail_naming_file_key_and_allowed_values(string set, string key, string expected)
    {
        var dir = CopyExperiments();
        File.WriteAllText(Path.Combine(dir, "bad.yaml"), $"table: bad\nrows:\n  - id: r\n    set: {{{set}}}\n");
        var e = Assert.Throws<ConfigException>(() => ExperimentRegistry.Load(dir).Resolve("bad/r", "ci"));
        Assert.Contains("bad.yaml", e.Message);
        Assert.Contains($"'{key}'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void The_build_plan_has_rows_tables_tokenizers_and_says_what_is_missing()
    {
        var plan = BuildPlan.For(Registry, "ci").ToDictionary(t => t.Name);
        Assert.Equal(["table3/pca-ddm", "table3/predict-clean-data", "table3/remove-input-scaling", "table3/image-input-inverse-pca",
            "table3/image-output-inverse-pca", "table3/predict-original-image", "table3/single-noise-level"], plan["table3"].DependsOn);
        Assert.Equal(["tokenizer/pca-p8-d4"], plan["table3/predict-original-image"].DependsOn);
        Assert.Equal(PlanTargetKind.Tokenizer, plan["tokenizer/pca-p8-d4"].Kind);
        Assert.Empty(plan["table2/pixels"].DependsOn);
        Assert.Equal("not available yet: needs the MAE baseline", plan["table4/mae-base"].Unavailable);
        Assert.Null(plan["table1/dit-baseline"].Unavailable);
        Assert.Equal(["tokenizer/conv-vae-p8-d4-full"], plan["table1/dit-baseline"].DependsOn);
        Assert.Null(plan["table3/pca-ddm"].Unavailable);
        Assert.Contains("table3", plan[BuildPlan.AllTables].DependsOn);
    }

    [Fact]
    public void A_tokenizer_is_needed_only_while_a_row_using_it_has_no_up_to_date_result()
    {
        var plan = BuildPlan.For(Registry, "ci");
        var users = BuildPlan.RowsUsing(plan, "tokenizer/pca-p8-d4").ToList();
        Assert.Contains("table3/predict-original-image", users);
        Assert.Contains("table2/pca", users);
        Assert.DoesNotContain("table2/pixels", users);
        Assert.DoesNotContain("table3", users);                                  // tables are not rows

        Assert.False(BuildPlan.TokenizerNeeded(plan, "tokenizer/pca-p8-d4", _ => true));
        Assert.True(BuildPlan.TokenizerNeeded(plan, "tokenizer/pca-p8-d4", row => row != "table3/single-noise-level"));
        Assert.False(BuildPlan.TokenizerNeeded(plan, "tokenizer/pca-p8-d4", row => !row.StartsWith("table1/", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("16", 768, 16)]
    [InlineData("D", 49, 49)]
    [InlineData("D/16", 768, 48)]
    [InlineData("D/16", 49, 3)]
    [InlineData("D/32", 16, 1)]
    public void Latent_dimension_resolves_relative_to_the_patch_dimension(string text, int patchDim, int expected) =>
        Assert.Equal(expected, LatentDimension.Resolve(text, patchDim));

    static string CopyExperiments()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ldae-exp-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(Repo.Experiments(), "*.yaml")) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }
}

public class AvailabilityTests
{
    /// <summary>Availability may only promise tokenizers the method can build and load.</summary>
    [Fact]
    public void Every_available_tokenizer_can_be_built()
    {
        foreach (var kind in Availability.Tokenizers.Where(k => k != "pixels"))
            Assert.Contains(kind, LDae.Experiments.TokenizerArtifacts.Kinds);
    }
}

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
        // One change of the paper per row: the keys each row sets, and nothing else moves.
        string[][] expected =
        [
            ["objective.prediction"], ["noise.input_scaling"], ["objective.input"], ["objective.output"],
            ["objective.prediction", "objective.residual_weight"], ["backbone.timestep_conditioning", "noise.single_level"],
        ];
        foreach (var ((prev, row), keys) in table.Rows.Zip(table.Rows.Skip(1)).Zip(expected))
        {
            var a = Registry.Resolve(prev, "ci").Values;
            var b = Registry.Resolve(row, "ci").Values;
            Assert.Equal(keys, a.Keys.Where(k => !Equals(a[k], b[k])).Order(StringComparer.Ordinal));
        }
        var final = Registry.Resolve("table3/predict-original-image", "ci");
        Assert.Equal("pca", final.Text("tokenizer.kind"));
        Assert.Equal("original-image", final.Text("objective.prediction"));
        Assert.Equal("image", final.Text("objective.input"));
        Assert.False(final.Bool("noise.input_scaling"));
        Assert.Equal(0.1, final.Double("objective.residual_weight"));
        Assert.Equal(1.0, Registry.Resolve("table3/image-output-inverse-pca", "ci").Double("objective.residual_weight"));
        var single = Registry.Resolve("table3/single-noise-level", "ci");
        Assert.False(single.Bool("backbone.timestep_conditioning"));
        Assert.True(Registry.Resolve("table3/predict-original-image", "ci").Bool("backbone.timestep_conditioning"));
    }

    [Fact]
    public void The_compute_study_measures_each_step_at_1_4_and_16_times_the_epochs_changing_only_the_length()
    {
        var study = Registry.Tables.Single(t => t.Id == "compute");
        Assert.Equal([1.0, 4.0, 16.0], StudyStepRows.Lengths(Registry, study));
        Assert.Equal(6, study.Steps.Count);
        foreach (var step in study.Steps)
            foreach (var length in new[] { 1.0, 4.0, 16.0 })
                foreach (var end in new[] { step.From, step.To })
                {
                    var row = StudyStepRows.At(Registry, study, end, length);
                    Assert.True(row is not null, $"{step.Title}: no row trains {end} at {length}×");
                    var a = Registry.Resolve(end, "quick-cifar10").Values;
                    var b = Registry.Resolve(row!, "quick-cifar10").Values;
                    Assert.Equal(row.FullId == end ? [] : ["train.length"], a.Keys.Where(k => !Equals(a[k], b[k])));
                }
        Assert.Equal(-3.0, study.Steps.Single(s => s.To == "table3/single-noise-level").PaperDelta);
    }

    [Fact]
    public void A_step_that_names_an_unknown_row_is_refused()
    {
        var dir = Directory.CreateTempSubdirectory("ldae-steps-").FullName;
        try
        {
            File.Copy(Path.Combine(Repo.Experiments(), "profiles.yaml"), Path.Combine(dir, "profiles.yaml"));
            File.WriteAllText(Path.Combine(dir, "study.yaml"),
                "table: study\nrows:\n  - {id: a, title: a}\nsteps:\n  - {title: s, from: study/a, to: study/b}\n");
            var e = Assert.Throws<ConfigException>(() => ExperimentRegistry.Load(dir));
            Assert.Contains("unknown row 'study/b'", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Every_paper_number_is_on_its_row()
    {
        double? Acc(string row) => Registry.Row(row).Paper.Acc;
        // Table 1 (accuracy and FID-50K)
        Assert.Equal(new PaperNumbers[] { new(57.5, 11.6), new(62.5, 30.9), new(58.4, 54.3), new(59.0, 75.6), new(63.4, 93.2) },
            Registry.Tables.Single(t => t.Id == "table1").Rows.Select(r => r.Paper));
        // Table 2: the matched rows are the d = 32 column; the sweep rows the other columns (– where the paper has none)
        var cells = new Dictionary<string, double?[]>
        {
            ["conv-vae"] = [54.5, 63.4, 62.8, 57.0, 48.1],
            ["patch-vae"] = [58.3, 64.9, 64.8, 56.8, null],
            ["patch-ae"] = [59.9, 64.7, 64.6, 59.9, null],
            ["pca"] = [56.0, 63.4, 65.1, 60.0, 53.9],
        };
        foreach (var (kind, row) in cells)
        {
            string[] ids = [$"sweep-{kind}-d8", $"sweep-{kind}-d16", kind, $"sweep-{kind}-d64", $"sweep-{kind}-d128"];
            Assert.Equal(row, ids.Select(id => Acc("table2/" + id)));
        }
        Assert.Equal(23.6, Acc("table2/pixels"));
        // the studies and Table 4
        Assert.Equal([64.5, 65.0], new[] { "augmentation/center-crop", "augmentation/random-crop" }.Select(Acc));
        Assert.Equal([65.0, 67.5, 69.6], new[] { "training-length/1x", "training-length/2x", "training-length/4x" }.Select(Acc));
        Assert.Equal([60.3, 65.0, 70.9], new[] { "model-size/base", "model-size/half-large", "model-size/large" }.Select(Acc));
        Assert.Equal([66.6, 75.0], new[] { "table4/l-dae-base", "table4/l-dae-large" }.Select(Acc));
    }

    [Theory]
    [InlineData("paper", 768, new[] { 8, 16, 32, 64, 128 })]
    [InlineData("quick-cifar10", 192, new[] { 2, 4, 8, 16, 32 })]
    [InlineData("ci", 64, new[] { 1, 1, 3, 5, 11 })]
    public void The_sweep_is_the_papers_grid_relative_to_d(string profile, int patchDim, int[] expected)
    {
        string[] ids = ["sweep-pca-d8", "sweep-pca-d16", "pca", "sweep-pca-d64", "sweep-pca-d128"];
        var configs = ids.Select(id => Registry.Resolve("table2/" + id, profile)).ToList();
        Assert.All(configs, c => Assert.Equal(patchDim, c.Int("tokenizer.patch_dim")));
        Assert.Equal(expected, configs.Select(c => int.Parse(c.Text("tokenizer.latent_dim"))));
        Assert.Equal(patchDim, int.Parse(Registry.Resolve("table2/sweep-pca-d768", profile).Text("tokenizer.latent_dim")));
        // rows that round to the same d are one configuration (one run, same_as)
        Assert.Equal(expected.Distinct().Count(), configs.Select(c => c.Hash()).Distinct().Count());
    }

    [Fact]
    public void The_conv_vae_d_is_per_token_four_times_its_channels()
    {
        // the paper: DiT's VQGAN has 4 channels at stride 8 and 2×2 cells per token, d = 16 per 16×16×3 patch
        Assert.Equal("16", Registry.Resolve("table1/dit-baseline", "paper").Text("tokenizer.latent_dim"));
        Assert.Equal([8, 16, 32, 64, 128], new[] { "sweep-conv-vae-d8", "sweep-conv-vae-d16", "conv-vae", "sweep-conv-vae-d64", "sweep-conv-vae-d128" }
            .Select(id => int.Parse(Registry.Resolve("table2/" + id, "paper").Text("tokenizer.latent_dim"))));
        // at D = 192: D/96 = 2 rounds up to one channel, d = 4
        Assert.Equal([4, 4, 8, 16, 32], new[] { "sweep-conv-vae-d8", "sweep-conv-vae-d16", "conv-vae", "sweep-conv-vae-d64", "sweep-conv-vae-d128" }
            .Select(id => int.Parse(Registry.Resolve("table2/" + id, "quick-cifar10").Text("tokenizer.latent_dim"))));
        // stride p/2 and 2×2 cells per token: the token still covers p×p pixels
        var conv = Registry.Resolve("table2/conv-vae", "paper");
        Assert.Equal(2, LDae.Rows.RunSettings.CellsPerTokenSide(conv));
        Assert.Equal(2, LDae.Rows.RunSettings.Denoiser(conv, 256, 1000).TokenPatch);
        Assert.Equal(1, LDae.Rows.RunSettings.CellsPerTokenSide(Registry.Resolve("table2/pca", "paper")));
        Assert.Equal(4, LDae.Rows.RunSettings.CellsPerTokenSide(Registry.Resolve("table2/sweep-pixels-d48", "paper")));
        // the end of Table 1 is the conv VAE's d = 16 column
        Assert.Equal(Registry.Resolve("table1/replace-noise-schedule", "paper").Hash(), Registry.Resolve("table2/sweep-conv-vae-d16", "paper").Hash());
    }

    [Fact]
    public void The_pixel_sweep_keeps_the_token_count_and_shrinks_d()
    {
        string[] ids = ["pixels", "sweep-pixels-d192", "sweep-pixels-d48", "sweep-pixels-d12"];
        Assert.Equal([768, 192, 48, 12], ids.Select(id => int.Parse(Registry.Resolve("table2/" + id, "paper").Text("tokenizer.latent_dim"))));
        Assert.Equal([1L, 2L, 4L, 8L], ids.Select(id => Registry.Resolve("table2/" + id, "paper").Int("tokenizer.downscale")));
        Assert.Equal([192, 48, 12, 3], ids.Select(id => int.Parse(Registry.Resolve("table2/" + id, "quick-cifar10").Text("tokenizer.latent_dim"))));
        Assert.All(ids, id => Assert.Null(Availability.Missing(Registry.Resolve("table2/" + id, "quick-cifar10"))));
        // patch 4 (cpu) cannot be divided by 8: listed, not run
        Assert.Contains("not divisible by tokenizer.downscale = 8", Availability.Missing(Registry.Resolve("table2/sweep-pixels-d12", "cpu")));
        var dir = CopyExperiments();
        File.WriteAllText(Path.Combine(dir, "bad.yaml"), "table: bad\nfrom: table2/pca\nrows:\n  - id: r\n    set: {tokenizer.downscale: 2}\n");
        var e = Assert.Throws<ConfigException>(() => ExperimentRegistry.Load(dir).Resolve("bad/r", "ci"));
        Assert.Contains("tokenizer.downscale", e.Message);
    }

    [Fact]
    public void The_studies_start_from_the_random_crop_l_dae_and_table4_from_its_longest_training()
    {
        foreach (var row in new[] { "training-length/1x", "model-size/base", "model-size/half-large", "model-size/large" })
            Assert.Contains("augmentation/random-crop", Registry.Chain(Registry.Row(row)).Select(r => r.FullId));
        Assert.Equal("random-crop", Registry.Resolve("training-length/4x", "ci").Text("data.augment"));
        foreach (var row in new[] { "table4/l-dae-base", "table4/l-dae-large" })
        {
            var config = Registry.Resolve(row, "ci");
            Assert.Equal("random-crop", config.Text("data.augment"));
            Assert.Equal(4.0, config.Double("train.length"));
        }
        // the ViT-½L model-size row and the 1× training-length row are the random-crop l-DAE itself
        var l = Registry.Resolve("augmentation/random-crop", "ci").Hash();
        Assert.Equal(l, Registry.Resolve("model-size/half-large", "ci").Hash());
        Assert.Equal(l, Registry.Resolve("training-length/1x", "ci").Hash());
    }

    [Fact]
    public void The_paper_profile_trains_with_the_papers_recipe()
    {
        var c = Registry.Resolve("table3/predict-original-image", "paper");
        Assert.Equal(2048, c.Int("train.batch_size"));
        Assert.Equal(1e-4, c.Double("train.lr"));
        Assert.Equal("linear-256", c.Text("train.lr_scaling"));
        Assert.Equal(400, c.Int("train.epochs"));
        Assert.Equal(100, c.Double("train.warmup_epochs"));
        Assert.Equal(0.0, c.Double("train.min_lr"));
        Assert.Equal(0.25, c.Double("backbone.conditioning_ratio"));
        var train = LDae.Rows.RunSettings.Train(c);
        Assert.Equal(8e-4, train.PeakLr, 12);                                    // blr × batch / 256
        foreach (var profile in ProfileNames)
        {
            var p = Registry.Resolve("table3/predict-original-image", profile);
            Assert.Equal(0.0, p.Double("train.weight_decay"));                     // the paper uses none
            Assert.Equal(0.25, p.Double("train.warmup_epochs") / p.Int("train.epochs"), 12);
        }
    }

    [Fact]
    public void Table1_starts_class_conditional_on_the_full_conv_vae_and_carries_fid()
    {
        var baseline = Registry.Resolve("table1/dit-baseline", "paper");
        Assert.True(baseline.Bool("backbone.class_conditional"));
        Assert.Equal("ddpm-linear-beta", baseline.Text("noise.schedule"));
        Assert.Equal(new PaperNumbers(57.5, 11.6), Registry.Row("table1/dit-baseline").Paper);
        Assert.Equal(new PaperNumbers(62.5, 30.9), Registry.Row("table1/remove-class-conditioning").Paper);
        Assert.Equal(new PaperNumbers(58.4, 54.3), Registry.Row("table1/remove-perceptual-loss").Paper);
    }

    [Fact]
    public void A_profile_scales_but_does_not_change_the_meaning()
    {
        var ci = Registry.Resolve("table3/predict-original-image", "ci").Values;
        var paper = Registry.Resolve("table3/predict-original-image", "paper").Values;
        foreach (var key in ConfigSchema.Keys.Where(k => k.Scope == KeyScope.Semantic && k.Path != "tokenizer.latent_dim"))
            Assert.Equal(ci[key.Path], paper[key.Path]);
        Assert.Equal("1024", paper["backbone.width"]!.ToString());
        Assert.Equal("32", paper["tokenizer.latent_dim"]); // D/24 of D = 16·16·3: the paper's d = 32
        Assert.Equal("3", ci["tokenizer.latent_dim"]);     // D/24 of D = 8·8·1, rounded
    }

    [Fact]
    public void Changing_a_row_changes_its_hash_and_its_descendants_only()
    {
        var dir = CopyExperiments();
        var before = ExperimentRegistry.Load(dir);
        var path = Path.Combine(dir, "table3.yaml");
        File.WriteAllText(path, File.ReadAllText(path).Replace("set: {objective.output: image}", "set: {objective.output: image, backbone.conditioning_ratio: 0.5}"));
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
        Assert.Equal(["tokenizer/pca-p8-d3"], plan["table3/predict-original-image"].DependsOn);
        Assert.Equal(PlanTargetKind.Tokenizer, plan["tokenizer/pca-p8-d3"].Kind);
        Assert.Empty(plan["table2/pixels"].DependsOn);
        Assert.Equal("not at this profile: probing after k blocks needs 1 ≤ k ≤ depth − 1 = 3", plan["encoder-split/k-plus-2"].Unavailable);
        Assert.Null(plan["table4/mae-base"].Unavailable);
        Assert.Empty(plan["table4/mae-base"].DependsOn);          // MAE and MoCo v3 work on pixel patches: no tokenizer artifact
        Assert.Null(plan["table4/mocov3-large"].Unavailable);
        Assert.Null(plan["table1/dit-baseline"].Unavailable);
        Assert.Equal(["tokenizer/conv-vae-p8-d4-full"], plan["table1/dit-baseline"].DependsOn);
        Assert.Null(plan["table3/pca-ddm"].Unavailable);
        Assert.Contains("table3", plan[BuildPlan.AllTables].DependsOn);
    }

    [Fact]
    public void The_regression_rows_group_builds_the_rows_the_suite_runs_and_no_study_of_steps_or_bf16_row()
    {
        var plan = BuildPlan.For(Registry, "ci").ToDictionary(t => t.Name);
        var rows = plan[BuildPlan.RegressionRowsGroup].DependsOn;
        Assert.Equal(PlanTargetKind.Group, plan[BuildPlan.RegressionRowsGroup].Kind);
        Assert.Equal(LDae.Harness.Regression.RegressionRows.Of(Registry, "ci"), rows);
        Assert.Contains("table3/pca-ddm", rows);
        Assert.Contains("finetune/l-dae-base", rows);
        Assert.DoesNotContain(rows, r => r.StartsWith("compute/", StringComparison.Ordinal) || r.StartsWith("precision/", StringComparison.Ordinal));
        Assert.DoesNotContain("encoder-split/k-plus-2", rows);                   // not available at ci
        Assert.All(rows, r => Assert.Equal(PlanTargetKind.Row, plan[r].Kind));
    }

    [Fact]
    public void A_tokenizer_is_needed_only_while_a_row_using_it_has_no_up_to_date_result()
    {
        var plan = BuildPlan.For(Registry, "ci");
        var users = BuildPlan.RowsUsing(plan, "tokenizer/pca-p8-d3").ToList();
        Assert.Contains("table3/predict-original-image", users);
        Assert.Contains("table2/pca", users);
        Assert.DoesNotContain("table2/pixels", users);
        Assert.DoesNotContain("table3", users);                                  // tables are not rows

        Assert.False(BuildPlan.TokenizerNeeded(plan, "tokenizer/pca-p8-d3", _ => true));
        Assert.True(BuildPlan.TokenizerNeeded(plan, "tokenizer/pca-p8-d3", row => row != "table3/single-noise-level"));
        Assert.False(BuildPlan.TokenizerNeeded(plan, "tokenizer/pca-p8-d3", row => !row.StartsWith("table1/", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("16", 768, 16)]
    [InlineData("D", 49, 49)]
    [InlineData("D/16", 768, 48)]
    [InlineData("D/16", 49, 3)]
    [InlineData("D/32", 16, 1)]
    [InlineData("D/24", 64, 3)]
    [InlineData("D/96", 768, 8)]
    public void Latent_dimension_resolves_relative_to_the_patch_dimension(string text, int patchDim, int expected) =>
        Assert.Equal(expected, LatentDimension.Resolve(text, patchDim));

    [Theory]
    [InlineData("D/48", 768, 16)]
    [InlineData("D/96", 192, 4)]
    [InlineData("D/6", 64, 12)]
    [InlineData("D", 48, 48)]
    [InlineData("6", 768, 8)]
    public void Latent_dimension_rounds_to_a_multiple_when_asked(string text, int patchDim, int expected) =>
        Assert.Equal(expected, LatentDimension.Resolve(text, patchDim, multiple: 4));

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
            Assert.Contains(kind, LDae.Rows.TokenizerArtifacts.Kinds);
    }

    /// <summary>A baseline is an encoder alone: a probe past its last block is refused before anything is trained.</summary>
    [Fact]
    public void A_baseline_cannot_be_probed_past_its_encoder()
    {
        var registry = ExperimentRegistry.Load(Repo.Experiments());
        Assert.Null(Availability.Missing(registry.Resolve("table4/mae-base", "quick", ConfigOverrides.Parse(["probe.split=-1"]))));
        Assert.Equal("not for mocov3: the probe reads after at most the encoder's depth/2 blocks (probe.split ≤ 0)",
            Availability.Missing(registry.Resolve("table4/mocov3-base", "quick", ConfigOverrides.Parse(["probe.split=1"]))));
        Assert.Null(Availability.Missing(registry.Resolve("table4/l-dae-base", "quick", ConfigOverrides.Parse(["probe.split=1"]))));
    }
}

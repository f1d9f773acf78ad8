using LDae.Harness;
using LDae.Harness.Config;
using LDae.Harness.Experiments;
using Xunit;

namespace LDae.Tests.Harness;

/// <summary>The fine-tuning rows (the paper's Appendix B): their hashes, their pretraining sources and the recipe's keys.</summary>
public class FineTuneConfigTests
{
    static readonly ExperimentRegistry Registry = ExperimentRegistry.Load(Repo.Experiments());

    public static TheoryData<string, string> Encoders() => new()
    {
        { "finetune/l-dae-base", "table4/l-dae-base" }, { "finetune/l-dae-large", "table4/l-dae-large" },
        { "finetune/mae-base", "table4/mae-base" }, { "finetune/mae-large", "table4/mae-large" },
        { "finetune/mocov3-base", "table4/mocov3-base" }, { "finetune/mocov3-large", "table4/mocov3-large" },
    };

    [Theory]
    [MemberData(nameof(Encoders))]
    public void A_fine_tuning_row_fine_tunes_the_weights_of_its_table4_row_under_its_own_hash(string row, string source)
    {
        foreach (var profile in new[] { "ci", "quick", "paper" })
        {
            var tuned = Registry.Resolve(row, profile);
            var pretrained = Registry.Resolve(source, profile);
            Assert.NotEqual(pretrained.Hash(), tuned.Hash());
            Assert.Equal(pretrained.PretrainingHash(), tuned.PretrainingHash());
            Assert.Equal(source, PretrainingSource.For(Registry, Registry.Row(row), profile)?.FullId);
        }
    }

    [Fact]
    public void The_scratch_row_pretrains_nothing_and_is_compared_with_the_fine_tuned_l_dae()
    {
        var scratch = Registry.Row("finetune/scratch-base");
        Assert.Null(PretrainingSource.For(Registry, scratch, "ci"));
        Assert.Equal("random-init", Registry.Resolve(scratch, "ci").Text("probe.encoder"));
        var table = Registry.Tables.Single(t => t.Id == "finetune");
        int Index(string id) => table.Rows.ToList().FindIndex(r => r.FullId == id);
        Assert.Equal("finetune/l-dae-base", table.PreviousId(Index("finetune/scratch-base")));
        Assert.Equal("finetune/l-dae-base", table.PreviousId(Index("finetune/mocov3-base")));
        Assert.Equal("finetune/l-dae-large", table.PreviousId(Index("finetune/mae-large")));
    }

    [Fact]
    public void The_recipe_enters_the_hash_of_fine_tuning_rows_only()
    {
        var overrides = ConfigOverrides.Parse(["finetune.epochs=7", "finetune.mixup=0.2"]);
        var probe = "table4/mae-base";
        Assert.Equal(Registry.Resolve(probe, "ci").Hash(), Registry.Resolve(probe, "ci", overrides).Hash());
        Assert.NotEqual(Registry.Resolve("finetune/mae-base", "ci").Hash(), Registry.Resolve("finetune/mae-base", "ci", overrides).Hash());
        // the profiles size the recipe differently, and a fine-tuning row sees it
        Assert.NotEqual(Registry.Resolve("finetune/mae-base", "ci").Int("finetune.epochs"), Registry.Resolve("finetune/mae-base", "paper").Int("finetune.epochs"));
    }

    [Fact]
    public void The_paper_profile_has_the_papers_recipe()
    {
        var c = Registry.Resolve("finetune/l-dae-base", "paper");
        Assert.Equal(1024, c.Int("finetune.batch_size"));
        Assert.Equal(4e-3, c.Double("finetune.lr") * c.Int("finetune.batch_size") / 256, 12);
        Assert.Equal(100, c.Int("finetune.epochs"));
        Assert.Equal((0.85, 0.65), (c.Double("finetune.layer_decay.base"), c.Double("finetune.layer_decay.large")));
        Assert.Equal((0.1, 0.8, 1.0, 0.9999), (c.Double("finetune.drop_path"), c.Double("finetune.mixup"), c.Double("finetune.cutmix"), c.Double("finetune.ema")));
        Assert.Equal((9.0, 0.5), (c.Double("finetune.randaug_magnitude"), c.Double("finetune.randaug_std")));
    }
}

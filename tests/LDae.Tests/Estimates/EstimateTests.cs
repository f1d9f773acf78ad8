using LDae.Estimates;
using LDae.Rows;
using LDae.Harness;
using LDae.Harness.Summary;
using LDae.Harness.Experiments;
using LDae.Models;
using LDae.Runtime;
using Xunit;

namespace LDae.Tests.Estimates;

/// <summary>The estimate's arithmetic: the work it counts for a row is the work the row does, and the build's
/// remaining time follows what has finished.</summary>
public class EstimateTests
{
    public EstimateTests() => TorchRuntime.EnsureLoaded(threads: 1);

    static readonly ExperimentRegistry Registry = ExperimentRegistry.Load(Repo.Experiments());

    [Fact]
    public void A_rows_pretraining_is_its_trainers_steps_times_three_forward_passes()
    {
        var c = Registry.Resolve("table3/predict-original-image", "ci");
        var data = DatasetSize.Of(c, Repo.Root());
        Assert.Equal((4000L, 1000L, 32), (data.Train, data.Test, data.ImageSize));
        var work = WorkModel.Row(c, data);
        var pretrain = Assert.Single(work, w => w.Workload.Kind == WorkKind.Pretrain);
        var train = RunSettings.Train(c);
        long steps = train.ResolveTotalSteps((int)(4000 / train.BatchSize));
        Assert.Equal(3 * 31L, steps);   // 3 epochs of 31 full batches of 128
        double forward = BackboneFlops.PerImage(RunSettings.Backbone(c, 32));
        Assert.Equal(3 * forward * steps * train.BatchSize, pretrain.Flops, 6);
        var features = Assert.Single(work, w => w.Workload.Kind == WorkKind.Features);
        Assert.Equal(forward / 2 * (4000 + 1000), features.Flops, 6);   // the encoder is half the blocks
        Assert.Contains(work, w => w.Workload.Kind == WorkKind.LinearProbe);
        Assert.Contains(work, w => w.Workload.Kind == WorkKind.Knn);
    }

    [Fact]
    public void A_fine_tuning_row_counts_its_steps_through_the_readout_at_a_rate_of_its_own_and_no_pretraining()
    {
        var c = Registry.Resolve("finetune/l-dae-base", "ci");
        var data = DatasetSize.Of(c, Repo.Root());
        var work = WorkModel.Row(c, data, probeOnly: true);
        Assert.DoesNotContain(work, w => w.Workload.Kind == WorkKind.Pretrain);
        var fineTune = Assert.Single(work, w => w.Workload.Kind == WorkKind.FineTune);
        var o = FineTuneSettings.Options(c);
        long batch = Math.Min(o.BatchSize, data.Train), steps = data.Train / batch * o.Epochs;
        var shape = RunSettings.Backbone(c, data.ImageSize);
        double readout = BackboneFlops.PerImage(shape) * c.Int("probe.blocks") / shape.Depth;
        Assert.Equal(3 * readout * steps * batch, fineTune.Flops, 6);
        Assert.Equal(readout * o.Epochs * data.Test, Assert.Single(work, w => w.Workload.Kind == WorkKind.Features).Flops, 6);
        // its own measurement: the augmentations, drop path and EMA make a fine-tuning step slower than a pretraining step
        Assert.NotEqual(Workload.For(WorkKind.Pretrain, c).Key.Split(": ")[1], fineTune.Workload.Key.Split(": ")[1]);
        Assert.NotEqual(fineTune.Workload.Key, WorkModel.Row(Registry.Resolve("finetune/l-dae-large", "ci"), data, probeOnly: true)
            .Single(w => w.Workload.Kind == WorkKind.FineTune).Workload.Key);
    }

    [Fact]
    public void An_augmented_probe_counts_a_pass_over_the_training_images_for_every_probe_epoch()
    {
        var cpu = Registry.Resolve("table3/predict-original-image", "cpu");
        Assert.Equal("augmented", cpu.Text("probe.features"));
        var data = new DatasetSize(50_000, 10_000, 32);
        var features = Assert.Single(WorkModel.Row(cpu, data), w => w.Workload.Kind == WorkKind.Features);
        double encoder = BackboneFlops.PerImage(RunSettings.Backbone(cpu, 32)) / 2;
        long epochs = cpu.Int("probe.epochs");
        // the fixed center-crop view of both splits, and each epoch's random crops of the training images
        Assert.Equal(encoder * ((1 + epochs) * 50_000 + 10_000), features.Flops, 6);

        var ci = Registry.Resolve("table3/predict-original-image", "ci");
        Assert.Equal("cached", ci.Text("probe.features"));
        Assert.Equal(1, WorkModel.ProbeFeaturePasses(ci));
    }

    [Fact]
    public void Rows_of_one_shape_share_a_measurement_and_another_shape_does_not()
    {
        var a = Workload.For(WorkKind.Pretrain, Registry.Resolve("table3/predict-original-image", "ci"));
        var b = Workload.For(WorkKind.Pretrain, Registry.Resolve("table2/sweep-pca-d8", "ci"));
        var large = Workload.For(WorkKind.Pretrain, Registry.Resolve("table4/l-dae-large", "ci"));
        var quick = Workload.For(WorkKind.Pretrain, Registry.Resolve("table3/predict-original-image", "quick"));
        Assert.NotEqual(a.Key, quick.Key);
        Assert.Equal(Workload.For(WorkKind.Pretrain, Registry.Resolve("augmentation/center-crop", "ci")).Key, a.Key);
        Assert.NotEqual(a.Key, Workload.For(WorkKind.Features, a.Config).Key);
        Assert.True(b.Key.Length > 0 && large.Key.Length > 0);
        // a bf16 step is measured apart; its feature pass (float32) is the fp32 row's
        var bf16 = Registry.Resolve("precision/l-dae-bf16", "ci");
        Assert.NotEqual(a.Key, Workload.For(WorkKind.Pretrain, bf16).Key);
        Assert.DoesNotContain("precision", a.Key);
        Assert.Equal(Workload.For(WorkKind.Features, a.Config).Key, Workload.For(WorkKind.Features, bf16).Key);
    }

    [Fact]
    public void A_learned_tokenizer_counts_both_phases_and_the_perceptual_network_once()
    {
        var c = Registry.Resolve("table1/dit-baseline", "ci");
        var data = DatasetSize.Of(c, Repo.Root());
        var with = WorkModel.Tokenizer(c, data, withPerceptualNetwork: true);
        var without = WorkModel.Tokenizer(c, data, withPerceptualNetwork: false);
        Assert.Contains(with, w => w.Workload.Kind == WorkKind.TokenizerAdversarial);
        Assert.Contains(with, w => w.Workload.Kind == WorkKind.PerceptualNetwork);
        Assert.DoesNotContain(without, w => w.Workload.Kind == WorkKind.PerceptualNetwork);
        Assert.All(with, w => Assert.True(w.Flops > 0, w.Description));
    }

    [Fact]
    public void The_target_reaches_its_rows_and_their_tokenizers()
    {
        var plan = BuildPlan.For(Registry, "ci");
        var reached = Estimator.Reach(plan, "table2/conv-vae");
        Assert.Equal(["tokenizer/conv-vae-p8-d4-plain", "table2/conv-vae"], reached.Select(t => t.Name));
        Assert.Throws<ArgumentException>(() => Estimator.Reach(plan, "no-such-target"));
    }

    static BuildEstimate Sample() => new()
    {
        Target = "tables",
        Profile = "ci",
        Machine = "test machine",
        MatmulGflops = 100,
        Targets =
        [
            new TargetEstimate("tokenizer/pca", TargetStatus.UpToDate, [new WorkEstimate("fit", 1e11, 100)]),
            new TargetEstimate("t/a", TargetStatus.ToRun, [new WorkEstimate("pretrain", 6e12, 100)]),
            new TargetEstimate("t/b", TargetStatus.ToRun, [new WorkEstimate("pretrain", 3e12, 50), new WorkEstimate("probe", 1e12, 100)]),
            new TargetEstimate("t/c", TargetStatus.SameAs, []) { Note = "t/a" },
            new TargetEstimate("t/d", TargetStatus.Unavailable, []) { Note = "not available yet: needs the MAE baseline" },
        ],
    };

    [Fact]
    public void Totals_count_each_configuration_once_and_json_round_trips()
    {
        var e = Sample();
        Assert.Equal(1 + 60 + 70, e.TotalSeconds, 9);
        Assert.Equal(60 + 70, e.ToRunSeconds, 9);
        var back = BuildEstimate.FromJson(e.ToJson(), "test");
        Assert.Equal(e.TotalSeconds, back.TotalSeconds, 9);
        Assert.Equal(TargetStatus.SameAs, back.Find("t/c")!.Status);
        var table = e.ToTable();
        Assert.Contains("same as t/a", table);
        Assert.Contains("still to run: 2 min 10 s", table);
    }

    [Fact]
    public void The_build_clock_scales_the_remaining_time_by_the_pace_so_far()
    {
        var start = DateTimeOffset.UnixEpoch;
        var clock = new BuildClock(Sample(), start);
        Assert.Equal(130, clock.RemainingSeconds, 9);
        clock.Finished("tokenizer/pca", 0.01);
        clock.Finished("t/a", 120);   // took twice its estimate
        Assert.Equal(2, clock.Pace, 9);
        Assert.Equal(2 * 70, clock.RemainingSeconds, 9);
        Assert.Equal("elapsed 2 min 05 s, estimated remaining 2 min 20 s (2 of 4 targets done, running at 2.00× the estimate)",
            clock.Line(start.AddSeconds(125)));
    }
}

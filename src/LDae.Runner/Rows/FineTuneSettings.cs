using LDae.Evaluation.FineTuning;
using LDae.Harness.Config;

namespace LDae.Rows;

/// <summary>The fine-tuning recipe of a resolved configuration (finetune.*), with the layer decay of the row's model size.</summary>
public static class FineTuneSettings
{
    public static bool Enabled(ConfigTree c) => c.Bool("finetune.enabled");

    public static FineTuneOptions Options(ConfigTree c) => new()
    {
        Epochs = (int)c.Int("finetune.epochs"),
        WarmupEpochs = c.Double("finetune.warmup_epochs"),
        BatchSize = (int)c.Int("finetune.batch_size"),
        BaseLr = c.Double("finetune.lr"),
        MinLr = c.Double("finetune.min_lr"),
        WeightDecay = c.Double("finetune.weight_decay"),
        LayerDecay = c.Double($"finetune.layer_decay.{c.Text("backbone.size")}"),
        DropPath = c.Double("finetune.drop_path"),
        Mix = new MixOptions(c.Double("finetune.mixup"), c.Double("finetune.cutmix"), c.Double("finetune.label_smoothing")),
        RandAugment = new RandAugmentOptions((int)c.Int("finetune.randaug_ops"), c.Double("finetune.randaug_magnitude"), c.Double("finetune.randaug_std")),
        EmaDecay = c.Double("finetune.ema"),
        Seed = c.Int("train.seed"),
    };
}

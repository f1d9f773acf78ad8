using static LDae.Harness.Config.ValueRange;

namespace LDae.Harness.Config;

/// <summary>
/// The range of every numeric key of <see cref="ConfigSchema"/>, checked when a value is read from YAML or
/// <c>--set</c>, so that <c>train.epochs: 0</c> fails at resolve time naming the key instead of deep inside a run.
/// Kept beside the schema rather than in it so that adding a key stays a one-line change there; a test checks that
/// every numeric key that a profile, row or override can set has a range here.
/// </summary>
public static class ConfigRanges
{
    public static readonly IReadOnlyDictionary<string, ValueRange> ByKey = new Dictionary<string, ValueRange>(StringComparer.Ordinal)
    {
        ["data.image_size"] = AtLeast(1),
        ["data.train_subset"] = AtLeast(1),
        ["data.test_subset"] = AtLeast(1),
        ["tokenizer.patch"] = AtLeast(1),
        ["tokenizer.fit_images"] = AtLeast(1),
        ["tokenizer.train_epochs"] = AtLeast(1),
        ["tokenizer.downscale"] = AtLeast(1),
        ["backbone.mlp_ratio"] = Positive,
        ["sizes.half-large.width"] = AtLeast(4),
        ["sizes.half-large.depth"] = AtLeast(2),
        ["sizes.half-large.heads"] = AtLeast(1),
        ["sizes.base.width"] = AtLeast(4),
        ["sizes.base.depth"] = AtLeast(2),
        ["sizes.base.heads"] = AtLeast(1),
        ["sizes.large.width"] = AtLeast(4),
        ["sizes.large.depth"] = AtLeast(2),
        ["sizes.large.heads"] = AtLeast(1),
        ["noise.single_sigma"] = Positive,
        ["backbone.conditioning_ratio"] = Positive,
        ["objective.residual_weight"] = AtLeast(0),
        ["train.epochs"] = AtLeast(1),
        ["train.length"] = Positive,
        ["train.batch_size"] = AtLeast(1),
        ["train.lr"] = Positive,
        ["train.min_lr"] = AtLeast(0),
        ["train.warmup_epochs"] = AtLeast(0),
        ["train.weight_decay"] = AtLeast(0),
        ["train.ema"] = Decay,
        ["train.grad_clip"] = AtLeast(0),
        ["train.seed"] = AtLeast(0),
        ["train.threads"] = AtLeast(1),
        ["train.replicas"] = AtLeast(1),
        ["train.checkpoint_every"] = AtLeast(0),
        ["probe.knn_k"] = AtLeast(1),
        ["probe.t"] = AtLeast(0), // the schedule's own T bounds it (RowRunner)
        // Negative splits read the tokens before the middle block; RowRunner checks that both sides keep a block.
        ["probe.split"] = new(-1000, Max: 1000),
        ["probe.epochs"] = AtLeast(1),
        ["probe.lr"] = Positive,
        ["probe.batch_size"] = AtLeast(1),
        ["finetune.epochs"] = AtLeast(1),
        ["finetune.warmup_epochs"] = AtLeast(0),
        ["finetune.batch_size"] = AtLeast(2),
        ["finetune.lr"] = Positive,
        ["finetune.min_lr"] = AtLeast(0),
        ["finetune.weight_decay"] = AtLeast(0),
        ["finetune.layer_decay.base"] = new(0, MinInclusive: false, Max: 1),
        ["finetune.layer_decay.large"] = new(0, MinInclusive: false, Max: 1),
        ["finetune.layer_decay.half-large"] = new(0, MinInclusive: false, Max: 1),
        ["finetune.drop_path"] = Decay,
        ["finetune.label_smoothing"] = Decay,
        ["finetune.mixup"] = AtLeast(0),
        ["finetune.cutmix"] = AtLeast(0),
        ["finetune.randaug_ops"] = AtLeast(0),
        ["finetune.randaug_magnitude"] = new(0, Max: 10),
        ["finetune.randaug_std"] = AtLeast(0),
        ["finetune.ema"] = Decay,
    };

    /// <summary>The range of <paramref name="path"/>, or null for non-numeric and derived keys.</summary>
    public static ValueRange? For(string path) => ByKey.GetValueOrDefault(path);
}

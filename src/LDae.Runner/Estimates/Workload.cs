using System.Globalization;
using LDae.Harness.Config;

namespace LDae.Estimates;

/// <summary>The kinds of work a build does, each with its own throughput on a machine.</summary>
public enum WorkKind
{
    /// <summary>A pretraining step of the denoiser (data-parallel replicas, AdamW, clipping, EMA).</summary>
    Pretrain,
    /// <summary>A fine-tuning step of a row's encoder and classifier (augmentations, drop path, layer-decay AdamW, EMA).</summary>
    FineTune,
    /// <summary>The frozen encoder's features for the probes (no_grad, batches of 512).</summary>
    Features,
    /// <summary>Epochs of the linear probe on cached features.</summary>
    LinearProbe,
    /// <summary>The kNN probe: every test feature against every training feature.</summary>
    Knn,
    /// <summary>A learned tokenizer's training step before the adversarial loss starts.</summary>
    TokenizerReconstruction,
    /// <summary>A learned tokenizer's training step with the adversarial loss and the discriminator's update.</summary>
    TokenizerAdversarial,
    /// <summary>A training step of the perceptual network (the supervised classifier behind the perceptual loss).</summary>
    PerceptualNetwork,
    /// <summary>Fitting patch-wise PCA (the patch covariance).</summary>
    PcaFit,
}

/// <summary>
/// One kind of work at one shape: what <see cref="Calibration"/> times and <see cref="ThroughputCache"/> remembers per
/// machine. <see cref="Key"/> names everything the speed depends on (the sizes, batch, threads, replicas and a pretraining step's precision), so rows
/// of the same shape share one measurement and a changed profile measures anew. <see cref="Config"/> is one of the
/// rows' resolved configurations, from which the calibration builds the real objects.
/// </summary>
public sealed record Workload(WorkKind Kind, string Key, ConfigTree Config)
{
    /// <summary>The configuration values a kind's speed depends on, joined into its key.</summary>
    public static Workload For(WorkKind kind, ConfigTree config)
    {
        string[] keys = kind switch
        {
            // the latent dimension only changes the first and last linear layer: counted in the FLOPs, not measured apart
            WorkKind.Pretrain or WorkKind.Features =>
            [
                "tokenizer.kind", "tokenizer.patch", "objective.input", "objective.output",
                "backbone.width", "backbone.depth", "backbone.heads", "backbone.mlp_ratio", "backbone.class_conditional",
                "data.image_size", "data.channels", "train.batch_size", "train.replicas", "train.threads", "train.ema",
            ],
            WorkKind.FineTune =>
            [
                "pretrain.method", "tokenizer.kind", "tokenizer.patch", "backbone.width", "backbone.depth", "backbone.heads",
                "backbone.mlp_ratio", "probe.blocks", "data.image_size", "data.channels", "finetune.batch_size",
                "finetune.randaug_ops", "finetune.drop_path", "finetune.mixup", "finetune.cutmix", "finetune.ema", "train.threads",
            ],
            WorkKind.LinearProbe or WorkKind.Knn => ["backbone.width", "probe.batch_size", "train.threads"],
            WorkKind.TokenizerReconstruction or WorkKind.TokenizerAdversarial =>
            [
                "tokenizer.kind", "tokenizer.patch", "tokenizer.perceptual_loss", "tokenizer.adversarial_loss",
                "data.image_size", "data.channels", "train.threads",
            ],
            WorkKind.PerceptualNetwork or WorkKind.PcaFit => ["tokenizer.patch", "data.image_size", "data.channels", "train.threads"],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        // a bf16 step runs at its own rate; fp32 keys stay as they are, so the measurements cached for them still apply
        if (kind == WorkKind.Pretrain && config.Text("train.precision") != "fp32") keys = [.. keys, "train.precision"];
        var values = keys.Select(k => $"{k}={Text(config.Values.GetValueOrDefault(k))}");
        return new Workload(kind, $"{kind}: {string.Join(", ", values)}", config);
    }

    static string Text(object? value) => value switch
    {
        null => "null",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}

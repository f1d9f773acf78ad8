namespace LDae.Harness.Config;

/// <summary>
/// Every key a run configuration may hold — the one place that says what can be configured. Rows of the
/// paper set <see cref="KeyScope.Semantic"/> keys; profiles set <see cref="KeyScope.Scale"/> keys.
/// </summary>
public static class ConfigSchema
{
    const KeyScope Sem = KeyScope.Semantic, Scl = KeyScope.Scale;

    public static readonly IReadOnlyList<ConfigKey> Keys =
    [
        // what is pretrained: the denoising family of the paper (l-DAE), or a baseline of its Table 4 (docs/baselines.md)
        new("pretrain.method", KeyType.Enum, "denoising", Sem, "pretraining method: denoising (l-DAE and its ablations), mae (masked autoencoding), mocov3 (contrastive)", "denoising", "mae", "mocov3"),

        // data: which images, how many (profile); augmentation is a study of the paper (row)
        new("data.dataset", KeyType.Enum, "fashion-mnist", Scl, "dataset", "fashion-mnist", "cifar10", "imagefolder"),
        new("data.path", KeyType.Text, null, Scl, "ImageFolder directory / .tar / .tar.gz (imagefolder, or cifar10 from its JPEG tarball)") { Nullable = true },
        new("data.image_size", KeyType.Int, null, Scl, "resize + center-crop side; null keeps the native size") { Nullable = true },
        new("data.train_subset", KeyType.Int, null, Scl, "number of training images (seeded subset); null = all") { Nullable = true },
        new("data.test_subset", KeyType.Int, null, Scl, "number of test images (seeded subset); null = all") { Nullable = true },
        new("data.augment", KeyType.Enum, "center-crop", Sem,
            "pretraining augmentation: the center crop only (the paper's default), or the paper's random crop (random resized crop + flip, as MAE)",
            "center-crop", "random-crop"),

        // tokenizer: the latent space in which noise is added
        new("tokenizer.kind", KeyType.Enum, "pca", Sem, "tokenizer", "pixels", "pca", "patch-ae", "patch-vae", "conv-vae"),
        new("tokenizer.latent_dim", KeyType.LatentDim, "D/24", Sem,
            "latent dimension per token d (the paper's l-DAE: d = 32 of D = 768, i.e. D/24); resolved to an integer ≥ 1 per profile — for the conv VAE to 4× a channel count (2×2 latent cells per token), for pixels to (p/downscale)²·C"),
        new("tokenizer.scaling", KeyType.Enum, "global", Sem,
            "latent normalisation of the PCA: none (raw projections), global (one factor: unit mean variance, LDM's scale-factor role), per-dimension (whitening)",
            "none", "global", "per-dimension"),
        new("tokenizer.downscale", KeyType.Int, 1L, Sem,
            "pixel tokenizer: the image is resized to 1/downscale of its side and patched with p/downscale, so the token count stays fixed while d = (p/downscale)²·C shrinks (the paper's Fig. 5)"),
        new("tokenizer.perceptual_loss", KeyType.Bool, false, Sem, "conv VAE: perceptual loss from a supervised network"),
        new("tokenizer.adversarial_loss", KeyType.Bool, false, Sem, "conv VAE: patch-discriminator loss"),
        new("tokenizer.patch", KeyType.Int, 4L, Scl, "patch side p in pixels (D = p²·C)"),
        new("tokenizer.fit_images", KeyType.Int, 10000L, Scl, "training images used to fit / train the tokenizer"),
        new("tokenizer.train_epochs", KeyType.Int, 5L, Scl, "epochs for learned tokenizers"),

        // backbone: DiT blocks split into encoder and decoder halves
        new("backbone.size", KeyType.Enum, "half-large", Sem,
            "model size, mapped by the profile to width/depth/heads: half-large = the paper's ViT-½L (DiT-L split in half); base / large = encoder ViT-B / ViT-L with a decoder of the same size",
            "half-large", "base", "large"),
        new("backbone.class_conditional", KeyType.Bool, false, Sem, "class-label embedding in adaLN"),
        new("backbone.conditioning", KeyType.Enum, "both", Sem, "blocks that receive adaLN-Zero conditioning", "both", "encoder", "decoder", "none"),
        new("backbone.timestep_conditioning", KeyType.Bool, true, Sem,
            "the timestep t is fed to adaLN (false: a classical DAE that is not told the noise level — every input gets the embedding of one fixed t, so the blocks keep their shape; plain blocks are backbone.conditioning: none)") { Revision = 1 },
        new("backbone.conditioning_ratio", KeyType.Double, 0.25, Sem,
            "width of the adaLN conditioning (timestep MLP hidden size and c) relative to the model width: the paper's 1/4 (DiT: 1)"),
        new("backbone.width", KeyType.Int, 0L, KeyScope.Derived, "width, from sizes.<backbone.size>"),
        new("backbone.depth", KeyType.Int, 0L, KeyScope.Derived, "blocks (first half encoder, second half decoder), from sizes.<backbone.size>"),
        new("backbone.heads", KeyType.Int, 0L, KeyScope.Derived, "attention heads, from sizes.<backbone.size>"),
        new("tokenizer.patch_dim", KeyType.Int, 0L, KeyScope.Derived, "D = p²·C"),
        new("data.channels", KeyType.Int, 0L, KeyScope.Derived, "image channels of the dataset"),
        new("backbone.mlp_ratio", KeyType.Double, 4.0, Scl, "MLP hidden / width"),
        new("sizes.half-large.width", KeyType.Int, 96L, Scl, "width of the 'half-large' model"),
        new("sizes.half-large.depth", KeyType.Int, 4L, Scl, "blocks (encoder + decoder) of the 'half-large' model"),
        new("sizes.half-large.heads", KeyType.Int, 3L, Scl, "attention heads of the 'half-large' model"),
        new("sizes.base.width", KeyType.Int, 64L, Scl, "width of the 'base' model"),
        new("sizes.base.depth", KeyType.Int, 4L, Scl, "blocks (encoder + decoder) of the 'base' model"),
        new("sizes.base.heads", KeyType.Int, 2L, Scl, "attention heads of the 'base' model"),
        new("sizes.large.width", KeyType.Int, 96L, Scl, "width of the 'large' model"),
        new("sizes.large.depth", KeyType.Int, 8L, Scl, "blocks (encoder + decoder) of the 'large' model"),
        new("sizes.large.heads", KeyType.Int, 3L, Scl, "attention heads of the 'large' model"),

        // noise: x_t = γ_t z + σ_t ε
        new("noise.schedule", KeyType.Enum, "linear-gamma2", Sem, "noise schedule", "ddpm-linear-beta", "linear-gamma2"),
        new("noise.input_scaling", KeyType.Bool, true, Sem, "γ_t scales the input (false: γ ≡ 1 and σ_t linear from 0 to √2, the paper's Table 3)"),
        new("noise.single_level", KeyType.Bool, false, Sem, "one fixed noise level instead of a schedule"),
        new("noise.single_sigma", KeyType.Double, 0.5773502691896258, Sem, "σ of the single noise level (√(1/3))"),

        // objective: prediction target and loss
        new("objective.prediction", KeyType.Enum, "epsilon", Sem, "what the network predicts", "epsilon", "clean-data", "original-image"),
        new("objective.input", KeyType.Enum, "latent", Sem, "network input: the noisy latent, or inverse-PCA(noisy latent) as an image", "latent", "image"),
        new("objective.output", KeyType.Enum, "latent", Sem, "network output: latent, or image patches compared in pixels with invPCA(z₀) or the original image", "latent", "image"),
        new("objective.residual_weight", KeyType.Double, 1.0, Sem, "image output: weight of the error outside the PCA subspace (1: plain pixel MSE; the paper's original-image loss: 0.1)"),

        // training budget
        new("train.epochs", KeyType.Int, 10L, Scl, "pretraining epochs at length 1"),
        new("train.length", KeyType.Double, 1.0, Sem, "training-length multiplier (the paper's 400 → 800 → 1600 study)"),
        new("train.batch_size", KeyType.Int, 128L, Scl, "pretraining batch size"),
        new("train.lr", KeyType.Double, 1e-3, Scl, "learning rate (AdamW): the peak itself, or the base lr blr of train.lr_scaling"),
        new("train.lr_scaling", KeyType.Enum, "none", Scl, "none: train.lr is the peak; linear-256: peak = train.lr × batch / 256 (the paper's rule)", "none", "linear-256"),
        new("train.min_lr", KeyType.Double, 1e-5, Scl, "final learning rate of the cosine decay"),
        new("train.warmup_epochs", KeyType.Double, 1.0, Scl, "linear warm-up"),
        new("train.weight_decay", KeyType.Double, 0.05, Scl, "AdamW weight decay"),
        new("train.ema", KeyType.Double, 0.0, Scl, "EMA decay of the weights used for probing (0 = off); warmed up as min(decay, (1 + k)/(10 + k)) at update k"),
        new("train.grad_clip", KeyType.Double, 1.0, Scl, "max gradient norm (0 = off)"),
        new("train.seed", KeyType.Int, 0L, Scl, "seed of data order, init and noise"),
        new("train.threads", KeyType.Int, 2L, Scl, "torch intra-op threads"),
        new("train.precision", KeyType.Enum, "fp32", Sem,
            "element type of the training step's products: fp32, or bf16 (mixed precision: linear layers, attention products and the patch embedding in bfloat16, parameters, optimizer, EMA, norms, softmax and loss in float32; on a CPU needs AVX512_BF16 or AMX)",
            "fp32", "bf16") { HashedOnlyWhenSet = true },
        new("train.replicas", KeyType.Int, 1L, Scl, "data-parallel replicas: the batch is split into this many shards, each on its own thread with threads/replicas torch threads; gradients summed (DDP on CPU cores)"),
        new("train.checkpoint_every", KeyType.Int, 500L, Scl, "steps between checkpoints"),

        // linear probe (MAE protocol) and kNN
        new("probe.encoder", KeyType.Enum, "trained", Sem, "features probed", "trained", "random-init", "raw-pixels"),
        new("probe.pool", KeyType.Enum, "mean", Sem, "token pooling (DiT has no class token)", "mean"),
        new("probe.knn_k", KeyType.Int, 20L, Sem, "k of the kNN probe"),
        new("probe.t", KeyType.Int, 10L, Sem, "time step the encoder is told at probe time (0..1000; the paper probes at t = 10)"),
        new("probe.noisy_input", KeyType.Bool, false, Sem, "probe on the input noised at probe.t's level, as in training (false: clean input)"),
        new("probe.split", KeyType.Int, 0L, Sem, "encoder/decoder split read by the probe: the tokens after depth/2 + split blocks"),
        new("probe.blocks", KeyType.Int, 0L, KeyScope.Derived, "blocks the probe reads after (depth/2 + probe.split)"),
        new("probe.features", KeyType.Enum, "augmented", Scl,
            "augmented: MAE's probe (random resized crop + flip, features recomputed every epoch; one center crop for testing); cached: one pass over the stored images",
            "cached", "augmented"),
        new("probe.optimizer", KeyType.Enum, "lars", Scl, "linear-probe optimizer (lars: MAE's; sgd: momentum SGD)", "sgd", "lars"),
        new("probe.epochs", KeyType.Int, 50L, Scl, "linear-probe epochs"),
        new("probe.lr", KeyType.Double, 0.1, Scl, "linear-probe learning rate"),
        new("probe.batch_size", KeyType.Int, 256L, Scl, "linear-probe batch size"),

        // end-to-end fine-tuning (the paper's Appendix B, MAE's protocol) instead of the linear probe and kNN; the recipe's
        // keys enter the hash only of rows that fine-tune, so a profile sizes them without touching any other row
        new("finetune.enabled", KeyType.Bool, false, Sem,
            "evaluate by fine-tuning the encoder end to end with a classifier (the paper's Appendix B) instead of the linear probe and kNN") { HashedOnlyWhenSet = true },
        FineTune("finetune.epochs", KeyType.Int, 100L, "fine-tuning epochs"),
        FineTune("finetune.warmup_epochs", KeyType.Double, 5.0, "linear warm-up of the fine-tuning lr, then half-cycle cosine"),
        FineTune("finetune.batch_size", KeyType.Int, 1024L, "fine-tuning batch size"),
        FineTune("finetune.lr", KeyType.Double, 1e-3, "fine-tuning base lr blr; peak = blr × batch / 256 (the paper: 4e-3 at batch 1024)"),
        FineTune("finetune.min_lr", KeyType.Double, 1e-6, "final lr of the cosine decay"),
        FineTune("finetune.weight_decay", KeyType.Double, 0.05, "AdamW weight decay (weight matrices only)"),
        FineTune("finetune.layer_decay.base", KeyType.Double, 0.85, "layer-wise lr decay of the 'base' model (block i of B gets decay^(B − i))"),
        FineTune("finetune.layer_decay.large", KeyType.Double, 0.65, "layer-wise lr decay of the 'large' model"),
        FineTune("finetune.layer_decay.half-large", KeyType.Double, 0.75, "layer-wise lr decay of the 'half-large' model (the paper gives none; between its base and large)"),
        FineTune("finetune.drop_path", KeyType.Double, 0.1, "drop-path (stochastic depth) rate of every encoder block's two residual branches"),
        FineTune("finetune.label_smoothing", KeyType.Double, 0.1, "label smoothing of the targets"),
        FineTune("finetune.mixup", KeyType.Double, 0.8, "MixUp's Beta(α, α) α (0 = off)"),
        FineTune("finetune.cutmix", KeyType.Double, 1.0, "CutMix's Beta(α, α) α (0 = off); with both on, each batch is one or the other with probability 1/2"),
        FineTune("finetune.randaug_ops", KeyType.Int, 2L, "RandAugment: operations per image (0 = off)"),
        FineTune("finetune.randaug_magnitude", KeyType.Double, 9.0, "RandAugment: magnitude (of 10)"),
        FineTune("finetune.randaug_std", KeyType.Double, 0.5, "RandAugment: sd of the magnitude's Gaussian noise per operation"),
        FineTune("finetune.ema", KeyType.Double, 0.9999, "EMA decay of the fine-tuned weights that are evaluated (0 = off; warmed up as train.ema)"),
    ];

    /// <summary>A key of the fine-tuning recipe: sized by profiles, hashed only where finetune.enabled is true.</summary>
    static ConfigKey FineTune(string path, KeyType type, object value, string help) =>
        new(path, type, value, Scl, help) { HashedOnlyWhenSet = true, OnlyWith = "finetune.enabled" };

    static readonly Dictionary<string, ConfigKey> ByPath = Keys.ToDictionary(k => k.Path);

    public static ConfigKey Get(string path, string where) =>
        ByPath.TryGetValue(path, out var key) ? key
        : throw new ConfigException(where, path, "is unknown", "one of: " + string.Join(", ", Keys.Select(k => k.Path)));

    public static bool TryGet(string path, out ConfigKey key) => ByPath.TryGetValue(path, out key!);
}

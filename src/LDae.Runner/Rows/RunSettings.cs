using LDae.Data;
using LDae.Diffusion;
using LDae.Evaluation;
using LDae.Harness.Config;
using LDae.Harness;
using LDae.Kernels;
using LDae.Method;
using LDae.Models;
using LDae.Objectives;
using LDae.Tokenizers;
using LDae.Training;

namespace LDae.Rows;

/// <summary>
/// The one place where a resolved configuration (experiments/*.yaml + profile) becomes the method's objects:
/// dataset spec, noise schedule, denoiser options, training and probe options.
/// </summary>
public static class RunSettings
{
    /// <summary>data.path, else (CIFAR-10) the copy LDAE_CIFAR10 names, else the dataset's official source.</summary>
    public static DatasetSpec Dataset(ConfigTree c, string repoRoot) => new(
        c.Text("data.dataset"),
        c.TextOrNull("data.path") is { } p ? Repo.ResolvePath(p, repoRoot)
            : c.Text("data.dataset") == Cifar10Binary.Name ? Datasets.Cifar10CopyFromEnvironment() : null,
        c.IntOrNull("data.image_size") is { } s ? (int)s : null);

    public static NoiseSchedule Schedule(ConfigTree c) => NoiseSchedules.Create(
        c.Text("noise.schedule"),
        inputScaling: c.Bool("noise.input_scaling"),
        singleSigma: c.Bool("noise.single_level") ? c.Double("noise.single_sigma") : null);

    public static LatentScaling Scaling(ConfigTree c) => c.Text("tokenizer.scaling") switch
    {
        "none" => LatentScaling.None,
        "global" => LatentScaling.Global,
        "per-dimension" => LatentScaling.PerDimension,
        var s => throw new ConfigException("config", "tokenizer.scaling", $"'{s}' is not handled", "none, global, per-dimension"),
    };

    /// <summary>The resolved latent dimension per token d (see ExperimentRegistry.Derive).</summary>
    public static int LatentDim(ConfigTree c) => int.Parse(c.Text("tokenizer.latent_dim"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Side of a token in latent cells: 2 for the conv VAE (DiT takes 2×2 latent cells per token, so a token still
    /// covers p×p pixels and d = 4 × channels), p/downscale for the pixel tokenizer (a cell is a pixel of the resized
    /// image), 1 for the patch-wise tokenizers (one token per patch).
    /// </summary>
    public static int CellsPerTokenSide(ConfigTree c) => c.Text("tokenizer.kind") switch
    {
        "pixels" => (int)(c.Int("tokenizer.patch") / c.Int("tokenizer.downscale")),
        "conv-vae" => ConvVaeCellsPerTokenSide,
        _ => 1,
    };

    /// <summary>DiT's patch size on the conv VAE's latent: 2, so the conv VAE's stride is p/2 and d per token is 4 × its channels.</summary>
    public const int ConvVaeCellsPerTokenSide = 2;

    /// <summary>
    /// The backbone shape of a configuration, as <see cref="Method.Denoiser.BackboneFor(int, int, int, DenoiserOptions)"/>
    /// builds it: for what needs the shape without building the model (the estimate, the probe's CPU batch).
    /// </summary>
    public static BackboneOptions Backbone(ConfigTree c, int imageSize)
    {
        int channels = (int)c.Int("data.channels");
        var options = Denoiser(c, imageSize, numClasses: 10);
        return c.Text("tokenizer.kind") == "pixels"
            ? Method.Denoiser.BackboneFor((int)c.Int("tokenizer.downscale"), channels, channels, options) // as PixelTokenizer: one cell per downscale² pixels
            : Method.Denoiser.BackboneFor((int)c.Int("tokenizer.patch"), channels, LatentDim(c), options);
    }

    public static DenoiserOptions Denoiser(ConfigTree c, int imageSize, int numClasses) => new()
    {
        ImageSize = imageSize,
        Width = (int)c.Int("backbone.width"),
        Depth = (int)c.Int("backbone.depth"),
        Heads = (int)c.Int("backbone.heads"),
        MlpRatio = c.Double("backbone.mlp_ratio"),
        TokenPatch = CellsPerTokenSide(c),
        Objective = new ObjectiveOptions
        {
            Prediction = c.Text("objective.prediction") switch
            {
                "epsilon" => Prediction.Epsilon,
                "clean-data" => Prediction.CleanData,
                _ => Prediction.OriginalImage,
            },
            Input = c.Text("objective.input") == "image" ? InputSpace.ImageViaInversePca : InputSpace.Latent,
            Output = c.Text("objective.output") == "image" ? OutputSpace.ImageViaInversePca : OutputSpace.Latent,
            ResidualWeight = c.Double("objective.residual_weight"),
        },
        ClassConditional = c.Bool("backbone.class_conditional"),
        TimestepConditional = c.Bool("backbone.timestep_conditioning"),
        ConditioningRatio = c.Double("backbone.conditioning_ratio"),
        NumClasses = numClasses,
        Placement = c.Text("backbone.conditioning") switch
        {
            "both" => ConditioningPlacement.Both,
            "encoder" => ConditioningPlacement.Encoder,
            "decoder" => ConditioningPlacement.Decoder,
            _ => ConditioningPlacement.None,
        },
    };

    /// <summary>train.lr is the peak learning rate itself, or with train.lr_scaling = linear-256 the paper's base lr (peak = blr × batch / 256).</summary>
    public static TrainOptions Train(ConfigTree c) => new()
    {
        Epochs = (int)Math.Round(c.Int("train.epochs") * c.Double("train.length")),
        BatchSize = (int)c.Int("train.batch_size"),
        BaseLr = c.Double("train.lr"),
        LrScaling = c.Text("train.lr_scaling") == "linear-256" ? LrScaling.Linear256 : LrScaling.None,
        MinLr = c.Double("train.min_lr"),
        WarmupEpochs = c.Double("train.warmup_epochs"),
        WeightDecay = c.Double("train.weight_decay"),
        EmaDecay = c.Double("train.ema"),
        GradClip = c.Double("train.grad_clip"),
        Seed = c.Int("train.seed"),
        Replicas = (int)c.Int("train.replicas"),
        Precision = c.Text("train.precision") == "bf16" ? ComputePrecision.Bf16 : ComputePrecision.Fp32,
        CheckpointEverySteps = (int)c.Int("train.checkpoint_every"),
        LogEverySteps = 10,
        NoWeightDecayNames = ["pos_embed"],
    };

    /// <summary>MAE's linear-probe recipe scaled to the profile: base lr × batch/256, warm-up = 1/9 of the epochs (MAE: 10 of 90).</summary>
    public static ProbeOptions Probe(ConfigTree c) => new()
    {
        Epochs = (int)c.Int("probe.epochs"),
        WarmupEpochs = c.Int("probe.epochs") / 9.0,
        BatchSize = (int)c.Int("probe.batch_size"),
        BaseLr = c.Double("probe.lr"),
        LrScaling = LrScaling.Linear256,
        Optimizer = c.Text("probe.optimizer") == "lars" ? ProbeOptimizer.Lars : ProbeOptimizer.Sgd,
        Seed = c.Int("train.seed"),
    };

    /// <summary>Cached or augmented features, the linear probe's recipe and kNN's k.</summary>
    public static ProbeProtocol ProbeProtocol(ConfigTree c) => new(
        c.Text("probe.features") == "augmented" ? ProbeFeatureMode.Augmented : ProbeFeatureMode.Cached,
        Probe(c),
        (int)c.Int("probe.knn_k"));

    /// <summary>The probe's time step, clean or noisy input, and the blocks it reads after (probe.blocks = depth/2 + probe.split).</summary>
    public static ProbeReadout Readout(ConfigTree c)
    {
        long t = c.Int("probe.t");
        if (t < 0 || t > NoiseSchedule.DefaultSteps)
            throw new ConfigException("config", "probe.t", $"is {t}", $"a time step 0..{NoiseSchedule.DefaultSteps}");
        return new ProbeReadout((int)t, c.Bool("probe.noisy_input"), (int)c.Int("probe.blocks"));
    }
}

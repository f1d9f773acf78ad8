using LDae.Diffusion;
using LDae.Models;
using LDae.Objectives;
using LDae.Tokenizers;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Method;

/// <summary>
/// The denoising pipeline: frozen tokenizer → noise in the latent → network input (latent, or the image
/// decoded from the noisy latent) → backbone → prediction (noise, clean latent or original image) →
/// timestep-weighted loss. With PCA, image input/output, original-image target and no input scaling this
/// is the paper's l-DAE; with the default options it is a latent DDM.
/// </summary>
/// <remarks>
/// Image-space tensors enter and leave the backbone as "space-to-depth" grids (each p×p×C patch stacked into
/// the channels of one latent cell, <see cref="Patches.ImageToGrid"/>). A k×k patch embedding on that grid
/// is exactly a (k·p)×(k·p) patch embedding on the image, so latent and image spaces share one token grid
/// and any input/output combination works. Only the backbone is trainable; the tokenizer is not registered
/// as a submodule.
/// </remarks>
public sealed class Denoiser : nn.Module, IPretrainingMethod, IFineTunableEncoder
{
    readonly DiffusionTransformer backbone;

    public Denoiser(ITokenizer tokenizer, NoiseSchedule schedule, DenoiserOptions options, Generator? init = null)
        : base(nameof(Denoiser))
    {
        Validate(tokenizer, options);
        Tokenizer = tokenizer;
        Schedule = schedule;
        Options = options;
        BackboneOptions = BackboneFor(tokenizer, options);
        backbone = DiffusionTransformer.Create(BackboneOptions, init);
        register_module("backbone", backbone);
    }

    public ITokenizer Tokenizer { get; }
    public NoiseSchedule Schedule { get; }
    public DenoiserOptions Options { get; }
    public BackboneOptions BackboneOptions { get; }
    public DiffusionTransformer Backbone => backbone;
    ObjectiveOptions Objective => Options.Objective;

    /// <summary>Size of a feature vector from <see cref="Features"/>.</summary>
    public int FeatureDim => Options.Width;

    /// <summary>The backbone shape implied by a tokenizer and options (also usable without building it, e.g. for FLOPs).</summary>
    public static BackboneOptions BackboneFor(ITokenizer tokenizer, DenoiserOptions options) =>
        BackboneFor(tokenizer.Patch, tokenizer.ImageChannels, tokenizer.LatentDim, options);

    /// <summary>The backbone shape for a tokenizer of this patch, image channels and latent dimension.</summary>
    public static BackboneOptions BackboneFor(int p, int imageChannels, int latentDim, DenoiserOptions options)
    {
        int imageCell = p * p * imageChannels;
        int inChannels = options.Objective.Input == InputSpace.Latent ? latentDim : imageCell;
        int outChannels = options.Objective.Output == OutputSpace.Latent ? latentDim : imageCell;
        return new BackboneOptions(inChannels, outChannels, options.TokenPatch, options.ImageSize / p,
            options.Width, options.Depth, options.Heads, options.MlpRatio,
            options.ClassConditional, options.NumClasses, options.Placement, options.TimestepConditional, options.ConditioningRatio);
    }

    static void Validate(ITokenizer tokenizer, DenoiserOptions o)
    {
        var obj = o.Objective;
        bool pca = tokenizer is PatchPcaTokenizer;
        if (obj.Input == InputSpace.ImageViaInversePca && !pca)
            throw new ArgumentException($"image input via inverse PCA needs a patch-PCA tokenizer, got '{tokenizer.Kind}'");
        if (obj.Output == OutputSpace.ImageViaInversePca && !pca)
            throw new ArgumentException($"image output via inverse PCA needs a patch-PCA tokenizer, got '{tokenizer.Kind}'");
        if (obj.Prediction == Prediction.OriginalImage && obj.Output != OutputSpace.ImageViaInversePca)
            throw new ArgumentException("predicting the original image needs image output (Objective.Output = ImageViaInversePca)");
        if (obj.Prediction == Prediction.Epsilon && obj.Output == OutputSpace.ImageViaInversePca)
            throw new ArgumentException("image output predicts an image; ε-prediction has no image target (predict clean data or the original image)");
        if (obj.ResidualWeight < 0 || double.IsNaN(obj.ResidualWeight))
            throw new ArgumentException($"residual weight must be ≥ 0, got {obj.ResidualWeight}");
        if (o.ClassConditional && o.NumClasses < 1)
            throw new ArgumentException("class conditioning needs NumClasses ≥ 1");
        if (o.LabelDropout is < 0 or > 1)
            throw new ArgumentException($"label dropout must be in [0, 1], got {o.LabelDropout}");
        int cell = tokenizer.Patch * o.TokenPatch;
        if (o.ImageSize < cell || o.ImageSize % cell != 0)
            throw new ArgumentException($"image size {o.ImageSize} must be a multiple of tokenizer patch × token patch = {cell}");
    }

    /// <summary>
    /// One training loss: t ~ U{1..T}, ε ~ N(0, I) (both from <paramref name="g"/>, in that order, then the
    /// label dropout), z_t = γ_t z + σ_t ε, network on the chosen input, λ_t-weighted loss on the chosen target.
    /// </summary>
    /// <param name="images">N×C×H×W float in [-1, 1].</param>
    /// <param name="labels">N class indices; required when class-conditional, otherwise ignored.</param>
    public LossParts Loss(Tensor images, Tensor? labels, Generator g)
    {
        CheckImages(images);
        if (Options.ClassConditional && labels is null)
            throw new ArgumentException("this denoiser is class-conditional: Loss needs labels");
        using var scope = NewDisposeScope();
        long n = images.shape[0];
        var t = randint(1, Schedule.Steps + 1, [n], dtype: ScalarType.Int64, generator: g, device: images.device);
        var z = Tokenizer.Encode(images);
        var noise = randn(z.shape, dtype: z.dtype, generator: g, device: z.device);
        var zt = Schedule.AddNoise(z, t, noise);
        Tensor? y = Options.ClassConditional
            ? LabelEmbedder.DropLabels(labels!.to_type(ScalarType.Int64), Options.LabelDropout, Options.NumClasses, g)
            : null;

        var output = backbone.forward(NetworkInput(zt), t, y);
        var weight = LossWeighting.Weight(Objective.Prediction, Schedule, t).to(images.device);

        LossParts parts = Objective.Output == OutputSpace.ImageViaInversePca
            ? DenoisingLoss.Image(OutputAsImage(output), Objective.Prediction == Prediction.OriginalImage ? images : Tokenizer.Decode(z),
                weight, Objective.ResidualWeight, (PatchPcaTokenizer)Tokenizer)
            : DenoisingLoss.Latent(output, Objective.Prediction == Prediction.Epsilon ? noise : z, weight);
        return new LossParts(parts.Total.MoveToOuterDisposeScope(),
            parts.Subspace?.MoveToOuterDisposeScope(), parts.Residual?.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Representation for the linear probe as <paramref name="readout"/> defines it (default: the paper's, t = 10,
    /// clean input, after the encoder): tokens after the read blocks, null label when class-conditional,
    /// mean-pooled over tokens → N×width, or N×L×width without pooling. <paramref name="noise"/> draws ε for noisy
    /// input (required then, unless t = 0).
    /// </summary>
    public Tensor Features(Tensor images, ProbeReadout? readout = null, Generator? noise = null, bool meanPool = true)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var tokens = EncoderTokens(images, readout ?? ProbeReadout.Paper, noise);
        return (meanPool ? tokens.mean([1]) : tokens).MoveToOuterDisposeScope();
    }

    /// <summary>The read-out's tokens N×L×width (what <see cref="Features"/> pools), with gradients for fine-tuning.</summary>
    public Tensor EncoderTokens(Tensor images, ProbeReadout readout, Generator? noise)
    {
        CheckImages(images);
        if (readout.T < 0 || readout.T > Schedule.Steps)
            throw new ArgumentOutOfRangeException(nameof(readout), $"probe t must be in 0..{Schedule.Steps}, got {readout.T}");
        int blocks = ReadBlocks(readout);
        using var scope = NewDisposeScope();
        var z = Tokenizer.Encode(images);
        var t = full([images.shape[0]], (long)readout.T, ScalarType.Int64, device: images.device);
        if (readout.NoisyInput && readout.T > 0)
        {
            if (noise is null) throw new ArgumentNullException(nameof(noise), "noisy input needs a generator for the noise");
            z = Schedule.AddNoise(z, t, randn(z.shape, dtype: z.dtype, generator: noise, device: z.device));
        }
        return backbone.RunBlocks(backbone.EmbedPatches(NetworkInput(z)), backbone.Conditioning(t, null), 0, blocks).MoveToOuterDisposeScope();
    }

    /// <summary>The patch embedding and the conditioning embeddings, then the blocks the read-out runs.</summary>
    public EncoderLayers Layers(ProbeReadout readout) => new(
        new nn.Module?[] { backbone.PatchEmbedding, backbone.Timesteps, backbone.Labels }.OfType<nn.Module>().ToList(),
        backbone.Blocks.Take(ReadBlocks(readout)).Cast<nn.Module>().ToList(),
        null);

    int ReadBlocks(ProbeReadout readout)
    {
        int blocks = readout.Blocks ?? BackboneOptions.EncoderDepth;
        if (blocks < 1 || blocks > BackboneOptions.Depth)
            throw new ArgumentOutOfRangeException(nameof(readout), $"the probe reads after 1..{BackboneOptions.Depth} blocks, got {blocks}");
        return blocks;
    }

    /// <summary>
    /// For the denoising figures: noise the images at step <paramref name="t"/> (0..T) and return the noisy
    /// input and the network's prediction, both as images. ε-predictions are turned into
    /// ẑ = (z_t − σ_t ε̂)/γ_t; latent predictions are decoded; image outputs are shown as they are.
    /// </summary>
    public (Tensor Noisy, Tensor Prediction) Denoise(Tensor images, int t, Generator g)
    {
        CheckImages(images);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        long n = images.shape[0];
        var steps = full([n], (long)t, ScalarType.Int64, device: images.device);
        var z = Tokenizer.Encode(images);
        var noise = randn(z.shape, dtype: z.dtype, generator: g, device: z.device);
        var zt = Schedule.AddNoise(z, steps, noise);
        var output = backbone.forward(NetworkInput(zt), steps, null);

        Tensor prediction;
        if (Objective.Output == OutputSpace.ImageViaInversePca)
            prediction = OutputAsImage(output);
        else
        {
            var latent = output;
            if (Objective.Prediction == Prediction.Epsilon)
                // at γ_t = 0 (pure noise) z is not recoverable; the clamp only keeps the figure finite
                latent = (zt - Schedule.SigmaAt(t) * latent) / Math.Max(Schedule.GammaAt(t), 1e-6);
            prediction = Tokenizer.Decode(latent);
        }
        var noisy = Tokenizer.Decode(zt);
        return (noisy.MoveToOuterDisposeScope(), prediction.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The network's estimate at noisy latents z_t and steps t (N) of the clean latent ẑ₀ and the noise ε̂, with
    /// z_t = γ_t ẑ₀ + σ_t ε̂ — whatever the prediction target: ε is turned into ẑ₀, a clean latent into ε̂, an image
    /// output encoded by the tokenizer. What a sampler steps with (<see cref="Sampler"/>). Labels are used only by a
    /// class-conditional model (the null class asks for the unconditional estimate).
    /// </summary>
    public (Tensor Clean, Tensor Noise) Estimate(Tensor zt, Tensor t, Tensor? labels)
    {
        using var scope = NewDisposeScope();
        var output = backbone.forward(NetworkInput(zt), t, Options.ClassConditional ? labels?.to_type(ScalarType.Int64) : null);
        var (gamma, sigma) = Schedule.Coefficients(t, zt);
        Tensor clean, noise;
        if (Objective.Output == OutputSpace.ImageViaInversePca)
        {
            clean = Tokenizer.Encode(OutputAsImage(output));
            noise = (zt - gamma * clean) / sigma;
        }
        else if (Objective.Prediction == Prediction.Epsilon)
        {
            noise = output;
            clean = (zt - sigma * noise) / gamma;
        }
        else
        {
            clean = output;
            noise = (zt - gamma * clean) / sigma;
        }
        return (clean.MoveToOuterDisposeScope(), noise.MoveToOuterDisposeScope());
    }

    /// <summary>Shape of the latent of <paramref name="n"/> images (what the tokenizer's encoder gives).</summary>
    public long[] LatentShape(long n)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var shape = Tokenizer.Encode(zeros(1, Tokenizer.ImageChannels, Options.ImageSize, Options.ImageSize)).shape;
        shape[0] = n;
        return shape;
    }

    /// <summary>Noisy latent → what the backbone sees (the latent grid, or decode(z_t) as a space-to-depth grid).</summary>
    Tensor NetworkInput(Tensor zt) => Objective.Input == InputSpace.Latent
        ? zt.alias()
        : ImageAsGrid(Tokenizer.Decode(zt));

    Tensor OutputAsImage(Tensor output) => Patches.GridToImage(output, Tokenizer.Patch, Tokenizer.ImageChannels);

    Tensor ImageAsGrid(Tensor image)
    {
        using var scope = NewDisposeScope();
        return Patches.ImageToGrid(image, Tokenizer.Patch).MoveToOuterDisposeScope();
    }

    void CheckImages(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != Tokenizer.ImageChannels || images.shape[2] != Options.ImageSize || images.shape[3] != Options.ImageSize)
            throw new ArgumentException($"expected images N×{Tokenizer.ImageChannels}×{Options.ImageSize}×{Options.ImageSize}, got [{string.Join(",", images.shape)}]");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Tokenizer.Dispose();
        base.Dispose(disposing);
    }
}

namespace LDae.Tokenizers.Learned;

/// <summary>
/// Everything that defines a trained tokenizer: kind, latent grid (patch p, latent dim d), which losses, the
/// training budget and seed, and the sizes of the networks. The trainer is a pure function of this and the data.
/// </summary>
public sealed record LearnedTokenizerSpec
{
    /// <summary>"conv-vae" | "patch-vae" | "patch-ae".</summary>
    public required string Kind { get; init; }

    /// <summary>
    /// Pixels per latent cell side (the conv VAE needs a power of two: one stride-2 step per factor 2). For the conv
    /// VAE this is its stride, half the token's side: the denoiser takes 2×2 cells per token, as DiT does.
    /// </summary>
    public int Patch { get; init; } = 8;

    /// <summary>Latent dimension per cell: d for the patch-wise tokenizers, the channel count (d/4 per token) for the conv VAE.</summary>
    public int LatentDim { get; init; } = 4;

    /// <summary>Add the LPIPS-style perceptual loss (VQGAN/LDM's tokenizer has it; Table 1 removes it).</summary>
    public bool Perceptual { get; init; }

    /// <summary>Add the PatchGAN hinge loss with VQGAN's adaptive weight (Table 1 removes it next).</summary>
    public bool Adversarial { get; init; }

    public int Epochs { get; init; } = 2;

    /// <summary>
    /// Batch size and learning rate. At the CI scale (4,000 images, 2 epochs) the number of steps limits the
    /// learned tokenizers, so a small batch and a large learning rate (for Adam) give the best reconstructions.
    /// </summary>
    public int BatchSize { get; init; } = 32;
    public double Lr { get; init; } = 3e-3;
    public double WeightDecay { get; init; } = 0.0;
    public int Seed { get; init; } = 0;

    /// <summary>The pixel reconstruction term; null = the kind's own (<see cref="ReconstructionLossOfKind"/>).</summary>
    public ReconstructionLoss? Reconstruction { get; init; }

    /// <summary>
    /// <see cref="Reconstruction"/>, else L1 for the conv VAE (LDM's autoencoder loss, which the paper's Table 1
    /// ablates term by term) and L2 for the patch-wise VAE and AE (the paper's ∥x − UᵀVx∥²).
    /// </summary>
    public ReconstructionLoss ReconstructionLossOfKind => Reconstruction ?? (Kind == ConvVae.KindName ? ReconstructionLoss.L1 : ReconstructionLoss.L2);

    /// <summary>
    /// β, the KL weight, applied to the KL summed over all latent values of an image next to a reconstruction
    /// loss summed over all pixels of an image — LDM's normalisation, so LDM's kl_weight = 10⁻⁶ carries over.
    /// </summary>
    public double KlWeight { get; init; } = 1e-6;

    /// <summary>Weight of the perceptual distance (LDM: perceptual_weight = 1, added per pixel to the L1 term).</summary>
    public double PerceptualWeight { get; init; } = 1.0;

    /// <summary>Base weight multiplying the adaptive weight λ (LDM's kl-f8 config: disc_weight = 0.5).</summary>
    public double DiscriminatorWeight { get; init; } = 0.5;

    /// <summary>
    /// Optimiser step at which the discriminator and the adversarial term start (VQGAN's disc_start); before it the
    /// tokenizer trains as a plain (perceptual) VAE. Null = half of all steps.
    /// </summary>
    public int? AdversarialStartStep { get; init; }

    /// <summary>Discriminator size: base channels and number of stride-2 blocks.</summary>
    public int DiscriminatorWidth { get; init; } = 32;
    public int DiscriminatorLayers { get; init; } = 2;

    /// <summary>Conv VAE size.</summary>
    public ConvVaeArchitecture ConvArchitecture { get; init; } = new();

    /// <summary>How the perceptual network is trained (when <see cref="Perceptual"/> is on).</summary>
    public PerceptualTrainOptions PerceptualNetwork { get; init; } = new();

    /// <summary>
    /// Where the perceptual network is cached; null = <c>&lt;artifactDir&gt;/../perceptual-&lt;hash&gt;</c>, the hash
    /// covering the options and the data, so every conv-VAE variant trained on the same data shares one network.
    /// </summary>
    public string? PerceptualPath { get; init; }

    /// <summary>
    /// The perceptual network is refused (training stops) below this top-1 test accuracy: a guard against a network
    /// that learned no class-relevant features (3× chance for ten classes), not a quality bar — the small VGG
    /// stand-in reaches ~86 % on Fashion-MNIST but ~51 % on CIFAR-10 at the quick budget, and both give a usable
    /// feature distance.
    /// </summary>
    public double MinPerceptualAccuracy { get; init; } = 0.3;

    /// <summary>Progress line every this many steps (and at the end of each epoch).</summary>
    public int LogEvery { get; init; } = 25;

    public static readonly string[] Kinds = [ConvVae.KindName, PatchVae.KindName, PatchAe.KindName];

    public void Validate()
    {
        if (!Kinds.Contains(Kind)) throw new ArgumentException($"unknown learned tokenizer kind '{Kind}' (expected {string.Join(" | ", Kinds)})");
        if (Patch < 1) throw new ArgumentOutOfRangeException(nameof(Patch));
        if (Kind == ConvVae.KindName && !int.IsPow2(Patch))
            throw new ArgumentException($"conv-vae needs a power-of-two patch (one stride-2 downsampling per factor 2), got {Patch}");
        if (LatentDim < 1) throw new ArgumentOutOfRangeException(nameof(LatentDim));
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs));
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize));
        if (!(Lr > 0)) throw new ArgumentOutOfRangeException(nameof(Lr));
        if (KlWeight < 0 || PerceptualWeight < 0 || DiscriminatorWeight < 0) throw new ArgumentException("loss weights must be ≥ 0");
        if (AdversarialStartStep is < 0) throw new ArgumentOutOfRangeException(nameof(AdversarialStartStep));
        ConvArchitecture.Validate();
        if (Perceptual) PerceptualNetwork.Validate();
    }
}

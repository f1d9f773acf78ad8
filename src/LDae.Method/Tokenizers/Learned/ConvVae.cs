using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers.Learned;

/// <summary>
/// The conv VAE of LDM/VQGAN (the tokenizer of the paper's Table 1 and the first of Table 2), small: a
/// convolutional encoder with log2(p) stride-2 downsamplings gives a posterior mean and log-variance of d
/// channels per cell of the H/p × W/p grid — the same grid as patch-wise PCA with patch p — and a mirrored
/// decoder maps latents back to pixels. Trained with L1 (or L2) reconstruction + β·KL, optionally with a
/// perceptual and an adversarial loss (see <see cref="LearnedTokenizerTrainer"/>).
/// </summary>
public sealed class ConvVae : LearnedTokenizer
{
    public const string KindName = "conv-vae";

    readonly ConvEncoder encoder;
    readonly ConvDecoder decoder;

    public ConvVae(int patch, int latentDim, int imageChannels, ConvVaeArchitecture? architecture = null)
        : base(nameof(ConvVae), patch, latentDim, imageChannels)
    {
        if (!int.IsPow2(patch))
            throw new ArgumentException($"the conv VAE downsamples by stride-2 steps, so its patch must be a power of two; got {patch}", nameof(patch));
        Architecture = architecture ?? new ConvVaeArchitecture();
        Architecture.Validate();
        int steps = int.Log2(patch);
        encoder = new ConvEncoder(imageChannels, 2 * latentDim, steps, Architecture);
        decoder = new ConvDecoder(latentDim, imageChannels, steps, Architecture);
        RegisterComponents();
    }

    /// <summary>Builds an untrained conv VAE with weights drawn from <paramref name="g"/>.</summary>
    public static ConvVae Create(int patch, int latentDim, int imageChannels, ConvVaeArchitecture? architecture, Generator g)
    {
        var model = new ConvVae(patch, latentDim, imageChannels, architecture);
        model.InitializeWeights(g);
        return model;
    }

    public override string Kind => KindName;
    public override bool IsVariational => true;
    public ConvVaeArchitecture Architecture { get; }
    public override Tensor DecoderLastLayerWeight => decoder.LastLayerWeight;

    public override (Tensor Mean, Tensor? LogVar) Posterior(Tensor images) => GaussianPosterior(encoder, images);

    public override Tensor DecodeUnscaled(Tensor latent) => decoder.forward(latent);

    /// <summary>Forward FLOPs per image (encoder + decoder) of side <paramref name="imageSize"/> (<see cref="ConvFlops"/>).</summary>
    public double ForwardFlops(int imageSize) => encoder.ForwardFlops(imageSize) + decoder.ForwardFlops(imageSize / Patch);

    protected override int[] ArchitectureConfig =>
        [Architecture.BaseChannels, Architecture.MaxMultiplier, Architecture.ResBlocksPerLevel];

    internal static ConvVae FromConfig(int patch, int latentDim, int channels, int[] config)
    {
        if (config.Length != 3) throw new InvalidDataException($"conv VAE: expected 3 architecture numbers, got {config.Length}");
        return new ConvVae(patch, latentDim, channels, new ConvVaeArchitecture(config[0], config[1], config[2]));
    }
}
